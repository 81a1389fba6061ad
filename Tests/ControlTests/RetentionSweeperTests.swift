import CalltapTestSupport
import Foundation
import GRDB
import Testing
@testable import Control

/// The sweeper over a real database and real files: what expired goes (deleted, or moved to the
/// archive at the same path), what is held, open or kept for ever stays, and a sweep that stopped
/// half-way finishes. Each test has a storage root of its own.
@Suite struct RetentionSweeperTests {
    let root = RepositoryPaths.temporaryDirectory("calltap-sweep")
    let archive = RepositoryPaths.temporaryDirectory("calltap-archive")
    static let day = RecordingRetention.dayNanos
    let now = RetentionSweeper.wallNanos()

    /// A finished recording that ended `endedDaysAgo` days ago, with its files written under the root.
    func recording(_ n: Int, endedDaysAgo: Int64, keepDays: Int?, action: ArchiveAction = .delete,
                   state: String = "Stopped", files: Bool = true) throws -> RecordingIndexEntry {
        let folder = root + "/2026/01/\(String(format: "%02d", n % 28 + 1))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let id = String(format: "rec-%04d", n)
        let end = now - endedDaysAgo * Self.day
        let entry = RecordingIndexEntry(
            recordingIdentifier: id, callInstance: "call-\(n)@pbx", agentId: 1, isDuplicate: false, segment: 0,
            startNanos: end - 60_000_000_000, endNanos: state == "Stopped" ? end : nil, state: state,
            endReason: state == "Stopped" ? "bye" : nil, sidecarPath: folder + "/\(id).json",
            audioPaths: [folder + "/\(id).wav"], format: "wav", sampleRate: 8000, channelRoles: ["caller", "callee"],
            metadata: [:], retention: keepDays.map { RecordingRetention(keepDays: $0, action: action) })
        if files {
            try Data(repeating: 7, count: 1000).write(to: URL(fileURLWithPath: entry.audioPaths[0]))
            try Data(#"{"RecordingIdentifier":"\#(id)"}"#.utf8).write(to: URL(fileURLWithPath: entry.sidecarPath))
        }
        return entry
    }

    func store(_ entries: [RecordingIndexEntry]) throws -> SQLiteTrackerStore {
        let store = try SQLiteTrackerStore(storageRoot: root)
        for entry in entries { store.saveRecording(entry) }
        store.flush()
        return store
    }

    func ids(_ store: SQLiteTrackerStore) throws -> Set<String> {
        Set(try store.pool.read { try String.fetchAll($0, sql: "SELECT recordingIdentifier FROM recordings") })
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    @Test func expiredRecordingsAreDeletedAndTheRestStays() throws {
        let expired = try recording(1, endedDaysAgo: 40, keepDays: 30)
        let young = try recording(2, endedDaysAgo: 10, keepDays: 30)
        let forever = try recording(3, endedDaysAgo: 400, keepDays: nil)
        let open = try recording(4, endedDaysAgo: 400, keepDays: 1, state: "Recording")
        let held = try recording(5, endedDaysAgo: 400, keepDays: 1)
        let store = try store([expired, young, forever, open, held])
        #expect(try store.setHold(RecordingHold(reason: "case 77", placedNanos: now), on: held.recordingIdentifier)?.hold?.reason == "case 77")

        let dry = RetentionSweeper(store: store, settings: SweepSettings()).sweep(dryRun: true)
        #expect(dry.items.map(\.entry.recordingIdentifier) == [expired.recordingIdentifier])
        #expect(dry.items.first?.bytes == 1000 + Int64(#"{"RecordingIdentifier":"rec-0001"}"#.utf8.count))
        #expect(exists(expired.sidecarPath) && exists(expired.audioPaths[0]), "a dry run touches nothing")

        let sweeper = RetentionSweeper(store: store, settings: SweepSettings())
        let report = sweeper.sweep()
        #expect(report.items.map(\.entry.recordingIdentifier) == [expired.recordingIdentifier])
        #expect(report.failures.isEmpty)
        #expect(!exists(expired.sidecarPath) && !exists(expired.audioPaths[0]))
        for kept in [young, forever, open, held] {
            #expect(exists(kept.sidecarPath) && exists(kept.audioPaths[0]), "\(kept.recordingIdentifier) kept")
        }
        #expect(try ids(store) == Set([young, forever, open, held].map(\.recordingIdentifier)))
        #expect(sweeper.counts.deleted == 1 && sweeper.counts.moved == 0 && sweeper.counts.failed == 0)
        #expect(sweeper.counts.lastSweepNanos != nil)

        // Lifted, the hold no longer protects it.
        #expect(try store.setHold(nil, on: held.recordingIdentifier)?.hold == nil)
        #expect(sweeper.sweep().items.map(\.entry.recordingIdentifier) == [held.recordingIdentifier])
        #expect(!exists(held.sidecarPath))
    }

    @Test func movedRecordingsKeepTheirPathUnderTheArchiveRoot() throws {
        let moved = try recording(6, endedDaysAgo: 3, keepDays: 2, action: .move)
        let store = try store([moved])
        var settings = SweepSettings()
        settings.archiveRoot = archive
        let report = RetentionSweeper(store: store, settings: settings).sweep()
        #expect(report.items.first?.action == .move)
        for path in RecordingFiles.paths(of: moved) {
            let target = archive + "/" + String(path.dropFirst(root.count + 1))
            #expect(!exists(path) && exists(target), "\(path) → \(target)")
        }
        #expect(try FileManager.default.contents(atPath: archive + "/2026/01/07/rec-0006.wav") == Data(repeating: 7, count: 1000))
        #expect(try ids(store).isEmpty)
    }

    @Test func aMoveWithoutAnArchiveRootKeepsTheRecording() throws {
        let moved = try recording(7, endedDaysAgo: 3, keepDays: 2, action: .move)
        let store = try store([moved])
        let sweeper = RetentionSweeper(store: store, settings: SweepSettings())
        let report = sweeper.sweep()
        #expect(report.items.isEmpty)
        #expect(report.failures.map(\.recordingIdentifier) == [moved.recordingIdentifier])
        #expect(exists(moved.sidecarPath) && exists(moved.audioPaths[0]))
        #expect(try ids(store) == [moved.recordingIdentifier])
        #expect(sweeper.counts.failed == 1)
    }

    @Test func aHoldAndASweepExcludeEachOther() throws {
        let expired = try recording(8, endedDaysAgo: 5, keepDays: 1)
        let store = try store([expired])
        // The sweeper claimed it: a hold now is refused, not silently lost.
        #expect(try store.claimExpired(expired.recordingIdentifier, at: now))
        #expect(throws: ControlError.self) { try store.setHold(RecordingHold(reason: "", placedNanos: now), on: expired.recordingIdentifier) }
        #expect(try store.recording(id: expired.recordingIdentifier) == nil, "a claimed recording is gone for the API")
        // Held first, it cannot be claimed.
        let other = try recording(9, endedDaysAgo: 5, keepDays: 1)
        store.saveRecording(other)
        store.flush()
        _ = try store.setHold(RecordingHold(reason: "", placedNanos: now), on: other.recordingIdentifier)
        #expect(try !store.claimExpired(other.recordingIdentifier, at: now))
        #expect(try store.setHold(nil, on: "no-such-recording") == nil)
    }

    @Test func aSweepThatStoppedHalfWayIsFinishedByTheNext() throws {
        let expired = try recording(10, endedDaysAgo: 5, keepDays: 1)
        let store = try store([expired])
        // The process died after claiming it and deleting its audio, before the sidecar and the row.
        #expect(try store.claimExpired(expired.recordingIdentifier, at: now))
        try FileManager.default.removeItem(atPath: expired.audioPaths[0])
        let restarted = try SQLiteTrackerStore(storageRoot: root)
        #expect(try restarted.load().openRecordings.isEmpty, "a claimed row is not an interrupted recording")
        let report = RetentionSweeper(store: restarted, settings: SweepSettings()).sweep()
        #expect(report.items.map(\.entry.recordingIdentifier) == [expired.recordingIdentifier])
        #expect(!exists(expired.sidecarPath))
        #expect(try ids(restarted).isEmpty)
    }

    @Test func theTrackerNeverUndoesAHoldOrAClaim() throws {
        let expired = try recording(11, endedDaysAgo: 5, keepDays: 1)
        let store = try store([expired])
        _ = try store.setHold(RecordingHold(reason: "audit", placedNanos: now), on: expired.recordingIdentifier)
        // A later write of the entry (a metadata update after it finished) keeps the hold.
        store.updateFinishedMetadata(expired.recordingIdentifier, changes: ["keepdays": "0"],
                                     retention: RecordingRetention(keepDays: 0, action: .delete))
        store.saveRecording(expired)
        store.flush()
        let after = try #require(try store.recording(id: expired.recordingIdentifier))
        #expect(after.hold?.reason == "audit")
        #expect(RetentionSweeper(store: store, settings: SweepSettings()).sweep().items.isEmpty)
    }

    @Test func aMetadataUpdateAfterTheEndSetsTheRetention() throws {
        let kept = try recording(12, endedDaysAgo: 5, keepDays: nil)
        let store = try store([kept])
        store.updateFinishedMetadata(kept.recordingIdentifier, changes: ["keepdays": "2", "user1": "x"],
                                     retention: RecordingRetention(keepDays: 2, action: .delete))
        store.flush()
        let after = try #require(try store.recording(id: kept.recordingIdentifier))
        #expect(after.retention == RecordingRetention(keepDays: 2, action: .delete))
        #expect(after.metadata["keepdays"] == "2" && after.metadata["user1"] == "x")
        #expect(after.expiresNanos == kept.endNanos.map { $0 + 2 * Self.day })
        #expect(RetentionSweeper(store: store, settings: SweepSettings()).sweep().items.count == 1)
    }

    @Test func eachSweepAuditsWhatItRemovedAndPrunesTheTrail() throws {
        let expired = try recording(14, endedDaysAgo: 5, keepDays: 1)
        let store = try store([expired])
        store.audit(AuditEntry(timeNanos: now - 40 * Self.day, actor: "crm", client: "10.0.0.1:5000",
                               action: "POST /api/Record/PauseForAgent", agentId: 1, status: 200, outcome: "ok"))
        store.audit(AuditEntry(timeNanos: now - 10 * Self.day, actor: "crm", client: "10.0.0.1:5000",
                               action: "POST /api/Record/ResumeForAgent", agentId: 1, status: 200, outcome: "ok"))
        store.flush()
        var settings = SweepSettings()
        settings.auditKeepDays = 30
        RetentionSweeper(store: store, settings: settings).sweep()
        store.flush()
        let trail = try store.auditTrail(AuditQuery()).items
        #expect(trail.map(\.action) == ["sweep delete", "POST /api/Record/ResumeForAgent"], "the 40-day-old entry is pruned")
        #expect(trail.first?.recordingIdentifier == expired.recordingIdentifier && trail.first?.actor == AuditEntry.sweeper)
        #expect(trail.first?.agentId == 1 && trail.first?.client == nil)
    }

    @Test func lowSpaceSweepsAtOnceWhenSoConfigured() async throws {
        let expired = try recording(13, endedDaysAgo: 5, keepDays: 1)
        let store = try store([])
        var settings = SweepSettings()
        settings.whenFull = .deleteOldestExpired
        settings.intervalSeconds = 3600
        let low = LowFlag()
        let sweeper = RetentionSweeper(store: store, settings: settings, isSpaceLow: { low.value })
        sweeper.start()
        defer { sweeper.stop() }
        // The start's sweep found nothing; the recording finishes after it, and the disk gets low.
        try await Task.sleep(nanoseconds: 300_000_000)
        store.saveRecording(expired)
        store.flush()
        low.value = true
        let deadline = Date(timeIntervalSinceNow: 15)
        while exists(expired.sidecarPath), Date() < deadline { try await Task.sleep(nanoseconds: 100_000_000) }
        #expect(!exists(expired.sidecarPath), "swept within \(RetentionSweeper.spaceCheckSeconds) s of the disk getting low")
        #expect(sweeper.counts.deleted == 1)
    }
}

private final class LowFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool {
        get { lock.withLock { flag } }
        set { lock.withLock { flag = newValue } }
    }
}
