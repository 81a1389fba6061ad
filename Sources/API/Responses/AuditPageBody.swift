import Control

/// `GET /api/Audit`: one page of the trail, newest first, and the cursor of the next.
struct AuditPageBody: Encodable, Sendable {
    var items: [Item]
    var nextCursor: String?

    struct Item: Encodable, Sendable {
        var entry: AuditEntry

        enum CodingKeys: String, CodingKey {
            case id = "Id", time = "Time", actor = "Actor", client = "Client", action = "Action", agentId = "AgentId"
            case recordingIdentifier = "RecordingIdentifier", status = "Status", outcome = "Outcome", origin = "Origin"
        }

        // Absent values are written as null so that clients see every property.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(entry.id.map(String.init) ?? "", forKey: .id)
            try c.encode(ISO8601Time.string(fromNanoseconds: entry.timeNanos), forKey: .time)
            try c.encode(entry.actor, forKey: .actor)
            if let client = entry.client { try c.encode(client, forKey: .client) } else { try c.encodeNil(forKey: .client) }
            try c.encode(entry.action, forKey: .action)
            if let agentId = entry.agentId { try c.encode(agentId, forKey: .agentId) } else { try c.encodeNil(forKey: .agentId) }
            if let recording = entry.recordingIdentifier {
                try c.encode(recording, forKey: .recordingIdentifier)
            } else {
                try c.encodeNil(forKey: .recordingIdentifier)
            }
            try c.encode(entry.status, forKey: .status)
            try c.encode(entry.outcome, forKey: .outcome)
            if let origin = entry.origin { try c.encode(origin.server, forKey: .origin) } else { try c.encodeNil(forKey: .origin) }
        }
    }

    init(_ page: AuditPage) {
        items = page.items.map(Item.init)
        nextCursor = page.nextCursor.map(String.init)
    }

    enum CodingKeys: String, CodingKey { case items = "Items", nextCursor = "NextCursor" }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        if let nextCursor { try c.encode(nextCursor, forKey: .nextCursor) } else { try c.encodeNil(forKey: .nextCursor) }
    }
}
