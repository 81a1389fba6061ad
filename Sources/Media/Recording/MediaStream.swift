/// The state of one address pair feeding a recording: its current SSRC's statistics and clock,
/// the statistics of SSRCs it carried before, and the decoder chosen for its payload type.
struct MediaStream {
    /// How the current payload type is handled; resolved once per change of payload type so the
    /// per-packet path does not look codecs up.
    enum Handling: Equatable {
        case pcmu
        case pcma
        case comfortNoise
        case telephoneEvent
        case unsupported
        case unknown
        case encrypted
    }

    private(set) var flow: MediaFlow
    var statistics: StreamStatistics?
    var finished: [StreamStatistics] = []
    var clock: StreamClock
    var payloadType: Int = -1
    var handling = Handling.unknown
    var clockRate = 8000
    /// Per SSRC, the codecs and payload types seen, for the sidecar.
    var codecNames: [UInt32: [String]] = [:]
    var payloadTypes: [UInt32: [Int]] = [:]
    var lateBySSRC: [UInt32: Int] = [:]
    var reanchorsBefore: [UInt32: Int] = [:]
    var notDecoded: [UInt32: String] = [:]
    /// The RFC 4733 event in progress (its timestamp) and its entry in the recording's digits.
    var currentEventTimestamp: UInt32?
    var currentDigit: Int?
    /// ZRTP was seen on this flow: from then on its payloads are SRTP ciphertext.
    var encryptedInBand = false

    init(flow: MediaFlow, sampleRate: Int) {
        self.flow = flow
        clock = StreamClock(sampleRate: sampleRate)
    }

    /// Called when the payload type changes (or its meaning does, after a re-INVITE).
    mutating func resolve(payloadType pt: UInt8, map: PayloadMap, ssrc: UInt32) {
        payloadType = Int(pt)
        let codec = map[pt]
        if map.isEncrypted || encryptedInBand {
            handling = .encrypted
            notDecoded[ssrc] = encryptedInBand ? "encrypted: ZRTP key agreement on the stream" : "encrypted: SRTP declared in SDP"
            clockRate = codec?.rtpClockRate ?? 8000
            return
        }
        switch codec {
        case .pcmu?: handling = .pcmu
        case .pcma?: handling = .pcma
        case .comfortNoise?: handling = .comfortNoise
        case .telephoneEvent?: handling = .telephoneEvent
        case .unsupported(let name, _)?:
            handling = .unsupported
            notDecoded[ssrc] = "codec \(name) is not supported"
        case nil:
            handling = .unknown
            notDecoded[ssrc] = "payload type \(pt) is not in the SDP"
        }
        clockRate = codec?.rtpClockRate ?? 8000
        let name = codec?.name ?? "PT\(pt)"
        if codecNames[ssrc]?.contains(name) != true { codecNames[ssrc, default: []].append(name) }
        if payloadTypes[ssrc]?.contains(Int(pt)) != true { payloadTypes[ssrc, default: []].append(Int(pt)) }
    }

    mutating func moveTo(channel: Int) {
        flow.channel = channel
        payloadType = -1
    }

    /// Starts statistics for a new SSRC; the clock starts afresh from the next packet's capture time.
    mutating func switchSSRC(to ssrc: UInt32) {
        if let s = statistics {
            finished.append(s)
            reanchorsBefore[s.ssrc, default: 0] += clock.reanchors
        }
        statistics = StreamStatistics(ssrc: ssrc)
        clock = StreamClock(sampleRate: clock.sampleRate)
        payloadType = -1
    }

    var allStatistics: [StreamStatistics] { finished + (statistics.map { [$0] } ?? []) }
}
