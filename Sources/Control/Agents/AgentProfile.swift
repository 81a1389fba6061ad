/// One agent as the configuration or the agents API describes it: who they are in each system
/// that may address them, the phone that ties them to calls, and whether their calls are recorded
/// from the start (their own policy; without one, their business unit's or the default,
/// `RecordingPolicies`).
public struct AgentProfile: Sendable, Codable, Equatable {
    public var id: Int
    public var businessUnit: Int
    public var phone: String
    public var systemUsername: String
    public var crmUsername: String
    public var username: String?
    public var deviceId: String
    public var deviceAlias: String
    public var station: String
    /// The agent's own policy; nil when the business unit's or the default applies.
    public var policy: RecordingPolicy?
    /// How long the agent's recordings are kept, where its own entry says (each part nil: the
    /// business unit's or the default, `RetentionRules`).
    public var retention: RetentionChoice?

    public init(id: Int, businessUnit: Int = 0, phone: String, systemUsername: String = "", crmUsername: String = "",
                username: String? = nil, deviceId: String = "", deviceAlias: String = "", station: String = "",
                policy: RecordingPolicy? = nil, retention: RetentionChoice? = nil) {
        self.id = id
        self.businessUnit = businessUnit
        self.phone = phone
        self.systemUsername = systemUsername
        self.crmUsername = crmUsername
        self.username = username
        self.deviceId = deviceId
        self.deviceAlias = deviceAlias
        self.station = station
        self.policy = policy
        self.retention = retention
    }

    /// The agent's name of this kind (user names, CRM name, device id) as configured; nil for
    /// the id and the phone, which are not names.
    public func name(_ kind: AgentIdentifierKind) -> String? {
        switch kind {
        case .systemUsername: systemUsername
        case .crmUsername: crmUsername
        case .username: username
        case .deviceId: deviceId
        case .id, .phone: nil
        }
    }
}

/// The policies of agents that name none of their own: per business unit, else the default
/// (`businessUnits` and `recording.defaultPolicy` in the configuration); and how long their
/// recordings are kept (`businessUnits[].keepDays`, `storage.retention`). A reload replaces them
/// all at once.
public struct RecordingPolicies: Sendable, Equatable {
    public var byBusinessUnit: [Int: RecordingPolicy] = [:]
    public var defaultPolicy: RecordingPolicy = .always
    public var retention = RetentionRules()

    public init(byBusinessUnit: [Int: RecordingPolicy] = [:], defaultPolicy: RecordingPolicy = .always,
                retention: RetentionRules = RetentionRules()) {
        self.byBusinessUnit = byBusinessUnit
        self.defaultPolicy = defaultPolicy
        self.retention = retention
    }

    /// The policy that applies to the agent: its own, else its business unit's, else the default.
    public func policy(of agent: AgentProfile) -> RecordingPolicy {
        agent.policy ?? byBusinessUnit[agent.businessUnit] ?? defaultPolicy
    }
}

/// Whether an agent's calls are recorded from their start (`always`) or only after a start command (`on-demand`).
public enum RecordingPolicy: String, Sendable, Codable, CaseIterable {
    case always
    case onDemand = "on-demand"
}
