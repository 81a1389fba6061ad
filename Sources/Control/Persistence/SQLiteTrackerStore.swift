import Engine
import Foundation
import GRDB
import Logging

/// The tracker's store in one SQLite file (`<storage root>/calltap.sqlite`, GRDB): agents and
/// live calls as documents, and the recordings index that `GET /api/Recordings` searches.
/// Writes go to a queue and are committed on the store's own thread, several in one
/// transaction; reads run on the caller's thread beside them (WAL lets them).
public final class SQLiteTrackerStore: TrackerStore {
    /// The name of the database file in the storage root.
    public static let fileName = "calltap.sqlite"

    public let path: String
    /// The folder of the database file: the paths in the index are relative to it.
    let root: StorageRoot
    let pool: DatabasePool
    private let queue: TrackerWriteQueue
    private let failures: FailureCount

    /// Opens (or creates) the database at `path` and brings its schema up to date.
    ///
    /// Durability: WAL with `synchronous = NORMAL`. A commit is then in the WAL file, in the
    /// operating system's cache, before `write` returns: a `kill -9` of this process cannot lose
    /// it (the kernel still writes it out); only a power loss or kernel crash can drop the last
    /// transactions, never corrupt the file. FULL would add an fsync per batch for that case alone,
    /// and the audio files that the rows describe are not fsynced either.
    /// `reserve`, when given, is given up when a commit finds the disk full (and the commit tried
    /// again); writes that still find it full wait in the queue until there is room.
    public init(path: String, reserve: StorageReserve? = nil, logger: Logger = Logger(label: "calltap.store")) throws(TrackerStoreError) {
        self.path = path
        let root = StorageRoot((path as NSString).deletingLastPathComponent)
        self.root = root
        var configuration = Configuration()
        configuration.label = "calltap.store"
        // Another process (a second server on the same root, a backup) may hold the lock briefly.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // GRDB already chooses NORMAL for a WAL pool; said here so that nobody has to look it up.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            try TrackerSchema.migrator(root: root).migrate(pool)
        } catch {
            throw .cannotOpen(path: path, reason: "\(error)")
        }
        let failures = FailureCount()
        self.failures = failures
        let pool = self.pool
        let full = DiskFullEpisode()
        queue = TrackerWriteQueue(threadName: "calltap.sqlite") { batch in
            var refused = Self.commit(batch, to: pool, root: root, failures: failures, logger: logger)
            if !refused.isEmpty, reserve?.release(for: "the recordings index") == true {
                refused = Self.commit(refused, to: pool, root: root, failures: failures, logger: logger)
            }
            // Told once when the disk fills and once when the writes are in, not every retry.
            if !refused.isEmpty, !full.isFull {
                logger.error("tracker store full: writes wait for space", metadata: ["writes": "\(refused.count)"])
            } else if refused.isEmpty, full.isFull {
                logger.notice("tracker store has room again: the writes that waited are committed")
            }
            full.isFull = !refused.isEmpty
            return refused
        }
    }

    /// Opens `<storageRoot>/calltap.sqlite`.
    public convenience init(storageRoot: String, reserve: StorageReserve? = nil,
                            logger: Logger = Logger(label: "calltap.store")) throws(TrackerStoreError) {
        try self.init(path: (storageRoot as NSString).appendingPathComponent(Self.fileName), reserve: reserve, logger: logger)
    }

    // What was queued is committed before the store goes away: a clean shutdown loses nothing.
    deinit {
        queue.close()
    }

    /// Writes that failed since the store opened (each was logged), and those a full disk made
    /// wait longer than the queue keeps them.
    public var failedWrites: Int { failures.value + queue.givenUp }

    /// Writes waiting for space on a full disk: they are committed when there is room again.
    public var writesWaitingForSpace: Int { queue.waitingCount }

    // MARK: Writes (queued)

    public func saveAgent(id: Int, document: StoredDocument) {
        queue.append(.agent(id: id, document: document))
    }

    public func saveDirectoryEntry(id: Int, document: StoredDocument) {
        queue.append(.directoryEntry(id: id, document: document))
    }

    public func saveCall(callInstance: String, document: StoredDocument) {
        queue.append(.call(callInstance: callInstance, document: document))
    }

    public func removeCall(callInstance: String) {
        queue.append(.removeCall(callInstance: callInstance))
    }

    public func saveRecording(_ entry: RecordingIndexEntry) {
        queue.append(.recording(entry))
    }

    public func audit(_ entry: AuditEntry) {
        queue.append(.audit(entry))
    }

    public func updateFinishedMetadata(_ recordingIdentifier: String, changes: [String: String],
                                       retention: RecordingRetention?) {
        queue.append(.finishedMetadata(recordingIdentifier: recordingIdentifier, changes: changes, retention: retention))
    }

    public func saveRecording(_ entry: RecordingIndexEntry, announcingTo destinations: [String]) {
        queue.append(.recording(entry, announcingTo: destinations))
    }

    public func announce(recordingIdentifier: String, to destinations: [String]) {
        guard !destinations.isEmpty else { return }
        queue.append(.announcement(recordingIdentifier: recordingIdentifier, destinations: destinations))
    }

    public func flush() {
        queue.waitUntilDone()
    }

    // MARK: Reads (on the caller's thread)

    public func load() throws -> StoredTracker {
        // Startup reads what the previous run left, and also what this run already queued.
        flush()
        return try pool.read { db in
            var stored = StoredTracker()
            for row in try Row.fetchAll(db, sql: "SELECT id, document FROM agents") {
                stored.agents[row["id"]] = row["document"]
            }
            for row in try Row.fetchAll(db, sql: "SELECT id, document FROM directory") {
                stored.directory[row["id"]] = row["document"]
            }
            for row in try Row.fetchAll(db, sql: "SELECT callInstance, document FROM calls") {
                stored.calls[row["callInstance"]] = row["document"]
            }
            stored.openRecordings = try Row.fetchAll(db, sql: """
                SELECT * FROM recordings WHERE state NOT IN ('Stopped', '\(RecordingIndexEntry.sweepingState)')
                ORDER BY startNanos, recordingIdentifier
                """).map { try RecordingIndexEntry(row: $0, root: root) }
            return stored
        }
    }

    /// The page of `query`, newest first by (startNanos, recordingIdentifier), both descending.
    /// Throws `ControlError(.badRequest)` for a cursor this store did not make.
    public func recordings(_ query: RecordingQuery) throws -> RecordingPage {
        var after: RecordingCursor?
        if let token = query.cursor {
            guard let cursor = RecordingCursor(token: token) else {
                throw ControlError(.badRequest, "the cursor '\(token.prefix(64))' is not one a recordings page gave")
            }
            after = cursor
        }
        let limit = min(max(query.limit, 1), 1000)
        // A recording the sweeper has claimed is gone for the API.
        var conditions: [String] = ["state <> '\(RecordingIndexEntry.sweepingState)'"]
        var arguments = StatementArguments()
        if let agentId = query.agentId {
            conditions.append("agentId = ?")
            arguments += [agentId]
        }
        if let callInstance = query.callInstance {
            conditions.append("callInstance = ?")
            arguments += [callInstance]
        }
        if let from = query.fromNanos {
            conditions.append("startNanos >= ?")
            arguments += [from]
        }
        if let to = query.toNanos {
            conditions.append("startNanos < ?")
            arguments += [to]
        }
        if let after {
            conditions.append("(startNanos < ? OR (startNanos = ? AND recordingIdentifier < ?))")
            arguments += [after.startNanos, after.startNanos, after.recordingIdentifier]
        }
        // One row more than the page says whether another page follows.
        arguments += [limit + 1]
        let sql = """
            SELECT * FROM recordings
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY startNanos DESC, recordingIdentifier DESC
            LIMIT ?
            """
        let rows = try pool.read { db in try Row.fetchAll(db, sql: sql, arguments: arguments) }
        let items = try rows.prefix(limit).map { try RecordingIndexEntry(row: $0, root: root) }
        let next = rows.count > limit ? items.last.map { RecordingCursor(after: $0).token } : nil
        return RecordingPage(items: items, nextCursor: next)
    }

    public func recording(id: String) throws -> RecordingIndexEntry? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM recordings WHERE recordingIdentifier = ? AND state <> ?",
                             arguments: [id, RecordingIndexEntry.sweepingState])
                .map { try RecordingIndexEntry(row: $0, root: root) }
        }
    }

    // MARK: The writer thread

    /// Commits a batch in one transaction. If that fails, each write is retried in its own, so
    /// that one bad write costs only itself; what still fails is logged and counted, never
    /// thrown, except writes a full disk refused: those are returned to wait for room.
    private static func commit(_ batch: [TrackerWriteQueue.Write], to pool: DatabasePool, root: StorageRoot,
                               failures: FailureCount, logger: Logger) -> [TrackerWriteQueue.Write] {
        let batch = TrackerWriteQueue.latestDocuments(batch)
        do {
            try pool.write { db in
                let now = Date()
                for write in batch { try apply(write, in: db, at: now, root: root) }
            }
            return []
        } catch {
            if StorageReserve.isDiskFull(error) { return batch }
            if batch.count == 1 {
                report(error, for: batch[0], failures: failures, logger: logger)
                return []
            }
        }
        var refused: [TrackerWriteQueue.Write] = []
        for write in batch {
            do {
                try pool.write { db in try apply(write, in: db, at: Date(), root: root) }
            } catch where StorageReserve.isDiskFull(error) {
                refused.append(write)
            } catch {
                report(error, for: write, failures: failures, logger: logger)
            }
        }
        return refused
    }

    private static func apply(_ write: TrackerWriteQueue.Write, in db: Database, at now: Date,
                              root: StorageRoot) throws {
        switch write {
        case .agent(let id, let document):
            try db.execute(sql: "INSERT OR REPLACE INTO agents (id, document, updatedAt) VALUES (?, ?, ?)",
                           arguments: [id, try encoded(document), now])
        case .directoryEntry(let id, let document):
            try db.execute(sql: "INSERT OR REPLACE INTO directory (id, document, updatedAt) VALUES (?, ?, ?)",
                           arguments: [id, try encoded(document), now])
        case .call(let callInstance, let document):
            try db.execute(sql: "INSERT OR REPLACE INTO calls (callInstance, document, updatedAt) VALUES (?, ?, ?)",
                           arguments: [callInstance, try encoded(document), now])
        case .removeCall(let callInstance):
            try db.execute(sql: "DELETE FROM calls WHERE callInstance = ?", arguments: [callInstance])
        case .recording(let entry, let destinations):
            try db.execute(sql: RecordingIndexEntry.upsertSQL, arguments: try entry.rowArguments(updatedAt: now, root: root))
            try queueAnnouncement(of: entry.recordingIdentifier, to: destinations, in: db, at: now)
        case .announcement(let recordingIdentifier, let destinations):
            try queueAnnouncement(of: recordingIdentifier, to: destinations, in: db, at: now)
        case .audit(let entry):
            try db.execute(sql: """
                INSERT OR IGNORE INTO audit (timeNanos, actor, client, action, agentId, recordingIdentifier, status, outcome,
                    originServer, originSequence)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [entry.timeNanos, entry.actor, entry.client, entry.action, entry.agentId,
                                  entry.recordingIdentifier, entry.status, entry.outcome, entry.origin?.server,
                                  entry.origin.map { Int64(bitPattern: $0.sequence) }])
        case .finishedMetadata(let id, let changes, let retention):
            try db.execute(sql: """
                UPDATE recordings SET metadata = json_patch(metadata, ?1), keepDays = ?2, archiveAction = ?3,
                    expiresNanos = CASE WHEN endNanos IS NULL OR ?2 IS NULL THEN NULL ELSE endNanos + ?2 * ?4 END,
                    updatedAt = ?5
                WHERE recordingIdentifier = ?6 AND state <> ?7
                """, arguments: [try RecordingIndexEntry.jsonText(changes), retention?.keepDays,
                                  retention?.action.rawValue, RecordingRetention.dayNanos, now, id,
                                  RecordingIndexEntry.sweepingState])
        }
    }

    /// The document's bytes; a value that cannot be encoded fails its write.
    private static func encoded(_ document: StoredDocument) throws -> Data {
        guard let data = document.data else { throw DocumentNotEncodable() }
        return data
    }

    private struct DocumentNotEncodable: Error, CustomStringConvertible {
        var description: String { "the document could not be encoded as JSON" }
    }

    private static func report(_ error: any Error, for write: TrackerWriteQueue.Write, failures: FailureCount,
                               logger: Logger) {
        failures.increment()
        var metadata: Logger.Metadata = ["error": "\(error)"]
        switch write {
        case .agent(let id, _), .directoryEntry(let id, _):
            metadata["agent_id"] = "\(id)"
        case .call(let callInstance, _), .removeCall(let callInstance):
            metadata["call_instance"] = "\(callInstance)"
        case .announcement(let recordingIdentifier, _):
            metadata["recording_id"] = "\(recordingIdentifier)"
        case .recording(let entry, _):
            metadata["recording_id"] = "\(entry.recordingIdentifier)"
            metadata["call_instance"] = "\(entry.callInstance)"
        case .finishedMetadata(let id, _, _):
            metadata["recording_id"] = "\(id)"
        case .audit(let entry):
            metadata["audit_action"] = "\(entry.action)"
        }
        logger.error("tracker store write failed", metadata: metadata)
    }
}

/// Whether the store's writes are waiting for space; only the writer thread touches it.
private final class DiskFullEpisode: @unchecked Sendable {
    var isFull = false
}
