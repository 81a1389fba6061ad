import SIP

/// The agents and the ways to find one: by any `AgentIdentifier`, and by the phone numbers a
/// call's signalling shows (after dial-plan normalisation). Built from the directory's entries
/// (the configuration's agents and what the agents API and other servers changed); the tracker
/// builds a new one after every change and publishes it, so a directory never changes.
public struct AgentDirectory: Sendable {
    /// The agents that exist, in id order, as calls reach them (logged in where they are).
    public let agents: [AgentProfile]
    /// Every entry, removed ones included.
    public let entries: [Int: DirectoryEntry]
    public let policies: RecordingPolicies
    /// Every agent by id, removed ones included: a call in progress keeps its agent.
    private let byId: [Int: AgentProfile]
    private let byPhone: [String: Int]
    /// Per kind of name (user names, CRM name, device id), the agents by the name's lower case:
    /// names are matched case-insensitively, as everywhere else they are used.
    private let byName: [AgentIdentifierKind: [String: Int]]
    private let dialPlan: DialPlan

    /// A directory of configured agents only, as a server without a database starts.
    public init(agents: [AgentProfile], policies: RecordingPolicies = RecordingPolicies(), dialPlan: DialPlan,
                origin: String = "") {
        var entries: [Int: DirectoryEntry] = [:]
        for agent in agents where entries[agent.id] == nil {
            entries[agent.id] = DirectoryEntry(profile: agent, changedNanos: 0, origin: origin, configured: agent)
        }
        self.init(entries: entries, policies: policies, dialPlan: dialPlan)
    }

    public init(entries: [Int: DirectoryEntry], policies: RecordingPolicies, dialPlan: DialPlan) {
        self.entries = entries
        self.policies = policies
        self.dialPlan = dialPlan
        var byId: [Int: AgentProfile] = [:]
        for (id, entry) in entries { byId[id] = entry.effectiveProfile }
        let live = entries.values.filter { !$0.removed }.sorted { $0.profile.id < $1.profile.id }
        agents = live.map(\.effectiveProfile)
        var byPhone: [String: Int] = [:]
        // Own phones first; a phone someone logged in to reaches them (the latest login wins).
        for entry in live where entry.login?.phone == nil {
            let phone = dialPlan.normalise(entry.profile.phone)
            if !phone.isEmpty, byPhone[phone] == nil { byPhone[phone] = entry.profile.id }
        }
        for entry in live.filter({ $0.login?.phone != nil }).sorted(by: { $0.login!.nanos < $1.login!.nanos }) {
            let phone = dialPlan.normalise(entry.login!.phone!)
            if !phone.isEmpty { byPhone[phone] = entry.profile.id }
        }
        var byName: [AgentIdentifierKind: [String: Int]] = [:]
        for entry in live {
            let agent = entry.effectiveProfile
            for kind in Self.nameKinds where !(kind == .deviceId && entry.login?.deviceId != nil) {
                let name = Self.name(kind, of: agent)
                // The first agent keeps a name (check-config and the agents API refuse the others).
                if !name.isEmpty, byName[kind]?[name] == nil { byName[kind, default: [:]][name] = agent.id }
            }
        }
        // As with phones, a device someone logged in to finds them.
        for entry in live.filter({ $0.login?.deviceId != nil }).sorted(by: { $0.login!.nanos < $1.login!.nanos }) {
            byName[.deviceId, default: [:]][entry.login!.deviceId!.lowercased()] = entry.profile.id
        }
        self.byId = byId
        self.byPhone = byPhone
        self.byName = byName
    }

    /// The kinds of `AgentIdentifier` that are names, matched without regard to case.
    public static let nameKinds: [AgentIdentifierKind] = [.systemUsername, .crmUsername, .username, .deviceId]

    /// The agent's name of this kind in the form it is matched in (lower case); empty when it has none.
    public static func name(_ kind: AgentIdentifierKind, of agent: AgentProfile) -> String {
        agent.name(kind)?.lowercased() ?? ""
    }

