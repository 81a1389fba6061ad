import Foundation
import GRDB

/// The outbox in `calltap.sqlite` (migration "v5: announcements"). Rows are added on the
/// writer thread, in the transaction of the write that asked for them; the couriers read and
/// settle them on their own threads (WAL lets them beside the writer).
extension SQLiteTrackerStore: AnnouncementOutbox {
    /// Adds the recording's next revision for each destination (nothing without destinations).
    static func queueAnnouncement(of recordingIdentifier: String, to destinations: [String], in db: Database,
                                  at now: Date) throws {
        guard !destinations.isEmpty else { return }
        let last = try Int.fetchOne(db, sql: "SELECT revision FROM announcementRevisions WHERE recordingIdentifier = ?",
                                    arguments: [recordingIdentifier]) ?? 0
        let revision = last + 1
        try db.execute(sql: "INSERT OR REPLACE INTO announcementRevisions (recordingIdentifier, revision) VALUES (?, ?)",
                       arguments: [recordingIdentifier, revision])
        for destination in destinations {
            try db.execute(sql: """
                INSERT OR IGNORE INTO announcements (recordingIdentifier, destination, revision, attempts, nextAttemptAt, createdAt)
                VALUES (?, ?, ?, 0, ?, ?)
                """, arguments: [recordingIdentifier, destination, revision, now.timeIntervalSince1970, now.timeIntervalSince1970])
        }
    }

    public func dueAnnouncements(to destination: String, at now: Date, limit: Int) throws -> [PendingAnnouncement] {
        let rows = try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.recordingIdentifier, a.destination, a.revision, a.attempts, a.createdAt, r.sidecarPath, r.agentId
                FROM announcements a JOIN recordings r ON r.recordingIdentifier = a.recordingIdentifier
                WHERE a.destination = ? AND a.nextAttemptAt <= ?
                ORDER BY a.nextAttemptAt, a.createdAt, a.revision
                LIMIT ?
                """, arguments: [destination, now.timeIntervalSince1970, limit])
        }
        return rows.map { row in
            PendingAnnouncement(recordingIdentifier: row["recordingIdentifier"], destination: row["destination"],
                                revision: row["revision"], attempts: row["attempts"],
                                createdAt: Date(timeIntervalSince1970: row["createdAt"]),
                                sidecarPath: root.resolve(row["sidecarPath"]), agentId: row["agentId"])
        }
    }

    public func acknowledge(_ announcement: PendingAnnouncement) throws {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM announcements WHERE recordingIdentifier = ? AND destination = ? AND revision = ?",
                           arguments: [announcement.recordingIdentifier, announcement.destination, announcement.revision])
        }
    }

    public func reschedule(_ announcement: PendingAnnouncement, error: String, retryAt: Date) throws {
        try pool.write { db in
            try db.execute(sql: """
                UPDATE announcements SET attempts = attempts + 1, lastError = ?, nextAttemptAt = ?
                WHERE recordingIdentifier = ? AND destination = ? AND revision = ?
                """, arguments: [String(error.prefix(1000)), retryAt.timeIntervalSince1970,
                                 announcement.recordingIdentifier, announcement.destination, announcement.revision])
        }
    }

    public func pendingAnnouncements(to destination: String) throws -> (count: Int, oldest: Date?) {
        try pool.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*) AS n, MIN(createdAt) AS oldest FROM announcements WHERE destination = ?",
                                       arguments: [destination])
            let oldest: Double? = row?["oldest"]
            return (row?["n"] ?? 0, oldest.map { Date(timeIntervalSince1970: $0) })
        }
    }

    public func discardAnnouncements(exceptTo destinations: [String]) throws -> Int {
        try pool.write { db in
            let marks = destinations.map { _ in "?" }.joined(separator: ", ")
            try db.execute(sql: "DELETE FROM announcements" + (destinations.isEmpty ? "" : " WHERE destination NOT IN (\(marks))"),
                           arguments: StatementArguments(destinations))
            return db.changesCount
        }
    }
}
