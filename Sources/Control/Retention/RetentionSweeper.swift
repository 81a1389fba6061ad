import Foundation
import Logging
import Media

/// Applies each recording's retention: finds the finished recordings whose retention ran out and
/// that are not on hold, earliest expiry first, claims each in the index (a hold placed after
/// that is refused), deletes or archives its files (`RecordingFiles`), then removes its row; it
/// logs and audits each, and prunes the audit trail. `serve` runs it at start and every
/// `storage.retention.sweepIntervalSeconds` on a thread of its own, and at once while space is
/// low when `storage.whenFull` is `deleteOldestExpired`; `calltap sweep` runs it once.
public final class RetentionSweeper: @unchecked Sendable {
    // @unchecked: `totals` is guarded by `lock`, `stopping` by `wake`; the rest is set once.

    /// What one sweep did (or, dry, would do).
    public struct Report: Sendable {
        public struct Item: Sendable {
            public var entry: RecordingIndexEntry
            public var action: ArchiveAction
            public var bytes: Int64
        }
        public var items: [Item] = []
        /// Recordings whose files could not be removed: they stay for the next sweep.
        public var failures: [(recordingIdentifier: String, reason: String)] = []
    }

    /// Counts since start, for `/metrics`.
    public struct Totals: Sendable, Equatable {
        public var deleted = 0
        public var moved = 0
        public var failed = 0
        public var bytesFreed: Int64 = 0
        /// Wall time of the last sweep's end (nanoseconds since 1970), nil before the first.
        public var lastSweepNanos: Int64?
    }

    private let store: SQLiteTrackerStore
    private let files: RecordingFiles
    private let settings: SweepSettings
    private let isSpaceLow: @Sendable () -> Bool
    /// Each removal and move gets its line on the seal ledger before the files go.
    private let sealer: RecordingSealer?
    private let logger: Logger
    private let lock = NSLock()
    private var totals = Totals()
    private var stopping = false
    private let wake = NSCondition()
    private var thread: Thread?
    private let stopped = DispatchSemaphore(value: 0)

    /// How many rows one step of a sweep reads.
    static let pageSize = 256
    /// How often a low disk is checked for when `whenFull` is `deleteOldestExpired`.
    static let spaceCheckSeconds = 5.0

    public init(store: SQLiteTrackerStore, settings: SweepSettings, sealer: RecordingSealer? = nil,
                isSpaceLow: @escaping @Sendable () -> Bool = { false }, logger: Logger = Logger(label: "calltap.retention")) {
        self.sealer = sealer
        self.store = store
        self.files = RecordingFiles(root: store.root, archiveRoot: settings.archiveRoot)
        self.settings = settings
        self.isSpaceLow = isSpaceLow
        self.logger = logger
    }

    public var counts: Totals { lock.withLock { totals } }

    /// Starts the thread: a sweep now, then one per interval (and on low space, if so configured).
    public func start() {
        let thread = Thread { [self] in run() }
        thread.name = "calltap.sweeper"
        self.thread = thread
        thread.start()
    }

    /// Stops the thread after the recording it is on; returns when it has stopped.
    public func stop() {
        guard thread != nil else { return }
        wake.withLock {
            stopping = true
            wake.broadcast()
        }
        stopped.wait()
        thread = nil
    }

    private var isStopping: Bool { wake.withLock { stopping } }

    private func run() {
        defer { stopped.signal() }
        var nextSweep = Date()
        while !isStopping {
            if Date() >= nextSweep {
                sweep(reason: "scheduled")
                nextSweep = Date(timeIntervalSinceNow: settings.intervalSeconds)
            } else if settings.whenFull == .deleteOldestExpired, isSpaceLow() {
                sweep(reason: "storage low")
            }
            let wait = settings.whenFull == .deleteOldestExpired
                ? min(Self.spaceCheckSeconds, nextSweep.timeIntervalSinceNow) : nextSweep.timeIntervalSinceNow
            wake.withLock {
                if !stopping { _ = wake.wait(until: Date(timeIntervalSinceNow: max(wait, 0.01))) }
            }
        }
    }