    /// The agent with this id, also one removed while a call of theirs goes on.
    public func agent(id: Int) -> AgentProfile? {
        byId[id]
    }

    /// Whether the agent exists (is not removed).
    public func isListed(_ id: Int) -> Bool {
        entries[id].map { !$0.removed } ?? false
    }

    /// The agent whose phone (or the phone they logged in to) is `number` after normalisation.
    public func agent(phone number: String) -> AgentProfile? {
        agent(normalisedPhone: dialPlan.normalise(number))
    }

    /// The agent reached on a number already normalised (a call's identities): the dial plan is
    /// not applied twice, as a prefix may repeat.
    public func agent(normalisedPhone number: String) -> AgentProfile? {
        byPhone[number].flatMap { byId[$0] }
    }

    /// The agent a request names: by id, by phone after the dial plan, or by a name without
    /// regard to case (`SystemUsername` `ME` finds `me`); an empty value matches nobody.
    public func agent(_ reference: AgentReference) -> AgentProfile? {
        let value = reference.value
        guard !value.isEmpty else { return nil }
        switch reference.kind {
        case .id: return Int(value).flatMap { isListed($0) ? agent(id: $0) : nil }
        case .phone: return agent(phone: value)
        case .systemUsername, .crmUsername, .username, .deviceId:
            return byName[reference.kind]?[value.lowercased()].flatMap { byId[$0] }
        }
    }

    /// The policy that applies to the agent's calls.
    public func policy(of agent: AgentProfile) -> RecordingPolicy {
        policies.policy(of: agent)
    }

    /// What makes `profile` unusable in itself, as `check-config` says it: an id out of range, a
    /// phone that is empty after the dial plan. Empty when it is fine.
    public func problems(with profile: AgentProfile) -> [String] {
        var problems: [String] = []
        if !(0...Int(Int32.max)).contains(profile.id) {
            problems.append("AgentId must be between 0 and \(Int32.max)")
        }
        if dialPlan.normalise(profile.phone).isEmpty {
            problems.append("phone '\(profile.phone)' is empty after the dial plan")
        }
        return problems
    }

    /// The identifiers of `profile` that another agent already has: two agents that one
    /// identifier names make every request by it ambiguous. Empty when there is none.
    public func clashes(with profile: AgentProfile) -> [String] {
        var clashes: [String] = []
        let phone = dialPlan.normalise(profile.phone)
        for other in entries.values where !other.removed && other.profile.id != profile.id {
            if !phone.isEmpty, dialPlan.normalise(other.profile.phone) == phone {
                clashes.append("phone '\(profile.phone)' is agent \(other.profile.id)'s")
            }
            for kind in Self.nameKinds {
                let name = Self.name(kind, of: profile)
                if !name.isEmpty, name == Self.name(kind, of: other.profile) {
                    clashes.append("\(kind.rawValue) '\(profile.name(kind) ?? "")' is agent \(other.profile.id)'s "
                                   + "(names are matched without regard to case)")
                }
            }
        }
        return clashes.sorted()
    }

    /// The same agents under other policies (a reload of the configuration).
    public func with(policies: RecordingPolicies) -> AgentDirectory {
        AgentDirectory(entries: entries, policies: policies, dialPlan: dialPlan)
    }

    /// The directory after one entry changed.
    public func with(_ entry: DirectoryEntry) -> AgentDirectory {
        var entries = entries
        entries[entry.profile.id] = entry
        return AgentDirectory(entries: entries, policies: policies, dialPlan: dialPlan)
    }

    /// The directory after several entries changed (one rebuild).
    public func with(_ changed: [DirectoryEntry]) -> AgentDirectory {
        var entries = entries
        for entry in changed { entries[entry.profile.id] = entry }
        return AgentDirectory(entries: entries, policies: policies, dialPlan: dialPlan)
    }
}
