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
        /// Through the stream's `StreamDecoder` (every codec but G.711 into an 8 kHz file).
        case decoded
    }

    // What every packet reads or writes comes first, together, and what only a change of
    // payload type, RTCP or the sidecar reads comes after: with thousands of streams live, each
    // cache line of a stream that a packet touches is a cache miss.
    var statistics: StreamStatistics?
    var clock: StreamClock
    /// While the audio this stream placed since its first packet is all held: where it lies, so
    /// that it can move earlier when a later packet shows the first ones came late.
    var heldStart: HeldStart?
    var payloadType: Int = -1
    var clockRate = 8000
    /// The channel the flow's audio goes to: `flow.channel`, kept here beside the rest that
    /// every packet reads (`moveTo(channel:)` changes both).
    private(set) var channel: Int
    var handling = Handling.unknown
    /// ZRTP was seen on this flow: from then on its payloads are SRTP ciphertext.
    var encryptedInBand = false
    /// RFC 4733 events came on this flow: its digits are not looked for in the audio too.
    var signalsDigitsOutOfBand = false
    /// The decoder in use; the recording owns it (this is only a view, to avoid reference
    /// counting per packet).
    unowned(unsafe) var decoder: StreamDecoder?
    /// The receiver of digits sent as tones in the audio, while the codec is G.711 or G.722
    /// and the sender has not signalled digits as RFC 4733 events.
    var inband: InbandDTMFDetector?

    private(set) var flow: MediaFlow
    var finished: [StreamStatistics] = []
    /// The codec the current payload type stands for.
    var codec: Codec?
    /// Per SSRC, the codecs and payload types seen, for the sidecar.
    var codecNames: [UInt32: [String]] = [:]
    /// Per SSRC, the first decoded codec: its E-model factors give the stream's MOS.
    var qualityCodec: [UInt32: Codec] = [:]
    var payloadTypes: [UInt32: [Int]] = [:]
    var lateBySSRC: [UInt32: Int] = [:]
    /// Per SSRC, packets the recorder itself dropped (its worker was behind): not network loss.
    var ringOverflowBySSRC: [UInt32: Int] = [:]
    /// Dropped before the flow's first packet reached the recording: they belong to its first SSRC.
    private var ringOverflowBeforeFirst = 0
    var reanchorsBefore: [UInt32: Int] = [:]
    /// Per SSRC, how far (frames) its audio moved earlier because its first packets came late.
    var startMovedBySSRC: [UInt32: Int64] = [:]
    var notDecoded: [UInt32: String] = [:]
    /// The RFC 4733 event in progress (its timestamp) and its entry in the recording's digits.
    var currentEventTimestamp: UInt32?
    var currentDigit: Int?
    /// Per SSRC, the SRTP suite its packets were decrypted with.
    var srtpSuites: [UInt32: String] = [:]
    /// Per SSRC, SRTP packets that no key authenticated (wrong keys, tampered, truncated).
    var undecrypted: [UInt32: Undecrypted] = [:]
    /// Per SSRC, what its receiver reported of it in RTCP.
    var receiverReports: [UInt32: ReceiverReports] = [:]
    /// Per SSRC, its sender's last RTCP sender report: the middle of its NTP time and when it was
    /// captured. A report block that echoes it gives the round trip.
    var lastSenderReport: [UInt32: (ntpMiddle: UInt32, nanos: Int64)] = [:]

    /// The frames a stream's audio took since its first packet (`first ..< end`), and where the
    /// channel's audio before it ended (`roomFrom`): it can move earlier as far as that.
    struct HeldStart {
        let roomFrom: Int64
        var first: Int64
        var end: Int64

        /// Frames `start ..< end` were placed too.
        @inline(__always)
        mutating func placed(from start: Int64, to stop: Int64) {
            if start < first { first = start }
            if stop > end { end = stop }
        }
    }

    /// Whether `ssrc` is, or was, this stream's.
    func carries(_ ssrc: UInt32) -> Bool {
        statistics?.ssrc == ssrc || finished.contains { $0.ssrc == ssrc }
    }

    struct Undecrypted {
        var packets = 0
        var firstNanos: Int64
        var lastNanos: Int64
    }

    init(flow: MediaFlow, sampleRate: Int) {
        self.flow = flow
        channel = flow.channel
        clock = StreamClock(sampleRate: sampleRate)
    }

    /// Called when the payload type changes (or its meaning does, after a re-INVITE). Names for
    /// the sidecar are made only the first time a payload type shows on an SSRC, so a stream that
    /// alternates types (audio and comfort noise) allocates nothing per packet.
    mutating func resolve(payloadType pt: UInt8, map: PayloadMap, ssrc: UInt32, fileRate: Int) {
        payloadType = Int(pt)
        let codec = map[pt]
        self.codec = codec
        clockRate = codec?.rtpClockRate ?? 8000
        let firstTime = payloadTypes[ssrc]?.contains(Int(pt)) != true
        if firstTime {
            payloadTypes[ssrc, default: []].append(Int(pt))
            if qualityCodec[ssrc] == nil, let c = codec, MOSEstimate.impairment(for: c) != nil { qualityCodec[ssrc] = c }
            let name = codec?.name ?? "PT\(pt)"
            if codecNames[ssrc]?.contains(name) != true { codecNames[ssrc, default: []].append(name) }
        }
        if case .undecryptable(let reason) = flow.encryption {
            handling = .encrypted
            if notDecoded[ssrc] == nil { notDecoded[ssrc] = "encrypted: " + reason }
            return
        }
        if encryptedInBand {
            handling = .encrypted
            if notDecoded[ssrc] == nil { notDecoded[ssrc] = "encrypted: ZRTP key agreement on the stream" }
            return
        }
        switch codec {
        case .pcmu? where fileRate == 8000: handling = .pcmu
        case .pcma? where fileRate == 8000: handling = .pcma
        case .pcmu?, .pcma?, .g722?, .g729?, .opus?, .l16?: handling = .decoded
        case .comfortNoise?: handling = .comfortNoise
        case .telephoneEvent?: handling = .telephoneEvent
        case .unsupported(let name, _)?:
            handling = .unsupported
            if firstTime, notDecoded[ssrc] == nil { notDecoded[ssrc] = "codec \(name) is not supported" }
        case nil:
            handling = .unknown
            if firstTime, notDecoded[ssrc] == nil { notDecoded[ssrc] = "payload type \(pt) is not in the SDP" }
        }
    }

    /// The SDP now says the flow is (or is not) SRTP, or gives new keys; the next packet
    /// resolves its payload again.
    mutating func setEncryption(_ encryption: FlowEncryption) {
        flow.encryption = encryption
        payloadType = -1
    }

    mutating func moveTo(channel: Int) {
        flow.channel = channel
        self.channel = channel
        payloadType = -1
        heldStart = nil
    }

    /// Starts statistics for a new SSRC; the clock starts afresh from the next packet's capture time.
    mutating func switchSSRC(to ssrc: UInt32) {
        if let s = statistics {
            finished.append(s)
            reanchorsBefore[s.ssrc, default: 0] += clock.reanchors
        }
        statistics = StreamStatistics(ssrc: ssrc)
        if ringOverflowBeforeFirst > 0 {
            ringOverflowBySSRC[ssrc, default: 0] += ringOverflowBeforeFirst
            ringOverflowBeforeFirst = 0
        }
        clock = StreamClock(sampleRate: clock.sampleRate)
        heldStart = nil
        payloadType = -1
        decoder?.restart()
    }

    /// Packets of this flow the recorder dropped before the next one it receives.
    mutating func noteRingOverflow(_ count: Int) {
        if let s = statistics {
            ringOverflowBySSRC[s.ssrc, default: 0] += count
        } else {
            ringOverflowBeforeFirst += count
        }
    }

    var allStatistics: [StreamStatistics] { finished + (statistics.map { [$0] } ?? []) }
}
