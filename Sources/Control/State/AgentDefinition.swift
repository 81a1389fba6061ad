import Media

/// An agent as the agents API shows it (docs/API.md, "Agents"): the fields of the configuration,
/// the policy that applies, where the agent is logged in, and which change made it so.
public struct AgentDefinition: Sendable, Equatable, Encodable {
    public var entry: DirectoryEntry
    /// The policy that applies: the agent's own, else its business unit's, else the default.
    public var effectivePolicy: RecordingPolicy

    public init(entry: DirectoryEntry, effectivePolicy: RecordingPolicy) {
        self.entry = entry
        self.effectivePolicy = effectivePolicy
    }

    /// Where the agent's definition comes from: the configuration file, or a change since (the
    /// agents API here or on another server of the cluster).
    public var source: String { entry.isAsConfigured ? "configuration" : "api" }

    enum CodingKeys: String, CodingKey {
        case agentId = "AgentId", businessUnit = "BusinessUnit", phone = "Phone", systemUsername = "SystemUsername"
        case crmUsername = "CrmUsername", username = "Username", deviceId = "DeviceId", deviceAlias = "DeviceAlias"
        case station = "Station", policy = "Policy", effectivePolicy = "EffectivePolicy", login = "Login"
        case keepDays = "KeepDays", archiveAction = "ArchiveAction"
        case source = "Source", changed = "Changed", changedBy = "ChangedBy"
    }

    enum LoginKeys: String, CodingKey {
        case phone = "Phone", deviceId = "DeviceId", time = "Time"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let p = entry.profile
        try c.encode(p.id, forKey: .agentId)
        try c.encode(p.businessUnit, forKey: .businessUnit)
        try c.encode(p.phone, forKey: .phone)
        try c.encode(p.systemUsername, forKey: .systemUsername)
        try c.encode(p.crmUsername, forKey: .crmUsername)
        try c.encode(p.username, forKey: .username)
        try c.encode(p.deviceId, forKey: .deviceId)
        try c.encode(p.deviceAlias, forKey: .deviceAlias)
        try c.encode(p.station, forKey: .station)
        try c.encode(p.policy?.rawValue, forKey: .policy)
        try c.encode(effectivePolicy.rawValue, forKey: .effectivePolicy)
        try c.encode(p.retention?.keepDays, forKey: .keepDays)
        try c.encode(p.retention?.action?.rawValue, forKey: .archiveAction)
        if let login = entry.login {
            var l = c.nestedContainer(keyedBy: LoginKeys.self, forKey: .login)
            try l.encode(login.phone, forKey: .phone)
            try l.encode(login.deviceId, forKey: .deviceId)
            try l.encode(CaptureTime.iso8601(login.nanos), forKey: .time)
        } else {
            try c.encodeNil(forKey: .login)
        }
        try c.encode(source, forKey: .source)
        try c.encode(CaptureTime.iso8601(entry.changedNanos), forKey: .changed)
        try c.encode(entry.origin, forKey: .changedBy)
    }
}

extension AgentDirectory {
    /// The agent as the agents API shows it; nil when it does not exist (removed, or never made).
    public func definition(of agentId: Int) -> AgentDefinition? {
        guard isListed(agentId), let entry = entries[agentId] else { return nil }
        return AgentDefinition(entry: entry, effectivePolicy: policy(of: entry.profile))
    }

    /// Every agent as the agents API shows it, in id order.
    public var definitions: [AgentDefinition] {
        agents.compactMap { definition(of: $0.id) }
    }
}
