import Media

/// Watches UDP that looks like RTP but that no SDP claims (the capture began after the call was
/// set up: a restart, a mirror port reconfigured, an interface added) until it proves to be an
/// audio stream: one SSRC and one static payload type that calltap decodes (G.711, G.722,
/// G.729), sequence numbers that go up by one (a packet or two may be lost), and timestamps
/// that go up by exactly the samples the payloads hold, `packetsToConfirm` times in a row. DNS,
/// syslog and game traffic fail within a packet or two; so does SRTP, whose authentication tag
/// makes the payload longer than its samples (it could only be written as noise).
///
/// The packets watched are held, so that a call made of them starts with its first packet. All
/// of it lives in storage made once (`maxCandidates` pairs of `packetsToConfirm` packets of up
/// to `maxHeldBytes`), so watching allocates nothing per packet; when every slot is taken, the
/// pair idle longest makes room.
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

    private struct Candidate {
        var ssrc: UInt32
        var payloadType: UInt8
        var sequence: UInt16
        var timestamp: UInt32
        var lastNanos: Int64
        /// Packets held in the slot, and packets seen (a packet too long to hold is seen, not held).
        var held: Int
        var seen: Int
    }

    private var slots: [Candidate] = []
    private var slotByKey: [FlowTable.Key: Int] = [:]
    private var keys: [FlowTable.Key?] = []
    private var freeSlots: [Int] = []
    /// Per slot, `packetsToConfirm` packets of `maxHeldBytes`, their lengths and capture times.
    private var bytes: UnsafeMutableRawPointer?
    private var lengths: UnsafeMutablePointer<Int>?
    private var times: UnsafeMutablePointer<Int64>?

    /// Makes the storage, the first time a pair is watched.
    private mutating func prepare() {
        guard bytes == nil else { return }
        let packets = Self.maxCandidates * Self.packetsToConfirm
        bytes = .allocate(byteCount: packets * Self.maxHeldBytes, alignment: 16)
        lengths = .allocate(capacity: packets)
        times = .allocate(capacity: packets)
        keys = Array(repeating: nil, count: Self.maxCandidates)
        slotByKey.reserveCapacity(Self.maxCandidates)
        freeSlots = Array((0..<Self.maxCandidates).reversed())
        slots = Array(repeating: Candidate(ssrc: 0, payloadType: 0, sequence: 0, timestamp: 0, lastNanos: 0, held: 0, seen: 0),
                      count: Self.maxCandidates)
    }

    /// The storage lives as long as the capture (one engine); it is given back when the engine goes.
    func deallocate() {
        bytes?.deallocate()
        lengths?.deallocate()
        times?.deallocate()
    }

    /// Takes one packet of `key`. Once the pair has proved to be an audio stream, returns its
    /// slot (whose packets `forEachHeld` gives, this one last; `release` frees it). `dropped`
    /// counts the packets of a pair given up now (it broke the pattern, or made room).
    mutating func observe(_ key: FlowTable.Key, _ rtp: RTPPacket, bytes packet: UnsafeRawBufferPointer,
                          nanos: Int64) -> (confirmed: Int?, dropped: Int) {
        prepare()
        var dropped = 0
        if let slot = slotByKey[key] {
            let c = slots[slot]
            let step = rtp.sequenceNumber &- c.sequence
            let ticks = rtp.timestamp &- c.timestamp
            // Up by one to three packets, the timestamp by the samples of each.
            if c.ssrc == rtp.ssrc, c.payloadType == rtp.payloadType, step >= 1, step <= 3,
               let each = Self.ticks(payloadType: rtp.payloadType, bytes: rtp.payload.count), ticks == each * UInt32(step) {
                slots[slot].sequence = rtp.sequenceNumber
                slots[slot].timestamp = rtp.timestamp
                slots[slot].lastNanos = nanos
                hold(packet, nanos: nanos, in: slot)
                if slots[slot].seen >= Self.packetsToConfirm {
                    slotByKey[key] = nil
                    keys[slot] = nil
                    return (slot, slots[slot].seen - slots[slot].held)
                }
                return (nil, 0)
            }
            // Broken: watched afresh from this packet.
            dropped += slots[slot].seen
            start(slot, rtp, nanos)
            hold(packet, nanos: nanos, in: slot)
            return (nil, dropped)
        }
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            // Every slot is taken: the pair idle longest makes room.
            var idlest = 0
            for i in slots.indices where keys[i] != nil && slots[i].lastNanos < slots[idlest].lastNanos { idlest = i }
            dropped += slots[idlest].seen
            if let old = keys[idlest] { slotByKey[old] = nil }
            slot = idlest
        }
        slotByKey[key] = slot
        keys[slot] = key
        start(slot, rtp, nanos)
        hold(packet, nanos: nanos, in: slot)
        return (nil, dropped)
    }

    private mutating func start(_ slot: Int, _ rtp: RTPPacket, _ nanos: Int64) {
        slots[slot] = Candidate(ssrc: rtp.ssrc, payloadType: rtp.payloadType, sequence: rtp.sequenceNumber,
                                timestamp: rtp.timestamp, lastNanos: nanos, held: 0, seen: 0)
    }

    private mutating func hold(_ packet: UnsafeRawBufferPointer, nanos: Int64, in slot: Int) {
        slots[slot].seen += 1
        guard packet.count <= Self.maxHeldBytes, let base = packet.baseAddress, slots[slot].held < Self.packetsToConfirm else { return }
        let n = slot * Self.packetsToConfirm + slots[slot].held
        (bytes! + n * Self.maxHeldBytes).copyMemory(from: base, byteCount: packet.count)
        lengths![n] = packet.count
        times![n] = nanos
        slots[slot].held += 1
    }

    /// The capture time of the first packet held in `slot`, if any was.
    func firstHeldNanos(_ slot: Int) -> Int64? {
        guard let times, slots[slot].held > 0 else { return nil }
        return times[slot * Self.packetsToConfirm]
    }

    /// The packets held in `slot`, in the order they came.
    func forEachHeld(_ slot: Int, _ body: (UnsafeRawBufferPointer, Int64) -> Void) {
        guard let bytes, let lengths, let times else { return }
        for i in 0..<slots[slot].held {
            let n = slot * Self.packetsToConfirm + i
            body(UnsafeRawBufferPointer(start: bytes + n * Self.maxHeldBytes, count: lengths[n]), times[n])
        }
    }

    /// Frees a slot returned by `observe` or `take`.
    mutating func release(_ slot: Int) {
        slots[slot].held = 0
        slots[slot].seen = 0
        freeSlots.append(slot)
    }

    /// The slot of `key`, whose pair joined a call by other means (the other direction of a
    /// pair that became a call); the caller forwards its packets and releases it.
    mutating func take(_ key: FlowTable.Key) -> Int? {
        guard let slot = slotByKey.removeValue(forKey: key) else { return nil }
        keys[slot] = nil
        return slot
    }

    /// Forgets pairs quiet since `before` (a stream sends every 20-60 ms); returns the packets
    /// they had.
    mutating func expire(before: Int64) -> Int {
        guard !slotByKey.isEmpty else { return 0 }
        var dropped = 0
        for slot in slots.indices where keys[slot] != nil && slots[slot].lastNanos < before {
            dropped += slots[slot].seen
            slotByKey[keys[slot]!] = nil
            keys[slot] = nil
            release(slot)
        }
        return dropped
    }

    /// Packets of pairs watched now (at the end of a capture, they were never a call's).
    var watched: Int {
        slots.indices.reduce(0) { $0 + (keys[$1] != nil ? slots[$1].seen : 0) }
    }
}
