import CalltapTestSupport
import Control
import Engine
import Foundation
import Testing

/// An attended transfer (RFC 3891): customer 1001 talks to agent 2002, who consults agent 3003
/// in a second call; the customer's phone then sends an INVITE with `Replaces` naming the
/// consultation, and agent 3003 moves to that new call, keeping what the API said.
@Suite struct AttendedTransferTests {
    let t0: Int64 = 1_700_000_000_000_000_000
    func at(_ s: Double) -> Int64 { t0 + Int64(s * 1e9) }

    let customer = "10.0.0.1", first = "10.0.0.2", second = "10.0.0.3"

    func invite(_ w: inout CaptureFileWriter, _ t: Double, callID: String, from: (user: String, ip: String),
                to: (user: String, ip: String), extra: String = "") {
        w.sip(at(t), from: "\(from.ip):5060", to: "\(to.ip):5060", """
            INVITE sip:\(to.user)@\(to.ip) SIP/2.0
            Via: SIP/2.0/UDP \(from.ip):5060;branch=z9hG4bK-\(callID)
            From: <sip:\(from.user)@\(from.ip)>;tag=f-\(callID)
            To: <sip:\(to.user)@\(to.ip)>
            Call-ID: \(callID)
            CSeq: 1 INVITE
            Contact: <sip:\(from.user)@\(from.ip):5060>\(extra)
            """)
        w.sip(at(t + 0.01), from: "\(to.ip):5060", to: "\(from.ip):5060", """
            SIP/2.0 200 OK
            Via: SIP/2.0/UDP \(from.ip):5060;branch=z9hG4bK-\(callID)
            From: <sip:\(from.user)@\(from.ip)>;tag=f-\(callID)
            To: <sip:\(to.user)@\(to.ip)>;tag=t-\(callID)
            Call-ID: \(callID)
            CSeq: 1 INVITE
            Contact: <sip:\(to.user)@\(to.ip):5060>
            """)
    }

    func bye(_ w: inout CaptureFileWriter, _ t: Double, callID: String, from: (user: String, ip: String), to: (user: String, ip: String)) {
        w.sip(at(t), from: "\(from.ip):5060", to: "\(to.ip):5060", """
            BYE sip:\(to.user)@\(to.ip) SIP/2.0
            Via: SIP/2.0/UDP \(from.ip):5060;branch=z9hG4bK-bye-\(callID)
            From: <sip:\(from.user)@\(from.ip)>;tag=f-\(callID)
            To: <sip:\(to.user)@\(to.ip)>;tag=t-\(callID)
            Call-ID: \(callID)
            CSeq: 2 BYE
            """)
    }

    final class Probes: @unchecked Sendable {
        var states: [[AgentState]] = []
        var results: [Result<AgentState, ControlError>] = []
    }

    @Test func replacingInviteMovesTheConsultedAgentAndKeepsItsMetadata() throws {
        var w = CaptureFileWriter()
        invite(&w, 0, callID: "c1", from: ("1001", customer), to: ("2002", first))
        invite(&w, 1, callID: "c2", from: ("2002", first), to: ("3003", second))
        invite(&w, 3, callID: "c3", from: ("1001", customer), to: ("3003", second),
               extra: "\nReplaces: c2;to-tag=t-c2;from-tag=f-c2")
        bye(&w, 3.1, callID: "c2", from: ("2002", first), to: ("3003", second))
        bye(&w, 3.2, callID: "c1", from: ("1001", customer), to: ("2002", first))
        bye(&w, 9, callID: "c3", from: ("1001", customer), to: ("3003", second))
        let dir = RepositoryPaths.temporaryDirectory("calltap-transfer")
        try w.write(to: dir + "/transfer.pcap")

        var configuration = ServerConfiguration()
        configuration.engine.storageRoot = dir + "/recordings"
        configuration.engine.mediaWorkers = 1
        configuration.agents = [AgentProfile(id: 2, phone: "2002", policy: .onDemand),
                                AgentProfile(id: 3, phone: "3003", policy: .onDemand)]
        let engine = CaptureEngine(configuration: configuration.engine)
        let plane = ControlPlane(configuration: configuration, engine: engine, store: nil)
        let probes = Probes()
        let update = ControlCommand.record(RecordCommand(action: .update, agent: AgentReference(kind: .id, value: "3"),
                                                         metadata: ["user5": "vip"]))
        var jobs = [ScheduledJob(when: .afterFirstPacket(seconds: 2)) { nanos in
            probes.results.append(plane.tracker.perform(update, at: nanos))
        }]
        for t in [2.5, 3.05, 3.5] {
            jobs.append(ScheduledJob(when: .afterFirstPacket(seconds: t)) { _ in probes.states.append(plane.snapshots.all()) })
        }
        _ = engine.run(try PcapSource.open(file: dir + "/transfer.pcap"), schedule: jobs)

        #expect((try? probes.results.first?.get())?.activeCall?.callInstance == "c2")
        let (before, moved, after) = (probes.states[0], probes.states[1], probes.states[2])
        // Before: 2002 has the customer on hold-like second place and the consultation; 3003 the consultation.
        #expect(Set([before[0].activeCall?.callInstance] + before[0].inactiveCalls.map(\.callInstance)) == ["c1", "c2"])
        #expect(before[1].activeCall?.callInstance == "c2")
        // The replacing INVITE moves 3003 at once, before the consultation's BYE.
        #expect(moved[1].activeCall?.callInstance == "c3")
        #expect(moved[1].inactiveCalls.isEmpty)
        #expect(moved[1].activeCall?.metadata["user5"] == "vip")
        #expect(moved[1].activeCall?.metadata["calldirection"] == "I")
        // 2002 (the transferor) is not on the new call; after the BYEs it has none.
        #expect(!moved[0].inactiveCalls.map(\.callInstance).contains("c3") && moved[0].activeCall?.callInstance != "c3")
        #expect(after[0].activeCall == nil)
        #expect(after[1].activeCall?.callInstance == "c3")
    }
}
