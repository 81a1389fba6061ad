/// The JSON metadata written beside each recording (`<recording-id>.json`): who, when, what was
/// heard on which channel, how good the streams were, and how the recording ended.
public struct Sidecar: Codable, Sendable, Equatable {
    public var recordingIdentifier: String
    public var callInstance: String
    public var isDuplicate: Bool
    public var agentId: Int?
    public var serverId: String
    public var segment: Int
    public var metadata: [String: String]
    public var startTime: String
    public var endTime: String
    public var audio: Audio
    public var streams: [Stream]
    public var blackouts: [Interval]
    public var pauses: [Interval]
    public var dtmf: [Digit]
    public var endReason: String
    /// Packets of this recording's streams that did not reach the audio, by cause.
    public var notUsed: [String: Int]
    public var sha256: String
    /// Face-to-face recordings: the tags, merged per key, and per key the component that set it last.
    /// Absent from call recordings.
    public var tags: [String: String]? = nil
    public var taggedBy: [String: String]? = nil
    /// `none` for a call known only from its media (the capture began after it was set up);
    /// absent when SIP described the call.
    public var signalling: String? = nil
    /// Where this sidecar stands on the server's chain of sealed recordings, and its signature
    /// (`Sidecar+Seal.swift`); absent when the server seals nothing.
    public var seal: Seal? = nil
    /// How the audio files are encrypted at rest, when they are (`Sidecar+Encryption.swift`).
    public var encryption: Encryption? = nil

    /// The audio file (or, one per side, files) and their shape.
    public struct Audio: Codable, Sendable, Equatable {
        /// The file, when the recording is one file.
        public var file: String?
        /// One entry per file when each side has its own (`separate` layout, or one side kept).
        public var files: [AudioFile]?
        public var format: String
        public var sampleRate: Int
        public var channels: Int
        public var durationSeconds: Double
        public var channelRoles: [String]

        enum CodingKeys: String, CodingKey {
            case file = "File", files = "Files", format = "Format", sampleRate = "SampleRate", channels = "Channels"
            case durationSeconds = "DurationSeconds", channelRoles = "ChannelRoles"
        }
    }

    /// One audio file of a recording kept one file per side.
    public struct AudioFile: Codable, Sendable, Equatable {
        public var file: String
        public var role: String
        public var sha256: String

        enum CodingKeys: String, CodingKey {
            case file = "File", role = "Role", sha256 = "Sha256"
        }
    }

    /// One RTP stream (one SSRC on one address pair) and its quality.
    public struct Stream: Codable, Sendable, Equatable {
        public var ssrc: String
        public var source: String
        public var destination: String
        public var channel: Int
        public var role: String
        public var codecs: [String]
        public var payloadTypes: [Int]
        public var packets: Int
        public var expected: Int
        /// Packets lost on the network: expected, less received, less those the recorder dropped.
        public var lost: Int
        /// Packets the recorder itself could not take (its media worker was behind); absent in
        /// sidecars written before it was counted.
        public var ringOverflow: Int?
        public var duplicated: Int
        public var outOfOrder: Int
        public var late: Int
        public var jitterMs: Double
        public var maxJitterMs: Double
        public var maxGapMs: Double
        /// E-model estimate; absent for streams that were not decoded.
        public var mos: Double?
        public var reanchored: Int
        /// How late the stream's first packets came (held up on the way, then a burst), as later
        /// packets showed: its audio was placed that much earlier, when they were sent. Absent
        /// when they were on time.
        public var firstPacketsLateMs: Double? = nil
        public var decoded: Bool
        /// Why some or all of the stream's packets were not decoded (unsupported codec, …), if so.
        public var notDecoded: String?
        public var firstPacket: String
        public var lastPacket: String
        /// `SRTP <suite>` when the stream was decrypted with keys from the SDP; absent when plain.
        public var encryption: String?
        /// SRTP packets that no key authenticated (wrong keys, tampered, truncated); absent when none.
        public var authenticationFailed: Int?
        /// What the stream's receiver reported of it in RTCP; absent when it sent no report.
        public var receiverReports: ReceiverReports?

        enum CodingKeys: String, CodingKey {
            case ssrc = "Ssrc", source = "Source", destination = "Destination", channel = "Channel", role = "Role"
            case codecs = "Codecs", payloadTypes = "PayloadTypes", packets = "Packets", expected = "Expected"
            case lost = "Lost", ringOverflow = "RingOverflow", duplicated = "Duplicated", outOfOrder = "OutOfOrder", late = "Late"
            case jitterMs = "JitterMs", maxJitterMs = "MaxJitterMs", maxGapMs = "MaxGapMs", mos = "Mos"
            case reanchored = "Reanchored", firstPacketsLateMs = "FirstPacketsLateMs"
            case decoded = "Decoded", notDecoded = "NotDecoded"
            case firstPacket = "FirstPacket", lastPacket = "LastPacket"
            case encryption = "Encryption", authenticationFailed = "AuthenticationFailed"
            case receiverReports = "ReceiverReports"
        }
    }

    /// RTCP reception reports about one SSRC, from the phone that received it (RFC 3550 §6.4.1):
    /// loss and jitter as the phone saw them, beyond the mirror port too.
    public struct ReceiverReports: Codable, Sendable, Equatable {
        public var reports: Int
        /// The last report's fraction lost, and the largest, in percent.
        public var fractionLostPercent: Double
        public var maxFractionLostPercent: Double
        /// Lost since the stream began, by the last report.
        public var cumulativeLost: Int
        public var jitterMs: Double
        public var maxJitterMs: Double
        /// Between the mirror port and the reporter and back (a sender report as captured, to the
        /// report that echoes it, less the reporter's delay); absent until a report echoes one.
        public var roundTripMs: Double?

