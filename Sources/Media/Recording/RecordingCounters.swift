/// Packets of one recording's streams that did not reach its audio, by cause.
public struct RecordingCounters: Sendable, Equatable {
    public var malformedRTP = 0
    public var duplicate = 0
    public var late = 0
    public var unsupportedCodec = 0
    public var unknownPayloadType = 0
    public var telephoneEvent = 0
    public var comfortNoise = 0
    public var encrypted = 0
    /// SRTP packets that no key from the SDP authenticated.
    public var srtpAuthenticationFailed = 0
    /// SRTCP packets that no key authenticated (baresip, for one, sends some RTCP in clear).
    public var srtcpAuthenticationFailed = 0
    public var timeJump = 0
    public var unknownFlow = 0
    /// Packets the capture thread could not hand to the worker (it was behind).
    public var ringOverflow = 0

    public init() {}

    public static func += (a: inout RecordingCounters, b: RecordingCounters) {
        a.malformedRTP += b.malformedRTP
        a.duplicate += b.duplicate
        a.late += b.late
        a.unsupportedCodec += b.unsupportedCodec
        a.unknownPayloadType += b.unknownPayloadType
        a.telephoneEvent += b.telephoneEvent
        a.comfortNoise += b.comfortNoise
        a.encrypted += b.encrypted
        a.srtpAuthenticationFailed += b.srtpAuthenticationFailed
        a.srtcpAuthenticationFailed += b.srtcpAuthenticationFailed
        a.timeJump += b.timeJump
        a.unknownFlow += b.unknownFlow
        a.ringOverflow += b.ringOverflow
    }

    /// The causes with their stable names, leaving out those that never happened.
    public var byCause: [String: Int] {
        var d: [String: Int] = [:]
        func put(_ name: String, _ n: Int) { if n > 0 { d[name] = n } }
        put("malformedRtp", malformedRTP)
        put("duplicate", duplicate)
        put("late", late)
        put("unsupportedCodec", unsupportedCodec)
        put("unknownPayloadType", unknownPayloadType)
        put("telephoneEvent", telephoneEvent)
        put("comfortNoise", comfortNoise)
        put("encrypted", encrypted)
        put("srtpAuthenticationFailed", srtpAuthenticationFailed)
        put("srtcpAuthenticationFailed", srtcpAuthenticationFailed)
        put("timeJump", timeJump)
        put("unknownFlow", unknownFlow)
        put("ringOverflow", ringOverflow)
        return d
    }
}
