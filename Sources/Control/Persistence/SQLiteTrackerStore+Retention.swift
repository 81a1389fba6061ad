import Foundation
import GRDB

/// The retention side of the recordings index: legal holds, and the rows the sweeper finds,
/// claims and removes. Each runs in a transaction of its own, at once (not through the write
/// queue): a hold is answered when it is on disk, and a claim and a hold exclude each other.
extension SQLiteTrackerStore {
    public func setHold(_ hold: RecordingHold?, on recordingIdentifier: String) throws -> RecordingIndexEntry? {
        let sweeping = RecordingIndexEntry.sweepingState
        let changed: Bool = try pool.write { db in
            try db.execute(sql: """
                UPDATE recordings SET holdReason = ?, holdPlacedNanos = ? WHERE recordingIdentifier = ? AND state <> ?
                """, arguments: [hold?.reason, hold?.placedNanos, recordingIdentifier, sweeping])
            return db.changesCount == 1
        }
        if !changed, try pool.read({ db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM recordings WHERE recordingIdentifier = ?", arguments: [recordingIdentifier])
        }) == true {
            throw ControlError(.conflict, "the recording '\(recordingIdentifier)' is being removed: its retention ran out")
        }
        return try recording(id: recordingIdentifier)
    }

    /// Finished recordings whose retention ran out by `nowNanos` and that are not held, the
    /// earliest expiry first.
    public func expiredRecordings(at nowNanos: Int64, limit: Int) throws -> [RecordingIndexEntry] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM recordings
                WHERE expiresNanos IS NOT NULL AND holdPlacedNanos IS NULL AND expiresNanos <= ? AND state = 'Stopped'
                ORDER BY expiresNanos, recordingIdentifier LIMIT ?
                """, arguments: [nowNanos, limit]).map { try RecordingIndexEntry(row: $0, root: root) }
        }
    }

    /// Rows a sweep claimed and did not finish (the process stopped in between): their removal goes on.
    public func claimedRecordings() throws -> [RecordingIndexEntry] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM recordings WHERE state = ?",
                             arguments: [RecordingIndexEntry.sweepingState]).map { try RecordingIndexEntry(row: $0, root: root) }
        }
    }

    /// Claims an expired, unheld, finished recording for removal; false when it is no longer one
    /// (held, changed, or claimed by another sweep in the meantime).
    public func claimExpired(_ recordingIdentifier: String, at nowNanos: Int64) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: """
                UPDATE recordings SET state = ? WHERE recordingIdentifier = ? AND state = 'Stopped'
                    AND holdPlacedNanos IS NULL AND expiresNanos IS NOT NULL AND expiresNanos <= ?
                """, arguments: [RecordingIndexEntry.sweepingState, recordingIdentifier, nowNanos])
            return db.changesCount == 1
        }
    }

    /// The claimed recording's files are gone (or archived): its row goes too.
    public func removeSwept(_ recordingIdentifier: String) throws {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM recordings WHERE recordingIdentifier = ? AND state = ?",
                           arguments: [recordingIdentifier, RecordingIndexEntry.sweepingState])
            guard db.changesCount == 1 else { return }
            // Its announcements still waiting have no sidecar left to carry (and no row to join).
            try db.execute(sql: "DELETE FROM announcements WHERE recordingIdentifier = ?", arguments: [recordingIdentifier])
            try db.execute(sql: "DELETE FROM announcementRevisions WHERE recordingIdentifier = ?", arguments: [recordingIdentifier])
        }
    }

    /// A claimed recording whose files could not be removed stays, for the next sweep.
    public func unclaim(_ recordingIdentifier: String) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE recordings SET state = 'Stopped' WHERE recordingIdentifier = ? AND state = ?",
                           arguments: [recordingIdentifier, RecordingIndexEntry.sweepingState])
        }
    }
}
