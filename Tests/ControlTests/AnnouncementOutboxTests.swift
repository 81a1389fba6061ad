import CalltapTestSupport
import Foundation
import GRDB
import Testing
@testable import Control

/// The outbox in `calltap.sqlite`: a finished recording's row and its announcements arrive in
/// one transaction, rows outlive the store (a restart), failed attempts are counted and wait,
/// acknowledged rows go, and revisions keep growing after their rows are gone.
@Suite struct AnnouncementOutboxTests {
    let root = RepositoryPaths.temporaryDirectory("calltap-outbox")
    var path: String { root + "/" + SQLiteTrackerStore.fileName }
    static let webhook = "http://127.0.0.1:9/hook"

    func entry(_ id: String, agent: Int?) -> RecordingIndexEntry {
        RecordingIndexEntry(
            recordingIdentifier: id, callInstance: "call-\(id)@pbx", agentId: agent, isDuplicate: false, segment: 0,
            startNanos: 1_700_000_000_000_000_000, endNanos: 1_700_000_010_000_000_000, state: "Stopped", endReason: "bye",
            sidecarPath: root + "/2026/12/04/\(id).json", audioPaths: [root + "/2026/12/04/\(id).wav"], format: "wav",
            sampleRate: 8000, channelRoles: ["agent", "customer"], metadata: [:])
    }

    func rows(_ sql: String) throws -> [Row] {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { try Row.fetchAll($0, sql: sql) }
    }

    @Test func theMigrationIsNamedAsReleasedBetweenRetentionAndTheAuditTrail() {
        let names = TrackerSchema.migrator(root: StorageRoot(root)).migrations
        #expect(Array(names.suffix(4)) == ["v4: retention and legal hold", "v5: announcements", "v6: audit trail",
                                           "v7: audit entries from the cluster"])
    }

    @Test func aFinishedRecordingIsAnnouncedToEachDestinationWithItsRow() throws {
        let store = try SQLiteTrackerStore(storageRoot: root)
        store.saveRecording(entry("rec-a", agent: 7), announcingTo: ["broker", Self.webhook])
        store.saveRecording(entry("rec-b", agent: nil), announcingTo: ["broker"])
        store.saveRecording(entry("rec-c", agent: 8))  // a replay: no destinations, no rows
        store.flush()

        let broker = try store.dueAnnouncements(to: "broker", at: Date(), limit: 10)
        #expect(broker.map(\.recordingIdentifier) == ["rec-a", "rec-b"])
        #expect(broker.map(\.revision) == [1, 1])
        #expect(broker.map(\.attempts) == [0, 0])
        #expect(broker.map(\.agentId) == [7, nil])
        #expect(broker.first?.sidecarPath == root + "/2026/12/04/rec-a.json", "absolute again, from the row's relative path")
        #expect(broker.first?.deliveryId == "rec-a")
        #expect(try store.dueAnnouncements(to: Self.webhook, at: Date(), limit: 10).map(\.recordingIdentifier) == ["rec-a"])
        #expect(try store.pendingAnnouncements(to: "broker").count == 2)
        // The row and its announcements came in one write: both are in the file.
        #expect(try rows("SELECT recordingIdentifier FROM announcements WHERE recordingIdentifier = 'rec-c'").isEmpty)
        #expect(try rows("SELECT state FROM recordings WHERE recordingIdentifier = 'rec-a'").first?["state"] == "Stopped")
    }

    @Test func aFailedAttemptIsCountedWaitsAndSurvivesARestart() throws {
        do {
            let store = try SQLiteTrackerStore(storageRoot: root)
            store.saveRecording(entry("rec-a", agent: 7), announcingTo: [Self.webhook])
            store.flush()
            let due = try #require(try store.dueAnnouncements(to: Self.webhook, at: Date(), limit: 10).first)
            try store.reschedule(due, error: "HTTP 500", retryAt: Date().addingTimeInterval(60))
            #expect(try store.dueAnnouncements(to: Self.webhook, at: Date(), limit: 10).isEmpty, "not due before its retry")
        }
        // Another store on the same file: a restart.
        let store = try SQLiteTrackerStore(storageRoot: root)
        #expect(try store.pendingAnnouncements(to: Self.webhook).count == 1)
        let later = try store.dueAnnouncements(to: Self.webhook, at: Date().addingTimeInterval(61), limit: 10)
        #expect(later.map(\.attempts) == [1])
        #expect(try rows("SELECT lastError FROM announcements").first?["lastError"] == "HTTP 500")
        try store.acknowledge(later[0])
        #expect(try store.pendingAnnouncements(to: Self.webhook).count == 0)
        #expect(try store.pendingAnnouncements(to: Self.webhook).oldest == nil)
    }

    @Test func rewritesAreTheNextRevisionsEvenAfterTheFirstWasAcknowledged() throws {
        let store = try SQLiteTrackerStore(storageRoot: root)
        store.saveRecording(entry("rec-a", agent: 7), announcingTo: ["broker"])
        store.flush()
        for due in try store.dueAnnouncements(to: "broker", at: Date(), limit: 10) { try store.acknowledge(due) }
        store.announce(recordingIdentifier: "rec-a", to: ["broker"])
        store.announce(recordingIdentifier: "rec-a", to: ["broker"])
        store.flush()
        let due = try store.dueAnnouncements(to: "broker", at: Date(), limit: 10)
        #expect(due.map(\.revision) == [2, 3])
        #expect(due.map(\.deliveryId) == ["rec-a/2", "rec-a/3"])
    }

    @Test func aSweptRecordingTakesItsWaitingAnnouncementsWithIt() throws {
        let store = try SQLiteTrackerStore(storageRoot: root)
        store.saveRecording(entry("rec-a", agent: 7), announcingTo: ["broker"])
        store.saveRecording(entry("rec-b", agent: 7), announcingTo: ["broker"])
        store.flush()
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "UPDATE recordings SET state = ? WHERE recordingIdentifier = 'rec-a'",
                           arguments: [RecordingIndexEntry.sweepingState])
        }
        try store.removeSwept("rec-a")
        #expect(try store.dueAnnouncements(to: "broker", at: Date(), limit: 10).map(\.recordingIdentifier) == ["rec-b"])
        #expect(try store.pendingAnnouncements(to: "broker").count == 1)
        #expect(try rows("SELECT * FROM announcementRevisions WHERE recordingIdentifier = 'rec-a'").isEmpty)
    }

    @Test func rowsOfDestinationsNoLongerConfiguredAreDropped() throws {
        let store = try SQLiteTrackerStore(storageRoot: root)
        store.saveRecording(entry("rec-a", agent: 7), announcingTo: ["broker", Self.webhook])
        store.flush()
        #expect(try store.discardAnnouncements(exceptTo: ["broker"]) == 1)
        #expect(try store.pendingAnnouncements(to: "broker").count == 1)
        #expect(try store.discardAnnouncements(exceptTo: []) == 1)
        #expect(try rows("SELECT * FROM announcements").isEmpty)
    }
}