        enum CodingKeys: String, CodingKey {
            case reports = "Reports", fractionLostPercent = "FractionLostPercent"
            case maxFractionLostPercent = "MaxFractionLostPercent", cumulativeLost = "CumulativeLost"
            case jitterMs = "JitterMs", maxJitterMs = "MaxJitterMs", roundTripMs = "RoundTripMs"
        }
    }

    /// A stretch of the file, in seconds from its start, and who made it (the server id). A
    /// blackout also says how it ended (`stopped`, `maxAgentBlackout`, `call ended`), and is
    /// `Late` when it reached this server after its audio was written and was applied by
    /// overwriting the file.
    public struct Interval: Codable, Sendable, Equatable {
        public var start: Double
        public var end: Double
        public var origin: String
        public var ended: String?
        /// Written only when true.
        public var late: Bool?

        public init(start: Double, end: Double, origin: String, ended: String? = nil, late: Bool? = nil) {
            self.start = start
            self.end = end
            self.origin = origin
            self.ended = ended
            self.late = late
        }

        enum CodingKeys: String, CodingKey {
            case start = "Start", end = "End", origin = "Origin", ended = "Ended", late = "Late"
        }

        /// The part within a file of `seconds`, or nil when it starts at or after its end.
        public func clipped(to seconds: Double) -> Interval? {
            guard start < seconds else { return nil }
            var clipped = self
            clipped.end = min(end, seconds)
            return clipped
        }
    }

    /// A DTMF digit, when it was pressed (seconds from the file's start) and for how long, how it
    /// was signalled (`rfc4733`, `sip-info`) and by which side (channel).
    public struct Digit: Codable, Sendable, Equatable {
        public var digit: String
        public var time: Double
        public var duration: Double
        public var method: String
        public var channel: Int
        public var masked: Bool

        public init(digit: String, time: Double, duration: Double, method: String, channel: Int, masked: Bool) {
            self.digit = digit
            self.time = time
            self.duration = duration
            self.method = method
            self.channel = channel
            self.masked = masked
        }

        enum CodingKeys: String, CodingKey {
            case digit = "Digit", time = "Time", duration = "Duration", method = "Method", channel = "Channel", masked = "Masked"
        }

        /// How a digit was signalled: the values of `method`.
        public enum Method {
            /// An RTP telephone event, placed by its timestamp.
            public static let rfc4733 = "rfc4733"
            /// A tone found in the audio.
            public static let inband = "inband"
            /// A SIP INFO request, at its capture time.
            public static let sipInfo = "sip-info"
        }

        /// The digit came with the stream's media (found in its audio, or placed by its
        /// timestamps), so it moves when the stream's audio moves; one signalled in SIP does not.
        public var cameWithMedia: Bool {
            method == Method.inband || method == Method.rfc4733
        }

        /// The one rule for digits and blackouts, live and late: a digit that overlaps the
        /// interval (seconds from the file's start) is masked, also when it began before it or
        /// ends after it; a digit without duration, when it falls inside.
        public func overlaps(from start: Double, to end: Double) -> Bool {
            time < end && (time + duration > start || time >= start)
        }

        /// The digit without its value: pressed inside a blackout, it is never stored.
        public var masking: Digit {
            var d = self
            d.digit = ""
            d.masked = true
            return d
        }
    }

    enum CodingKeys: String, CodingKey {
        case recordingIdentifier = "RecordingIdentifier", callInstance = "CallInstance", isDuplicate = "IsDuplicate"
        case agentId = "AgentId", serverId = "ServerId", segment = "Segment", metadata = "Metadata"
        case startTime = "StartTime", endTime = "EndTime", audio = "Audio", streams = "Streams"
        case blackouts = "Blackouts", pauses = "Pauses", dtmf = "Dtmf", endReason = "EndReason"
        case notUsed = "NotUsed", sha256 = "Sha256", tags = "Tags", taggedBy = "TaggedBy"
        case signalling = "Signalling", seal = "Seal", encryption = "Encryption"
    }

    // AgentId is written as null when there is none, so that clients see the key.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(recordingIdentifier, forKey: .recordingIdentifier)
        try c.encode(callInstance, forKey: .callInstance)
        try c.encodeIfPresent(signalling, forKey: .signalling)
        try c.encode(isDuplicate, forKey: .isDuplicate)
        if let agentId { try c.encode(agentId, forKey: .agentId) } else { try c.encodeNil(forKey: .agentId) }
        try c.encode(serverId, forKey: .serverId)
        try c.encode(segment, forKey: .segment)
        try c.encode(metadata, forKey: .metadata)
        try c.encode(startTime, forKey: .startTime)
        try c.encode(endTime, forKey: .endTime)
        try c.encode(audio, forKey: .audio)
        try c.encode(streams, forKey: .streams)
        try c.encode(blackouts, forKey: .blackouts)
        try c.encode(pauses, forKey: .pauses)
        try c.encode(dtmf, forKey: .dtmf)
        try c.encode(endReason, forKey: .endReason)
        try c.encode(notUsed, forKey: .notUsed)
        try c.encode(sha256, forKey: .sha256)
        try c.encodeIfPresent(tags, forKey: .tags)
        try c.encodeIfPresent(taggedBy, forKey: .taggedBy)
        try c.encodeIfPresent(encryption, forKey: .encryption)
        try c.encodeIfPresent(seal, forKey: .seal)
    }
}
