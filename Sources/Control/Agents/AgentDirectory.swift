import SIP

/// The configured agents and the ways to find one: by any `AgentIdentifier`, and by the phone
/// numbers a call's signalling shows (after dial-plan normalisation).
public struct AgentDirectory: Sendable {
    public let agents: [AgentProfile]
    private let byId: [Int: Int]
    private let byPhone: [String: Int]
    /// Per kind of name (user names, CRM name, device id), the agents by the name's lower case:
    /// names are matched case-insensitively, as everywhere else they are used.
    private let byName: [AgentIdentifierKind: [String: Int]]
    private let dialPlan: DialPlan

    public init(agents: [AgentProfile], dialPlan: DialPlan) {
        self.agents = agents.sorted { $0.id < $1.id }
        self.dialPlan = dialPlan
        var byId: [Int: Int] = [:]
        var byPhone: [String: Int] = [:]
        var byName: [AgentIdentifierKind: [String: Int]] = [:]
        for (i, a) in self.agents.enumerated() {
            byId[a.id] = i
            let phone = dialPlan.normalise(a.phone)
            if !phone.isEmpty { byPhone[phone] = i }
            for kind in Self.nameKinds {
                let name = Self.name(kind, of: a)
                // The first agent keeps a name (check-config reports the others).
                if !name.isEmpty, byName[kind]?[name] == nil { byName[kind, default: [:]][name] = i }
            }
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

    public func agent(id: Int) -> AgentProfile? {
        byId[id].map { agents[$0] }
    }

    /// The agent whose phone is `number` after normalisation.
    public func agent(phone number: String) -> AgentProfile? {
        byPhone[dialPlan.normalise(number)].map { agents[$0] }
    }

    /// The agent a request names: by id, by phone after the dial plan, or by a name without
    /// regard to case (`SystemUsername` `ME` finds `me`); an empty value matches nobody.
    public func agent(_ reference: AgentReference) -> AgentProfile? {
        let value = reference.value
        guard !value.isEmpty else { return nil }
        switch reference.kind {
        case .id: return Int(value).flatMap(agent(id:))
        case .phone: return agent(phone: value)
        case .systemUsername, .crmUsername, .username, .deviceId:
            return byName[reference.kind]?[value.lowercased()].map { agents[$0] }
        }
    }
}
