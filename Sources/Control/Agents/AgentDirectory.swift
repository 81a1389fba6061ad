import SIP

/// The configured agents and the ways to find one: by any `AgentIdentifier`, and by the phone
/// numbers a call's signalling shows (after dial-plan normalisation).
public struct AgentDirectory: Sendable {
    public let agents: [AgentProfile]
    private let byId: [Int: Int]
    private let byPhone: [String: Int]
    private let dialPlan: DialPlan

    public init(agents: [AgentProfile], dialPlan: DialPlan) {
        self.agents = agents.sorted { $0.id < $1.id }
        self.dialPlan = dialPlan
        var byId: [Int: Int] = [:]
        var byPhone: [String: Int] = [:]
        for (i, a) in self.agents.enumerated() {
            byId[a.id] = i
            let phone = dialPlan.normalise(a.phone)
            if !phone.isEmpty { byPhone[phone] = i }
        }
        self.byId = byId
        self.byPhone = byPhone
    }

    public func agent(id: Int) -> AgentProfile? {
        byId[id].map { agents[$0] }
    }

    /// The agent whose phone is `number` after normalisation.
    public func agent(phone number: String) -> AgentProfile? {
        byPhone[dialPlan.normalise(number)].map { agents[$0] }
    }

    /// The agent a request names. Names other than the phone compare exactly (they are user
    /// names and device ids, case included); an empty value matches nobody.
    public func agent(_ reference: AgentReference) -> AgentProfile? {
        let value = reference.value
        guard !value.isEmpty else { return nil }
        switch reference.kind {
        case .id: return Int(value).flatMap(agent(id:))
        case .phone: return agent(phone: value)
        case .systemUsername: return agents.first { $0.systemUsername == value }
        case .crmUsername: return agents.first { $0.crmUsername == value }
        case .username: return agents.first { $0.username == value }
        case .deviceId: return agents.first { $0.deviceId == value }
        }
    }
}
