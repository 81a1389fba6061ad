/// One line of the audit trail: who did what, from where, to which agent or recording, and how
/// it ended. Every state-changing API request and every download of a recording's audio or
/// sidecar is one (also when refused), and so is each recording the retention sweeper removes.
public struct AuditEntry: Sendable, Equatable {
    /// Its place in the trail (nil until stored); later entries have larger ones.
    public var id: Int64?
    /// Wall clock, nanoseconds since 1970.
    public var timeNanos: Int64
    /// The API key's name; `unauthenticated` for a request without a valid key; `anonymous`
    /// when the server has no keys; `sweeper` for retention.
    public var actor: String
    /// The client's address (`ip:port`), nil for the server's own actions.
    public var client: String?
    /// `METHOD /path` of a request (the path as the client sent it, without the query), or
    /// `sweep delete` / `sweep move`.
    public var action: String
    public var agentId: Int?
    public var recordingIdentifier: String?
    /// The HTTP status answered (200 for a sweep).
    public var status: Int
    /// `ok`, or the error code of the answer (`forbidden`, `agent_not_found`, …).
    public var outcome: String
    /// Where the request was made when it was another server of the cluster (a blackout it
    /// shared); nil for what this server was asked.
    public var origin: Origin?

    /// The server of the cluster that was asked, and its number for the decision: one entry
    /// per decision, however often the decision reaches this server.
    public struct Origin: Sendable, Equatable {
        public var server: String
        public var sequence: UInt64

        public init(server: String, sequence: UInt64) {
            self.server = server
            self.sequence = sequence
        }
    }

    public static let unauthenticated = "unauthenticated"
    public static let anonymous = "anonymous"
    public static let sweeper = "sweeper"

    public init(id: Int64? = nil, timeNanos: Int64, actor: String, client: String?, action: String, agentId: Int? = nil,
                recordingIdentifier: String? = nil, status: Int, outcome: String, origin: Origin? = nil) {
        self.origin = origin
        self.id = id
        self.timeNanos = timeNanos
        self.actor = actor
        self.client = client
        self.action = action
        self.agentId = agentId
        self.recordingIdentifier = recordingIdentifier
        self.status = status
        self.outcome = outcome
    }
}

/// `GET /api/Audit` filters: newest first, paged by `cursor` (the last id of the previous page).
public struct AuditQuery: Sendable, Equatable {
    public var fromNanos: Int64?
    public var toNanos: Int64?
    public var agentId: Int?
    public var actor: String?
    public var recordingIdentifier: String?
    public var limit = 100
    /// Entries older than this id (the previous page's `NextCursor`).
    public var before: Int64?

    public init(fromNanos: Int64? = nil, toNanos: Int64? = nil, agentId: Int? = nil, actor: String? = nil,
                recordingIdentifier: String? = nil, limit: Int = 100, before: Int64? = nil) {
        self.fromNanos = fromNanos
        self.toNanos = toNanos
        self.agentId = agentId
        self.actor = actor
        self.recordingIdentifier = recordingIdentifier
        self.limit = limit
        self.before = before
    }
}

/// One page of the trail and the cursor of the next (nil on the last).
public struct AuditPage: Sendable, Equatable {
    public var items: [AuditEntry]
    public var nextCursor: Int64?

    public init(items: [AuditEntry], nextCursor: Int64?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
