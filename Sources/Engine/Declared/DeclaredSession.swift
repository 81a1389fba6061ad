/// A recording the control plane declares without signalling (a face-to-face session): its
/// name, its streams (one channel each, in order) and whose it is. The engine records the RTP
/// sent to the streams' addresses through the same flow table, workers and gates as call media.
public struct DeclaredSession: Sendable, Equatable {
    /// Unique among the engine's calls; it takes a Call-ID's place (`CallInstance` in the sidecar).
    public var identifier: String
    /// At most two: a session has the two sides of a call.
    public var streams: [DeclaredStream]
    public var agentId: Int?
    /// Keys merged over the metadata the engine gives every recording.
    public var metadata: [String: String]

    public init(identifier: String, streams: [DeclaredStream], agentId: Int? = nil, metadata: [String: String] = [:]) {
        self.identifier = identifier
        self.streams = streams
        self.agentId = agentId
        self.metadata = metadata
    }

    public static let maxStreams = 2
}
