import Foundation
import GRDB

/// The audit trail's reads and its pruning; entries are appended through the write queue.
extension SQLiteTrackerStore {
    public func auditTrail(_ query: AuditQuery) throws -> AuditPage {
        let limit = min(max(query.limit, 1), 1000)
        var conditions: [String] = []
        var arguments = StatementArguments()
        if let from = query.fromNanos {
            conditions.append("timeNanos >= ?")
            arguments += [from]
        }
        if let to = query.toNanos {
            conditions.append("timeNanos < ?")
            arguments += [to]
        }
        if let agentId = query.agentId {
            conditions.append("agentId = ?")
            arguments += [agentId]
        }
        if let actor = query.actor {
            conditions.append("actor = ?")
            arguments += [actor]
        }
        if let recording = query.recordingIdentifier {
            conditions.append("recordingIdentifier = ?")
            arguments += [recording]
        }
        if let before = query.before {
            conditions.append("id < ?")
            arguments += [before]
        }
        arguments += [limit + 1]
        let sql = """
            SELECT * FROM audit \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
            ORDER BY id DESC LIMIT ?
            """
        let rows = try pool.read { db in try Row.fetchAll(db, sql: sql, arguments: arguments) }
        let items = rows.prefix(limit).map { row in
            let server: String? = row["originServer"], sequence: Int64? = row["originSequence"]
            return AuditEntry(id: row["id"], timeNanos: row["timeNanos"], actor: row["actor"], client: row["client"],
                              action: row["action"], agentId: row["agentId"], recordingIdentifier: row["recordingIdentifier"],
                              status: row["status"], outcome: row["outcome"],
                              origin: server.map { AuditEntry.Origin(server: $0, sequence: UInt64(bitPattern: sequence ?? 0)) })
        }
        return AuditPage(items: items, nextCursor: rows.count > limit ? items.last?.id : nil)
    }

    /// Removes the entries older than `nanos`; answers how many went.
    @discardableResult
    public func pruneAudit(before nanos: Int64) throws -> Int {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM audit WHERE timeNanos < ?", arguments: [nanos])
            return db.changesCount
        }
    }
}
