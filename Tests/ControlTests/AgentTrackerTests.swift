import CalltapTestSupport
import Control
import Engine
import Foundation
import Testing

/// The tracker on the capture thread, fed by the real engine replaying SIPp captures: what an
/// API client reading `GET /api/Agent` sees at each moment of a call, and how calls are recorded.
/// The captures' caller is "caller" (700 Hz), the callee "callee" (1100 Hz).
@Suite struct AgentTrackerTests {
    /// Replays `capture` with one agent on the callee's phone; `probes` read the agent's state
    /// at capture times (seconds after the first packet).
    func replay(_ capture: String, agents: [AgentProfile], probes: [Double], store: TrackerStore? = nil,
                storage: String = RepositoryPaths.temporaryDirectory("calltap-control"), recordWithoutAgent: Bool = true)
        throws -> (states: [[AgentState]], summary: ReplaySummary, plane: ControlPlane) {
        var configuration = ServerConfiguration()
        configuration.engine.storageRoot = storage
        configuration.engine.mediaWorkers = 1
        configuration.agents = agents
        configuration.engine.recordWithoutAgent = recordWithoutAgent
        let engine = CaptureEngine(configuration: configuration.engine)
        let plane = ControlPlane(configuration: configuration, engine: engine, store: store)
        let seen = StateLog()
        let jobs = probes.map { at in
            ScheduledJob(when: .afterFirstPacket(seconds: at)) { _ in seen.append(plane.snapshots.all()) }
        }
        let summary = engine.run(try PcapSource.open(file: RepositoryPaths.capture(capture)), schedule: jobs)
        return (seen.all, summary, plane)
    }

    final class StateLog: @unchecked Sendable {
        private(set) var all: [[AgentState]] = []
        func append(_ s: [AgentState]) { all.append(s) }
    }

    static let callee = AgentProfile(id: 2, businessUnit: 0, phone: "callee", systemUsername: "me", deviceId: "5003",
                                     station: "WS-17", policy: .always)

    @Test func activeCallFollowsRingingTalkingHoldAndEnd() throws {
        let (states, summary, _) = try replay("sipp-hold.pcap", agents: [Self.callee], probes: [0.0005, 1.5, 4.5, 7.5, 9.5])
        #expect(summary.calls == 1)
        let agent = states.map { $0[0] }
        #expect(agent.map(\.activeCall?.callState) == [.ringing, .onCall, .onHold, .onCall, nil])
        let during = try #require(agent[1].activeCall)
        #expect(during.callInstance == "1-1329@127.0.10.1")
        #expect(during.metadata["callinstance"] == "1-1329@127.0.10.1")
        #expect(during.metadata["ani"] == "caller")
        #expect(during.metadata["dnis"] == "callee")
        #expect(during.metadata["calldirection"] == "I")
        #expect(during.metadata["deviceid"] == "5003")
        #expect(during.metadata["station"] == "WS-17")
        // Policy always: the recording runs from the first RTP packet.
        #expect(during.recordings.count == 1)
        #expect(during.recordings.first?.recordingState == .recording)
        #expect(during.recordings.first?.isDuplicate == false)
        #expect(agent[4].inactiveCalls.isEmpty)
    }

    @Test func bothEndsAgentsMakeDirectionXAndCallerCalleeChannels() throws {
        let caller = AgentProfile(id: 1, phone: "caller", policy: .onDemand)
        let storage = RepositoryPaths.temporaryDirectory("calltap-control")
        let (states, _, _) = try replay("sipp-g711-tones.pcap", agents: [caller, Self.callee], probes: [2], storage: storage)
        let both = try #require(states.first)
        #expect(both.count == 2)
        for agent in both {
            #expect(agent.activeCall?.metadata["calldirection"] == "X")
        }
        // Two agents: no agent channel; caller left, callee right.
        let recording = try #require(try RecordedCall.all(under: storage).first)
        #expect((recording.json["Audio"] as? [String: Any])?["ChannelRoles"] as? [String] == ["caller", "callee"])
    }

    @Test func onDemandAgentIsNotRecordedUntilAsked() throws {
        var agent = Self.callee
        agent.policy = .onDemand
        let (states, summary, _) = try replay("sipp-g711-tones.pcap", agents: [agent], probes: [2])
        #expect(summary.recordings == 0)
        #expect(states.first?.first?.activeCall?.recordings.isEmpty == true)
    }

    @Test(arguments: [true, false])
    func callWithoutAgentFollowsRecordWithoutAgent(_ recordWithoutAgent: Bool) throws {
        let other = AgentProfile(id: 9, phone: "9999", policy: .always)
        let (states, summary, _) = try replay("sipp-g711-tones.pcap", agents: [other], probes: [2],
                                              recordWithoutAgent: recordWithoutAgent)
        #expect(summary.recordings == (recordWithoutAgent ? 1 : 0))
        #expect(states.first?.first?.activeCall == nil)
    }
}
