import Media

/// Watches UDP that looks like RTP but that no SDP claims (the capture began after the call was
/// set up: a restart, a mirror port reconfigured, an interface added) until it proves to be an
/// audio stream: one SSRC and one static payload type that calltap decodes (G.711, G.722,
/// G.729), sequence numbers that go up by one (a packet or two may be lost), and timestamps
/// that go up by exactly the samples the payloads hold, `packetsToConfirm` times in a row. DNS,
/// syslog and game traffic fail within a packet or two; so does SRTP, whose authentication tag
/// makes the payload longer than its samples (it could only be written as noise).
///
/// The packets watched are held (a few, of bounded size), so that a call made of them starts
/// with its first packet. What is held is bounded too: `maxCandidates` address pairs, the one
/// idle longest making room.
struct UnsignalledMedia {
    static let packetsToConfirm = 6
    static let maxCandidates = 1024
    /// A packet longer than this is not held (G.711 at 60 ms is 492 bytes).
    static let maxHeldBytes = 512
    /// Payload types whose meaning is static (RFC 3551) and that calltap decodes: without an
    /// SDP, only these say what the payload is.
    static func isStaticAudio(_ payloadType: UInt8) -> Bool {
        payloadType == 0 || payloadType == 8 || payloadType == 9 || payloadType == 18
    }

    /// The timestamp ticks of a payload of `bytes` bytes, if the length fits the payload type:
    /// G.711 and G.722 take one byte per tick (G.722's RTP clock is 8 kHz), G.729 ten bytes per
    /// 80 ticks (and a 2-byte SID frame).
    static func ticks(payloadType: UInt8, bytes: Int) -> UInt32? {
        guard bytes > 0 else { return nil }
        switch payloadType {
        case 0, 8, 9: return UInt32(bytes)
        case 18:
            let remainder = bytes % 10
            guard remainder == 0 || remainder == 2 else { return nil }
            return UInt32(bytes / 10 * 80)
        default: return nil
        }
    }

    struct HeldPacket {
        var bytes: [UInt8]
        var nanos: Int64
    }

    private struct Candidate {
        var ssrc: UInt32
        var payloadType: UInt8
        var sequence: UInt16
        var timestamp: UInt32
        var lastNanos: Int64
        var held: [HeldPacket]
    }

    private var candidates: [FlowTable.Key: Candidate] = [:]

    /// Takes one packet of `key`; returns the packets held, this one last, once the pair has
    /// proved to be an audio stream (and forgets it). `dropped` counts the packets held for a
    /// pair given up now (it broke the pattern, or made room for another).
    mutating func observe(_ key: FlowTable.Key, _ rtp: RTPPacket, bytes: UnsafeRawBufferPointer,
                          nanos: Int64) -> (held: [HeldPacket]?, dropped: Int) {
        var dropped = 0
        let packet = HeldPacket(bytes: bytes.count <= Self.maxHeldBytes ? Array(bytes) : [], nanos: nanos)
        if var c = candidates[key], c.ssrc == rtp.ssrc, c.payloadType == rtp.payloadType {
            let step = rtp.sequenceNumber &- c.sequence
            let ticks = rtp.timestamp &- c.timestamp
            // Up by one to three packets, the timestamp by the samples of each.
            if step >= 1, step <= 3, let each = Self.ticks(payloadType: rtp.payloadType, bytes: rtp.payload.count),
               each > 0, ticks == each * UInt32(step) {
                c.sequence = rtp.sequenceNumber
                c.timestamp = rtp.timestamp
                c.lastNanos = nanos
                c.held.append(packet)
                if c.held.count >= Self.packetsToConfirm {
                    candidates[key] = nil
                    let kept = c.held.filter { !$0.bytes.isEmpty }
                    return (kept, c.held.count - kept.count)
                }
                candidates[key] = c
                return (nil, 0)
            }
        }
        if let broken = candidates[key] {
            dropped += broken.held.count
        } else if candidates.count >= Self.maxCandidates,
                  let idlest = candidates.min(by: { $0.value.lastNanos < $1.value.lastNanos }) {
            candidates[idlest.key] = nil
            dropped += idlest.value.held.count
        }
        candidates[key] = Candidate(ssrc: rtp.ssrc, payloadType: rtp.payloadType, sequence: rtp.sequenceNumber,
                                    timestamp: rtp.timestamp, lastNanos: nanos, held: [packet])
        return (nil, dropped)
    }

    /// Forgets pairs quiet since `before` (a stream sends every 20-60 ms); returns the packets
    /// they held.
    mutating func expire(before: Int64) -> Int {
        guard !candidates.isEmpty else { return 0 }
        var dropped = 0
        candidates = candidates.filter { entry in
            if entry.value.lastNanos >= before { return true }
            dropped += entry.value.held.count
            return false
        }
        return dropped
    }

    /// Takes the packets held for `key`, whose pair joined a call by other means (the other
    /// direction of a pair that became a call).
    mutating func take(_ key: FlowTable.Key) -> [HeldPacket] {
        candidates.removeValue(forKey: key)?.held.filter { !$0.bytes.isEmpty } ?? []
    }

    /// Packets held now (at the end of a capture, they were never a call's).
    var held: Int { candidates.values.reduce(0) { $0 + $1.held.count } }
}
