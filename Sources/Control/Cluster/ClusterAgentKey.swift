/// How one server names an agent to the others: the agent id, which every server of a cluster
/// shares, and the phone that ties the agent to calls (for the logs of a server that has no such id).
public struct ClusterAgentKey: Codable, Sendable, Hashable {
    public var id: Int
    public var phone: String

    public init(id: Int, phone: String) {
        self.id = id
        self.phone = phone
    }

    enum CodingKeys: String, CodingKey {
        case id = "AgentId", phone = "Phone"
    }
}
