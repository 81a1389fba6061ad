/// An agent as `GET /api/Agent` shows it (docs/API.md, "Agent state"): identity, the active
/// call, the other live calls, desktop-only sessions and the blackout. Encoded with the API's
/// PascalCase names; `null` where the contract shows `null`.
public struct AgentState: Sendable, Codable, Equatable {
    public var agentId: Int
    public var businessUnit: Int
    public var agentPhone: String
    public var systemUsername: String
    public var crmUsername: String
    public var username: String?
    public var deviceId: String
    public var deviceAlias: String
    public var activeCall: CallView?
    public var inactiveCalls: [CallView]
    public var desktopOnlySessions: [DesktopSession]
    public var blackout: BlackoutView
    /// What a blackout command did (only in the answer to one).
    public var applied: BlackoutApplied?

    public init(profile: AgentProfile) {
        agentId = profile.id
        businessUnit = profile.businessUnit
        agentPhone = profile.phone
        systemUsername = profile.systemUsername
        crmUsername = profile.crmUsername
        username = profile.username
        deviceId = profile.deviceId
        deviceAlias = profile.deviceAlias
        activeCall = nil
        inactiveCalls = []
        desktopOnlySessions = []
        blackout = BlackoutView()
        applied = nil
    }

    /// One call of the agent.
    public struct CallView: Sendable, Codable, Equatable {
        public var callInstance: String
        public var metadata: [String: String]
        public var callState: CallStateName
        public var recordings: [RecordingView]
        public var screenRecordings: [ScreenRecordingView]

        public init(callInstance: String, metadata: [String: String], callState: CallStateName,
                    recordings: [RecordingView] = [], screenRecordings: [ScreenRecordingView] = []) {
            self.callInstance = callInstance
            self.metadata = metadata
            self.callState = callState
            self.recordings = recordings
            self.screenRecordings = screenRecordings
        }

        enum CodingKeys: String, CodingKey {
            case callInstance = "CallInstance", metadata = "Metadata", callState = "CallState"
            case recordings = "Recordings", screenRecordings = "ScreenRecordings"
        }
    }

    public enum CallStateName: String, Sendable, Codable {
        case ringing = "Ringing"
        case onCall = "OnCall"
        case onHold = "OnHold"
    }

    /// One audio recording (segment or duplicate) of a call.
    public struct RecordingView: Sendable, Codable, Equatable {
        public var recordingIdentifier: String
        public var isDuplicate: Bool
        public var recordingState: RecordingStateName
        public var callInstance: String

        public init(recordingIdentifier: String, isDuplicate: Bool, recordingState: RecordingStateName, callInstance: String) {
            self.recordingIdentifier = recordingIdentifier
            self.isDuplicate = isDuplicate
            self.recordingState = recordingState
            self.callInstance = callInstance
        }

        enum CodingKeys: String, CodingKey {
            case recordingIdentifier = "RecordingIdentifier", isDuplicate = "IsDuplicate"
            case recordingState = "RecordingState", callInstance = "CallInstance"
        }
    }

    public enum RecordingStateName: String, Sendable, Codable {
        case recording = "Recording"
        case paused = "Paused"
        case blackedOut = "BlackedOut"
        case stopped = "Stopped"
    }

    /// A screen recording the agent's desktop makes, linked to a call or desktop-only.
    public struct ScreenRecordingView: Sendable, Codable, Equatable {
        public var relatedCallInstance: String?
        public var screenRecordingIdentifier: String
        public var recordingState: RecordingStateName

        public init(relatedCallInstance: String?, screenRecordingIdentifier: String, recordingState: RecordingStateName) {
            self.relatedCallInstance = relatedCallInstance
            self.screenRecordingIdentifier = screenRecordingIdentifier
            self.recordingState = recordingState
        }

        /// The documented wire format spells it `ScreenRecordingidentifier` (lower-case i), and
        /// case-sensitive clients read exactly that; agent documents stored by earlier builds say
        /// `ScreenRecordingIdentifier`, so both are read.
        enum CodingKeys: String, CodingKey {
            case relatedCallInstance = "RelatedCallInstance", screenRecordingIdentifier = "ScreenRecordingidentifier"
            case recordingState = "RecordingState"
            case screenRecordingIdentifierCapitalI = "ScreenRecordingIdentifier"
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            relatedCallInstance = try c.decodeIfPresent(String.self, forKey: .relatedCallInstance)
            screenRecordingIdentifier = try c.decodeIfPresent(String.self, forKey: .screenRecordingIdentifier)
                ?? c.decode(String.self, forKey: .screenRecordingIdentifierCapitalI)
            recordingState = try c.decode(RecordingStateName.self, forKey: .recordingState)
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            if let relatedCallInstance { try c.encode(relatedCallInstance, forKey: .relatedCallInstance) } else { try c.encodeNil(forKey: .relatedCallInstance) }
            try c.encode(screenRecordingIdentifier, forKey: .screenRecordingIdentifier)
            try c.encode(recordingState, forKey: .recordingState)
        }
    }

