/// Who asked for a blackout decision, for the audit trail of every server of the cluster: the
/// API key's name, the client's address, the request (`METHOD /path`) and when it was accepted
/// (wall clock, nanoseconds since 1970). Travels in the decision (`Requester`), so that each
/// server's `GET /api/Audit` lists the blackouts decided elsewhere with their origin.
public struct BlackoutRequester: Codable, Sendable, Equatable {
    public var actor: String
    public var client: String?
    public var action: String
    public var timeNanos: Int64

    public init(actor: String, client: String?, action: String, timeNanos: Int64) {
        self.actor = actor
        self.client = client
        self.action = action
        self.timeNanos = timeNanos
    }

    enum CodingKeys: String, CodingKey {
        case actor = "Actor", client = "Client", action = "Action", timeNanos = "TimeNanos"
    }
}
