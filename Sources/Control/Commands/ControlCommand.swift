/// A command for the control plane, parsed from an HTTP request or a control-script line. It is
/// stamped with the capture time at which it is accepted and applied from that time on.
public enum ControlCommand: Sendable, Equatable {
    case record(RecordCommand)
    case screen(ScreenCommand)
    case blackout(BlackoutCommand)
    /// `/api/F2F/Recordings*`; as an agent command it answers the agent's state.
    case faceToFace(FaceToFaceCommand)
}

/// `/api/Blackout/StartForAgent|StopForAgent` (docs/API.md, "Blackouts"): the explicit time
/// wins; else the acceptance time plus `TimeOffset`; else the acceptance time.
public struct BlackoutCommand: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        case start = "StartForAgent"
        case stop = "StopForAgent"
    }

    public var action: Action
    public var agent: AgentReference
    /// `BlackoutStartTime` or `BlackoutStopTime`, nanoseconds since 1970.
    public var time: Int64?
    /// The time was written without an offset: it is a wall-clock time of the configured
    /// `timezone`, and `time` reads it as if it were UTC.
    public var timeIsLocal: Bool
    /// `TimeOffset`, whole seconds, may be negative; at most `maxTimeOffsetSeconds` either way.
    public var timeOffsetSeconds: Int?
    /// Who asked (an API request; nil from a control script): the other servers audit it.
    public var requester: BlackoutRequester?
    /// A year (366 days): further is a client's mistake, and in nanoseconds it would overflow.
    public static let maxTimeOffsetSeconds = 86_400 * 366

    public init(action: Action, agent: AgentReference, time: Int64? = nil, timeIsLocal: Bool = false,
                timeOffsetSeconds: Int? = nil) {
        self.action = action
        self.agent = agent
        self.time = time
        self.timeIsLocal = timeIsLocal
        self.timeOffsetSeconds = timeOffsetSeconds
    }
}

/// `/api/Record/*` (docs/API.md, "Recording commands").
public struct RecordCommand: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        case start = "StartForAgent"
        case stop = "StopForAgent"
        case update = "UpdateForAgent"
        case startDuplicate = "StartDuplicateForAgent"
        case stopDuplicate = "StopDuplicateForAgent"
        case pause = "PauseForAgent"
        case resume = "ResumeForAgent"
    }

    public var action: Action
    public var agent: AgentReference
    /// `CallMetadata`: already checked (key syntax, count, value size, reserved keys).
    public var metadata: [String: String]?
    /// `CallIdentifier` of the duplicate commands: a CallInstance (SIP Call-ID).
    public var callIdentifier: String?

    public init(action: Action, agent: AgentReference, metadata: [String: String]? = nil, callIdentifier: String? = nil) {
        self.action = action
        self.agent = agent
        self.metadata = metadata
        self.callIdentifier = callIdentifier
    }
}

/// `/api/ScreenRecord/*` (docs/API.md, "Screen recording"; the broker part is issue 5's).
public struct ScreenCommand: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        case start = "StartForAgent"
        case update = "UpdateForAgent"
        case stop = "StopForAgent"
    }

    public var action: Action
    public var agent: AgentReference
    public var metadata: [String: String]?
    /// `ScreenRecordingIdentifier` (also spelt `ScreenRecordingidentifier`), for update and stop.
    public var screenRecordingIdentifier: String?

    public init(action: Action, agent: AgentReference, metadata: [String: String]? = nil, screenRecordingIdentifier: String? = nil) {
        self.action = action
        self.agent = agent
        self.metadata = metadata
        self.screenRecordingIdentifier = screenRecordingIdentifier
    }
}
