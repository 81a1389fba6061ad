import CalltapTestSupport
import Control
import Engine
import Foundation
import Testing

/// Metadata a client sends for a call: a key the call has is matched without regard to case
/// (`User2` updates `user2`), and a call carries at most 64 keys of the client's own in total,
/// over every update; past that the update is refused and nothing changes. The real engine
/// replays a SIPp call whose callee is the agent.
@Suite struct CallMetadataKeysTests {
    static let callee = AgentProfile(id: 2, phone: "callee", policy: .always)

    @Test func keysAreMatchedWithoutCaseAndBoundedPerCall() throws {
        let storage = RepositoryPaths.temporaryDirectory("calltap-metadata-keys")
        var configuration = ServerConfiguration()
        configuration.engine.storageRoot = storage
        configuration.engine.mediaWorkers = 1
        configuration.agents = [Self.callee]
        let engine = CaptureEngine(configuration: configuration.engine)
        let plane = ControlPlane(configuration: configuration, engine: engine, store: nil)
        let agent = AgentReference(kind: .id, value: "2")
        let results = Collected<Result<AgentState, ControlError>>()
        func update(_ metadata: [String: String]) -> (Int64) -> Void {
            { nanos in results.append(plane.tracker.perform(.record(RecordCommand(action: .update, agent: agent, metadata: metadata)), at: nanos)) }
        }
        let first = Dictionary(uniqueKeysWithValues: (1...40).map { ("crm\($0)", "a") })
        let second = Dictionary(uniqueKeysWithValues: (41...64).map { ("crm\($0)", "b") })
        let jobs = [
            ScheduledJob(when: .afterFirstPacket(seconds: 0.5), job: update(["User2": "vip", "SessionID": "s-1", "Account.No": "7"])),
            ScheduledJob(when: .afterFirstPacket(seconds: 0.6), job: update(["account.no": "8"])),
            ScheduledJob(when: .afterFirstPacket(seconds: 0.7), job: update(first)),
            // 1 + 40 + 24 = 65 keys of the client's own: refused whole.
            ScheduledJob(when: .afterFirstPacket(seconds: 0.8), job: update(second)),
            // 1 + 40 + 23 = 64: taken; documented keys never count.
            ScheduledJob(when: .afterFirstPacket(seconds: 0.9), job: update(second.filter { $0.key != "crm64" }.merging(["USER15": "x", "gate": "g"]) { a, _ in a })),
        ]
        _ = try withExtendedLifetime(plane) {
            engine.run(try PcapSource.open(file: RepositoryPaths.capture("sipp-g711-tones.pcap")), schedule: jobs)
        }
        plane.tracker.flush()
        let all = results.all
        #expect(all.count == 5)
        let afterCase = try #require(try? all[1].get().activeCall?.metadata)
        #expect(afterCase["user2"] == "vip" && afterCase["User2"] == nil)
        #expect(afterCase["sessionid"] == "s-1" && afterCase["SessionID"] == nil)
        // A client key keeps the spelling it was first sent with.
        #expect(afterCase["Account.No"] == "8" && afterCase["account.no"] == nil)
        guard case .failure(let refused) = all[3] else { Issue.record("65 client keys were taken"); return }
        #expect(refused.code == .badRequest)
        #expect(refused.message.contains("65"))
        let last = try #require(try? all[4].get().activeCall?.metadata)
        #expect(last["crm41"] == "b" && last["crm64"] == nil)
        #expect(last["user15"] == "x" && last["gate"] == "g")
        #expect(last.keys.filter { !CaptureEngine.documentedMetadataKeys.contains($0) }.count == 64)
        // The sidecar carries the call's spelling.
        let recording = try #require(try RecordedCall.all(under: storage).first)
        #expect(recording.metadata["user2"] == "vip" && recording.metadata["User2"] == nil)
        #expect(recording.metadata["crm63"] == "b")
    }
}
