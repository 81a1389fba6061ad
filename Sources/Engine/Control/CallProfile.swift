/// How the control plane wants one call recorded: whether from its first packet, for which
/// agent, which side goes left, and the metadata the agent adds (direction, device, station).
public struct CallProfile: Sendable, Equatable {
    /// Open the primary recording at the call's first RTP packet (policy `always`).
    public var recordFromStart: Bool
    public var agentId: Int?
    /// The channel of each side (caller, callee).
    public var sideToChannel: [Int]
    public var channelRoles: [String]
    /// Keys merged over the metadata the engine derives from signalling.
    public var metadata: [String: String]
    /// The segment number of the call's next recording (after a restart, where the last one left off).
    public var nextSegment: Int?

    public init(recordFromStart: Bool, agentId: Int? = nil, sideToChannel: [Int] = [0, 1],
                channelRoles: [String] = ["caller", "callee"], metadata: [String: String] = [:], nextSegment: Int? = nil) {
        self.recordFromStart = recordFromStart
        self.agentId = agentId
        self.sideToChannel = sideToChannel
        self.channelRoles = channelRoles
        self.metadata = metadata
        self.nextSegment = nextSegment
    }
}