    /// A session with no call: a screen recording without a call, or a face-to-face recording.
    public struct DesktopSession: Sendable, Codable, Equatable {
        public var sessionIdentifier: String
        public var kind: String
        public var state: String
        public var startTime: String

        public init(sessionIdentifier: String, kind: String, state: String, startTime: String) {
            self.sessionIdentifier = sessionIdentifier
            self.kind = kind
            self.state = state
            self.startTime = startTime
        }

        enum CodingKeys: String, CodingKey {
            case sessionIdentifier = "SessionIdentifier", kind = "Kind", state = "State", startTime = "StartTime"
        }
    }

    /// The agent's blackout: the running one, else the last, and the server that started it.
    public struct BlackoutView: Sendable, Codable, Equatable {
        public var active: Bool = false
        public var startTime: String?
        public var stopTime: String?
        public var origin: String?

        public init(active: Bool = false, startTime: String? = nil, stopTime: String? = nil, origin: String? = nil) {
            self.active = active
            self.startTime = startTime
            self.stopTime = stopTime
            self.origin = origin
        }

        enum CodingKeys: String, CodingKey {
            case active = "Active", startTime = "StartTime", stopTime = "StopTime", origin = "Origin"
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(active, forKey: .active)
            if let startTime { try c.encode(startTime, forKey: .startTime) } else { try c.encodeNil(forKey: .startTime) }
            if let stopTime { try c.encode(stopTime, forKey: .stopTime) } else { try c.encodeNil(forKey: .stopTime) }
            if let origin { try c.encode(origin, forKey: .origin) } else { try c.encodeNil(forKey: .origin) }
        }
    }

    /// The answer's `Applied`: the times a blackout command took effect at, whether its start
    /// was clamped to what could still be silenced, and whether other servers were told.
    public struct BlackoutApplied: Sendable, Codable, Equatable {
        public var startTime: String?
        public var stopTime: String?
        public var clamped: Bool
        public var shared: Bool

        public init(startTime: String?, stopTime: String?, clamped: Bool, shared: Bool) {
            self.startTime = startTime
            self.stopTime = stopTime
            self.clamped = clamped
            self.shared = shared
        }

        enum CodingKeys: String, CodingKey {
            case startTime = "StartTime", stopTime = "StopTime", clamped = "Clamped", shared = "Shared"
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            if let startTime { try c.encode(startTime, forKey: .startTime) } else { try c.encodeNil(forKey: .startTime) }
            if let stopTime { try c.encode(stopTime, forKey: .stopTime) } else { try c.encodeNil(forKey: .stopTime) }
            try c.encode(clamped, forKey: .clamped)
            try c.encode(shared, forKey: .shared)
        }
    }

    enum CodingKeys: String, CodingKey {
        case applied = "Applied"
        case agentId = "AgentId", businessUnit = "BusinessUnit", agentPhone = "AgentPhone"
        case systemUsername = "SystemUsername", crmUsername = "CrmUsername", username = "Username"
        case deviceId = "DeviceId", deviceAlias = "DeviceAlias", activeCall = "ActiveCall"
        case inactiveCalls = "InactiveCalls", desktopOnlySessions = "DesktopOnlySessions", blackout = "Blackout"
    }

    // `Username` and `ActiveCall` are written as null when absent, as the contract shows.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(agentId, forKey: .agentId)
        try c.encode(businessUnit, forKey: .businessUnit)
        try c.encode(agentPhone, forKey: .agentPhone)
        try c.encode(systemUsername, forKey: .systemUsername)
        try c.encode(crmUsername, forKey: .crmUsername)
        if let username { try c.encode(username, forKey: .username) } else { try c.encodeNil(forKey: .username) }
        try c.encode(deviceId, forKey: .deviceId)
        try c.encode(deviceAlias, forKey: .deviceAlias)
        if let activeCall { try c.encode(activeCall, forKey: .activeCall) } else { try c.encodeNil(forKey: .activeCall) }
        try c.encode(inactiveCalls, forKey: .inactiveCalls)
        try c.encode(desktopOnlySessions, forKey: .desktopOnlySessions)
        try c.encode(blackout, forKey: .blackout)
        if let applied { try c.encode(applied, forKey: .applied) }
    }
}
