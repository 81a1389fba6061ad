import CalltapTestSupport
import Control
import Foundation
import Testing

/// The audit trail on disk: entries from other servers of the cluster keep their origin, each
/// decision once however often it arrives, also after the store is opened again (a restart).
@Suite struct AuditTrailStoreTests {
    @Test func aDecisionFromAnotherServerIsAuditedOnceAcrossRestarts() throws {
        let root = RepositoryPaths.temporaryDirectory("calltap-audit")
        func entry(_ origin: AuditEntry.Origin?, at nanos: Int64) -> AuditEntry {
            AuditEntry(timeNanos: nanos, actor: "crm", client: "10.0.0.7:41000", action: "POST /api/Blackout/StartForAgent",
                       agentId: 7, status: 200, outcome: "ok", origin: origin)
        }
        let fromA = AuditEntry.Origin(server: "recorder-a", sequence: 12)
        do {
            let store = try SQLiteTrackerStore(storageRoot: root)
            store.audit(entry(nil, at: 1_000))
            store.audit(entry(nil, at: 1_000))            // this server's own requests are each an entry
            store.audit(entry(fromA, at: 2_000))
            store.audit(entry(fromA, at: 2_000))          // the same decision again (a state answer)
            store.audit(entry(.init(server: "recorder-c", sequence: 12), at: 3_000))
            store.flush()
        }
        let reopened = try SQLiteTrackerStore(storageRoot: root)
        reopened.audit(entry(fromA, at: 2_000))           // and once more after the restart
        reopened.flush()
        let trail = try reopened.auditTrail(AuditQuery()).items
        #expect(trail.map(\.origin?.server) == ["recorder-c", "recorder-a", nil, nil])
        #expect(trail[1].origin == fromA && trail[1].timeNanos == 2_000 && trail[1].actor == "crm" && trail[1].agentId == 7)
    }
}
