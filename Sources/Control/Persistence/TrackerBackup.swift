import Foundation
import GRDB

/// A consistent copy of the tracker's database (`calltap backup`), made with SQLite's online
/// backup while `serve` goes on writing: the copy is the database as of one moment, with every
/// committed transaction before it and none after. The source is opened read-only and not migrated.
public enum TrackerBackup {
    /// What the copy holds, read back from the copy itself.
    public struct Summary: Sendable, Equatable {
        public var agents: Int
        public var directoryEntries: Int
        public var calls: Int
        public var recordings: Int
        /// SQLite's `PRAGMA integrity_check` of the copy: `ok`, or what is wrong.
        public var integrity: String
    }

    /// Copies the database at `source` to `destination` (which must not exist yet).
    public static func copy(from source: String, to destination: String) throws -> Summary {
        guard FileManager.default.fileExists(atPath: source) else {
            throw TrackerStoreError.cannotOpen(path: source, reason: "no such file")
        }
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw TrackerStoreError.cannotOpen(path: destination, reason: "exists already; a backup never overwrites")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        let from = try DatabasePool(path: source, configuration: configuration)
        let to = try DatabaseQueue(path: destination)
        try from.backup(to: to)
        return try to.read { db in
            func count(_ table: String) throws -> Int {
                guard try db.tableExists(table) else { return 0 }
                return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
            }
            return Summary(agents: try count("agents"), directoryEntries: try count("directory"), calls: try count("calls"),
                           recordings: try count("recordings"),
                           integrity: try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; "))
        }
    }
}