    /// One sweep: first what an earlier one claimed and did not finish, then every recording
    /// expired by now. `dryRun` claims nothing and touches nothing: it lists what would go.
    @discardableResult
    public func sweep(dryRun: Bool = false, reason: String = "requested", now: Int64 = wallNanos()) -> Report {
        var report = Report()
        do {
            if !dryRun {
                for entry in try store.claimedRecordings() { remove(entry, now: now, into: &report) }
            }
            // Rows looked at and left (a move with nowhere to move to, a claim lost): the next
            // page reads past them.
            var seen = Set<String>()
            var unmovable = 0
            while !isStopping || dryRun {
                let page = try store.expiredRecordings(at: now, limit: dryRun ? Int.max : Self.pageSize + seen.count)
                    .filter { !seen.contains($0.recordingIdentifier) }
                if page.isEmpty { break }
                for entry in page {
                    seen.insert(entry.recordingIdentifier)
                    let action = entry.retention?.action ?? .delete
                    if action == .move, settings.archiveRoot == nil {
                        unmovable += 1
                        report.failures.append((recordingIdentifier: entry.recordingIdentifier,
                                                reason: "to be moved, but storage.retention.archiveRoot is not set"))
                    } else if dryRun {
                        report.items.append(.init(entry: entry, action: action, bytes: RecordingFiles.size(of: entry)))
                    } else if try store.claimExpired(entry.recordingIdentifier, at: now) {
                        remove(entry, now: now, into: &report)
                    }
                }
                if dryRun { break }
            }
            if unmovable > 0, !dryRun {
                logger.error("retention: recordings kept: they are to be moved, but storage.retention.archiveRoot is not set",
                             metadata: ["recordings": "\(unmovable)"])
                lock.withLock { totals.failed += unmovable }
            }
        } catch {
            logger.error("retention sweep stopped: the recordings index cannot be read or written",
                         metadata: ["error": "\(error)"])
            report.failures.append((recordingIdentifier: "", reason: "\(error)"))
        }
        if !dryRun {
            pruneAuditTrail(now: now)
            lock.withLock { totals.lastSweepNanos = Self.wallNanos() }
            if !report.items.isEmpty || !report.failures.isEmpty {
                logger.notice("retention sweep done", metadata: [
                    "reason": "\(reason)", "removed": "\(report.items.count)", "failed": "\(report.failures.count)",
                    "bytes": "\(report.items.reduce(0) { $0 + $1.bytes })"])
            }
        }
        return report
    }

    /// The audit trail keeps `audit.keepDays` of entries.
    private func pruneAuditTrail(now: Int64) {
        guard let days = settings.auditKeepDays else { return }
        do {
            let removed = try store.pruneAudit(before: now - Int64(days) * RecordingRetention.dayNanos)
            if removed > 0 { logger.info("audit trail pruned", metadata: ["entries": "\(removed)", "keep_days": "\(days)"]) }
        } catch {
            logger.error("audit trail cannot be pruned", metadata: ["error": "\(error)"])
        }
    }

    /// Deletes or moves a claimed recording's files, then removes its row; on failure the claim
    /// is given back and the recording waits for the next sweep.
    private func remove(_ entry: RecordingIndexEntry, now: Int64, into report: inout Report) {
        let action = entry.retention?.action ?? .delete
        let bytes = RecordingFiles.size(of: entry)
        let longPast = (entry.endNanos ?? now) < now - 2 * RecordingRetention.dayNanos
        do {
            if let sealer {
                // Noted first: the line needs the sidecar's digest, and a removal that stops
                // half-way is done again by the next sweep (a second line for it changes nothing).
                try sealer.noteRemoval(ofSidecarAt: entry.sidecarPath,
                                       archivedTo: action == .move ? try files.archivePath(of: entry.sidecarPath) : nil)
            }
            try files.apply(action, to: entry, tidy: longPast)
            try store.removeSwept(entry.recordingIdentifier)
        } catch {
            try? store.unclaim(entry.recordingIdentifier)
            logger.error("retention: recording kept, its files could not be removed", metadata: [
                "recording": "\(entry.recordingIdentifier)", "action": "\(action.rawValue)", "error": "\(error)"])
            report.failures.append((recordingIdentifier: entry.recordingIdentifier, reason: "\(error)"))
            lock.withLock { totals.failed += 1 }
            return
        }
        var metadata: Logger.Metadata = [
            "recording": "\(entry.recordingIdentifier)", "call": "\(entry.callInstance)", "action": "\(action.rawValue)",
            "keep_days": "\(entry.retention?.keepDays ?? 0)", "bytes": "\(bytes)",
        ]
        if action == .move, let target = try? files.archivePath(of: entry.sidecarPath) { metadata["sidecar"] = "\(target)" }
        logger.info("retention: recording swept", metadata: metadata)
        store.audit(AuditEntry(timeNanos: Self.wallNanos(), actor: AuditEntry.sweeper, client: nil,
                               action: "sweep \(action.rawValue)", agentId: entry.agentId,
                               recordingIdentifier: entry.recordingIdentifier, status: 200, outcome: "ok"))
        report.items.append(.init(entry: entry, action: action, bytes: bytes))
        lock.withLock {
            if action == .delete { totals.deleted += 1 } else { totals.moved += 1 }
            totals.bytesFreed += action == .delete ? bytes : 0
        }
    }

    public static func wallNanos() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
