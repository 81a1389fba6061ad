/// What a media worker needs to open a recording: identity, file, shape, and the metadata known so far.
public struct RecordingSetup: Sendable {
    public var recordingIdentifier: String
    public var callInstance: String
    public var segment: Int
    public var isDuplicate: Bool
    public var agentId: Int?
    public var serverId: String
    /// Capture time of the first sample.
    public var startNanos: Int64
    public var sampleRate: Int
    public var channelRoles: [String]
    /// `<root>/<yyyy>/<mm>/<dd>`.
    public var directory: String
    public var format: AudioFileFormat
    public var layout: ChannelLayout
    public var side: SideSelection
    /// How long audio is held before it is written.
    public var commitDelayNanos: Int64
    public var metadata: [String: String]
    /// What each side's payload types mean (index = side: caller 0, callee 1).
    public var payloadMaps: [PayloadMap]
    /// The channel of each side (caller, callee): `[1, 0]` puts the callee left, where the
    /// agent goes when the agent was called.
    public var sideToChannel: [Int] = [0, 1]
    /// `none` for a call known only from its media; nil when SIP described it.
    public var signalling: String?
    /// Look for DTMF tones in G.711 and G.722 audio (`media.inbandDtmf`).
    public var detectsInbandDTMF = false
    /// Journal the held audio and checkpoint the sidecar beside the file, for recovery after a
    /// crash (live capture; a replay is simply run again).
    public var journalsHeldAudio = false

    public init(recordingIdentifier: String, callInstance: String, segment: Int = 0, isDuplicate: Bool = false,
                agentId: Int? = nil, serverId: String, startNanos: Int64, sampleRate: Int, channelRoles: [String],
                directory: String, format: AudioFileFormat = .wav, layout: ChannelLayout = .stereo,
                side: SideSelection = .both, commitDelayNanos: Int64 = 2_000_000_000,
                metadata: [String: String], payloadMaps: [PayloadMap]) {
        self.recordingIdentifier = recordingIdentifier
        self.callInstance = callInstance
        self.segment = segment
        self.isDuplicate = isDuplicate
        self.agentId = agentId
        self.serverId = serverId
        self.startNanos = startNanos
        self.sampleRate = sampleRate
        self.channelRoles = channelRoles
        self.directory = directory
        self.format = format
        self.layout = layout
        self.side = side
        self.commitDelayNanos = commitDelayNanos
        self.metadata = metadata
        self.payloadMaps = payloadMaps
    }

    /// The path of the audio files without extension.
    public var audioStem: String { "\(directory)/\(recordingIdentifier)" }
    public var sidecarPath: String { "\(directory)/\(recordingIdentifier).json" }
}

/// One address pair whose packets go to one channel of a recording.
public struct MediaFlow: Sendable {
    public var channel: Int
    public var source: String
    public var destination: String
    /// Plain, SRTP with the sender's keys (decrypted by the worker before the recording sees
    /// a packet), or SRTP that cannot be decrypted.
    public var encryption: FlowEncryption

    public init(channel: Int, source: String, destination: String, encryption: FlowEncryption = .none) {
        self.channel = channel
        self.source = source
        self.destination = destination
        self.encryption = encryption
    }
}

/// How and when a recording ends.
public struct RecordingEnd: Sendable {
    /// Capture time of the end (BYE, CANCEL, stop); nil ends at the last placed audio (idle timeout, end of capture).
    public var endNanos: Int64?
    public var reason: String
    /// The call's metadata at its end; nil keeps what the recording started with.
    public var metadata: [String: String]?
    /// The one recording of the call to end; nil ends all of them.
    public var recordingIdentifier: String?

    /// The call's name learned while it ran (the BYE of a call known only from its media), to
    /// replace the one the recording started with.
    public var callInstance: String?

    public init(endNanos: Int64?, reason: String, metadata: [String: String]?, recordingIdentifier: String? = nil) {
        self.endNanos = endNanos
        self.reason = reason
        self.metadata = metadata
        self.recordingIdentifier = recordingIdentifier
    }
}

