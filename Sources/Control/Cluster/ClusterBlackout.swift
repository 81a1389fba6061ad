import Media

/// One server's word on an agent's blackout: started (with its start) or stopped (with the
/// interval it covered), stamped with the server that decided it and that server's sequence
/// number. Times are nanoseconds since 1970 (capture time of the deciding server), with their
/// ISO 8601 form alongside for people reading the broker.
public struct ClusterBlackout: Sendable, Equatable {
    /// Whether the blackout runs from `startNanos` on, or ended at `stopNanos`.
    public enum Action: String, Codable, Sendable {
        case start = "Start"
        case stop = "Stop"
    }

    public var agent: ClusterAgentKey
    public var action: Action
    public var startNanos: Int64
    /// Set when `action` is `.stop`.
    public var stopNanos: Int64?
    /// When the deciding server would end it by itself (`blackout.maxAgentBlackoutSeconds`).
    public var limitNanos: Int64?
    /// How it ended (`stopped`, `maxAgentBlackout`), when stopped.
    public var ended: String?
    /// The server that decided it.
    public var origin: String
    /// The server that started the blackout, when another one stopped it (the sidecar's origin
    /// of the interval); nil when `origin` started it.
    public var startedBy: String?
    /// The deciding server's sequence number: (origin, sequence) names this decision everywhere.
    public var sequence: UInt64
    /// The API request that made the decision (nil for one a server made by itself: a limit, a
    /// restart's restatement).
    public var requester: BlackoutRequester?

    public init(agent: ClusterAgentKey, action: Action, startNanos: Int64, stopNanos: Int64? = nil,
                limitNanos: Int64? = nil, ended: String? = nil, origin: String, startedBy: String? = nil, sequence: UInt64,
                requester: BlackoutRequester? = nil) {
        self.requester = requester
        self.agent = agent
        self.action = action
        self.startNanos = startNanos
        self.stopNanos = stopNanos
        self.limitNanos = limitNanos
        self.ended = ended
        self.origin = origin
        self.startedBy = startedBy
        self.sequence = sequence
    }

    /// The server whose start this interval is.
    public var starter: String { startedBy ?? origin }

    /// The time this decision takes effect: the start of a start, the stop of a stop.
    public var effectiveNanos: Int64 {
        action == .stop ? (stopNanos ?? startNanos) : startNanos
    }

    public var isActive: Bool { action == .start }
}

extension ClusterBlackout: Codable {
    enum CodingKeys: String, CodingKey {
        case agent = "Agent", action = "Action"
        case startNanos = "StartNanos", startTime = "StartTime"
        case stopNanos = "StopNanos", stopTime = "StopTime"
        case limitNanos = "LimitNanos", ended = "Ended"
        case origin = "Origin", startedBy = "StartedBy", sequence = "Sequence", requester = "Requester"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        agent = try c.decode(ClusterAgentKey.self, forKey: .agent)
        action = try c.decode(Action.self, forKey: .action)
        startNanos = try c.decode(Int64.self, forKey: .startNanos)
        stopNanos = try c.decodeIfPresent(Int64.self, forKey: .stopNanos)
        limitNanos = try c.decodeIfPresent(Int64.self, forKey: .limitNanos)
        ended = try c.decodeIfPresent(String.self, forKey: .ended)
        origin = try c.decode(String.self, forKey: .origin)
        startedBy = try c.decodeIfPresent(String.self, forKey: .startedBy)
        sequence = try c.decode(UInt64.self, forKey: .sequence)
        requester = try c.decodeIfPresent(BlackoutRequester.self, forKey: .requester)
        switch action {
        case .start where stopNanos != nil:
            throw DecodingError.dataCorruptedError(forKey: .stopNanos, in: c, debugDescription: "a started blackout has no stop time")
        case .stop where stopNanos == nil:
            throw DecodingError.keyNotFound(CodingKeys.stopNanos, .init(codingPath: c.codingPath, debugDescription: "a stopped blackout needs its stop time"))
        case .stop where stopNanos! < startNanos:
            throw DecodingError.dataCorruptedError(forKey: .stopNanos, in: c, debugDescription: "the stop is before the start")
        default:
            break
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(agent, forKey: .agent)
        try c.encode(action, forKey: .action)
        try c.encode(startNanos, forKey: .startNanos)
        try c.encode(CaptureTime.iso8601(startNanos), forKey: .startTime)
        try c.encodeIfPresent(stopNanos, forKey: .stopNanos)
        try c.encodeIfPresent(stopNanos.map(CaptureTime.iso8601), forKey: .stopTime)
        try c.encodeIfPresent(limitNanos, forKey: .limitNanos)
        try c.encodeIfPresent(ended, forKey: .ended)
        try c.encode(origin, forKey: .origin)
        try c.encodeIfPresent(startedBy, forKey: .startedBy)
        try c.encode(sequence, forKey: .sequence)
        try c.encodeIfPresent(requester, forKey: .requester)
    }
}
