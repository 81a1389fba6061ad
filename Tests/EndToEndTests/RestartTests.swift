import CalltapTestSupport
import Foundation
import Media
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `calltap serve` killed with SIGKILL during two live calls and started again on the same
/// configuration and storage: the tracker (SQLite) brings the agents and calls back, the open
/// recordings are closed as `interrupted`, the call still going on continues in a new segment,
/// and the call that hung up while the server was down ends by the idle timeout.
/// Needs root (libpcap on `lo`), sipp, sox and sqlite3.
@Suite(.serialized) struct RestartTests {
    static let idleTimeout = 3.0

    @Test func killedServerRecoversItsRecordingsAndFollowsTheCallsAfterRestart() async throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-restart")
        // Call A (agent 1, phone "callee") lasts through the restart; call B (agent 2, phone
        // "callee2") hangs up while the server is down.
        let planA = SIPpCall.Plan(callerIP: "127.0.21.1", calleeIP: "127.0.21.2", portBase: try LivePorts.freeBlock(12),
                                  calleeUser: "callee", seconds: 16)
        var planB = SIPpCall.Plan(callerIP: "127.0.21.3", calleeIP: "127.0.21.4", portBase: try LivePorts.freeBlock(12),
                                  calleeUser: "callee2", seconds: 6)
        planB.callerHertz = 500
        planB.calleeHertz = 1300
        let storage = dir + "/recordings"
        let config = dir + "/calltap.yaml"
        try """
        capture:
          interfaces: [lo]
          filter: "udp and net 127.0.21.0/29"
          sipPorts: [\((planA.sipPorts + planB.sipPorts).map(String.init).joined(separator: ", "))]
        storage: { root: "\(storage)", commitDelaySeconds: 0.5 }
        http: { bind: "127.0.0.1:0" }
        calls: { idleTimeoutSeconds: \(Self.idleTimeout) }
        cluster: { serverId: restart-test }
        agents:
          - { id: 1, businessUnit: 0, phone: "callee", systemUsername: one, deviceId: "dev-1", policy: always }
          - { id: 2, businessUnit: 0, phone: "callee2", systemUsername: two, deviceId: "dev-2", policy: always }
        """.write(toFile: config, atomically: true, encoding: .utf8)

        var server = try await LiveServer(config: config, logPath: dir + "/serve-1.log")
        let first = server
        defer { first.kill() }
        _ = try await Deadline.poll("serve to be ready", timeout: 15) {
            try await first.get("/readyz").status == 200 ? true : nil
        }
        let agentsBefore = try await server.get("/api/Agent/GetAll")
        #expect(agentsBefore.status == 200)

        let callA = try await SIPpCall(planA, directory: dir + "/sipp-a")
        defer { callA.kill() }
        let callB = try await SIPpCall(planB, directory: dir + "/sipp-b")
        let callBStarted = Date()
        defer { callB.kill() }
        let idA = try await callA.callID(), idB = try await callB.callID()

        // Both calls recorded from their start (policy always).
        var firstSegment: [String: String] = [:]
        for (phone, id) in [("callee", idA), ("callee2", idB)] {
            firstSegment[phone] = try await Deadline.poll("\(phone)'s call to be recorded", timeout: 15) { () -> String? in
                let agent = try await first.agent(phone: phone)
                guard let call = agent["ActiveCall"] as? [String: Any], call["CallInstance"] as? String == id else { return nil }
                let recordings = call["Recordings"] as? [[String: Any]] ?? []
                return recordings.first { $0["RecordingState"] as? String == "Recording" }?["RecordingIdentifier"] as? String
            }
        }

        // A blackout of agent 1 scheduled to begin and end after the restart: the schedule is
        // persisted with the agent and survives the kill.
        let agentOne: [String: Any] = ["AgentIdentifier": "Phone", "Value": "callee"]
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let now = Date()
        let scheduled = try await first.post("/api/Blackout/StartForAgent",
                                             agentOne.merging(["BlackoutStartTime": iso.string(from: now.addingTimeInterval(9))]) { $1 })
        #expect(scheduled.status == 200, "\(scheduled.text)")
        #expect((scheduled.object["Blackout"] as? [String: Any])?["Active"] as? Bool == false, "scheduled, not active yet")
        let blackoutStart = LiveServeTests.seconds((scheduled.object["Applied"] as? [String: Any])?["StartTime"])
        let stopReply = try await first.post("/api/Blackout/StopForAgent",
                                             agentOne.merging(["BlackoutStopTime": iso.string(from: now.addingTimeInterval(11))]) { $1 })
        #expect(stopReply.status == 200, "\(stopReply.text)")
        let blackoutStop = LiveServeTests.seconds((stopReply.object["Applied"] as? [String: Any])?["StopTime"])
        #expect(abs(blackoutStart - now.timeIntervalSince1970 - 9) < 0.002 && abs(blackoutStop - now.timeIntervalSince1970 - 11) < 0.002)

        // kill -9 about a second before call B's BYE, and start again once B has hung up.
        let killAt = callBStarted.addingTimeInterval(planB.seconds - 1)
        if killAt > Date() { try await Task.sleep(nanoseconds: UInt64(killAt.timeIntervalSinceNow * 1e9)) }
        server.kill()
        let killed = Date().timeIntervalSince1970
        try await callB.waitForEnd(timeout: 15)
        #expect(callA.caller.isRunning, "call A must outlive the server's restart")

        server = try await LiveServer(config: config, logPath: dir + "/serve-2.log")
        let second = server
        defer { second.kill() }
        let restarted = Date().timeIntervalSince1970

        // The schedule came back: not active before its start, active between start and stop.
        let afterRestart = try await second.agent(phone: "callee")["Blackout"] as? [String: Any] ?? [:]
        #expect(abs(LiveServeTests.seconds(afterRestart["StartTime"]) - blackoutStart) < 0.002, "\(afterRestart)")
        if Date().timeIntervalSince1970 < blackoutStart - 0.5 { #expect(afterRestart["Active"] as? Bool == false, "\(afterRestart)") }

        // The same agents.
        let agentsAfter = try await second.get("/api/Agent/GetAll")
        #expect(agentsAfter.status == 200)
        let summary = { (reply: LiveServer.Reply) in
            reply.array.map { "\($0["AgentId"] ?? "-")/\($0["AgentPhone"] ?? "-")/\($0["DeviceId"] ?? "-")/\($0["SystemUsername"] ?? "-")" }.sorted()
        }
        #expect(summary(agentsAfter) == ["1/callee/dev-1/one", "2/callee2/dev-2/two"])
        #expect(summary(agentsAfter) == summary(agentsBefore))

        // What only the database knows: each agent is on its call again at once, before any new SIP.
        for (phone, id) in [("callee", idA), ("callee2", idB)] {
            let agent = try await second.agent(phone: phone)
            #expect((agent["ActiveCall"] as? [String: Any])?["CallInstance"] as? String == id, "\(phone) after the restart")
        }

        // Call B said BYE while nobody listened: after the restart it has no media and no SIP,
        // so the idle timeout closes it.
        _ = try await Deadline.poll("call B to be closed by the idle timeout", timeout: Self.idleTimeout + 10) {
            let agent = try await second.agent(phone: "callee2")
            return agent["ActiveCall"] is NSNull ? true : nil
        }
        let closedAfter = Date().timeIntervalSince1970 - restarted
        // Not at once (it was restored, above), and by the timeout with a margin for the once-a-second check.
        #expect(closedAfter > 1)
        #expect(closedAfter < Self.idleTimeout + 10)

        // Call A goes on in a new recording segment.
        let secondSegment = try await Deadline.poll("call A to be recorded again after the restart", timeout: 15) { () -> String? in
            let agent = try await second.agent(phone: "callee")
            guard let call = agent["ActiveCall"] as? [String: Any], call["CallInstance"] as? String == idA else { return nil }
            let recordings = call["Recordings"] as? [[String: Any]] ?? []
            return recordings.first {
                $0["RecordingState"] as? String == "Recording" && $0["RecordingIdentifier"] as? String != firstSegment["callee"]
            }?["RecordingIdentifier"] as? String
        }
        let during = blackoutStart + 0.5 - Date().timeIntervalSince1970
        if during > 0 { try await Task.sleep(nanoseconds: UInt64(during * 1e9)) }
        if Date().timeIntervalSince1970 < blackoutStop - 0.5 {
            #expect(try await second.agent(phone: "callee")["Blackout"].flatMap { ($0 as? [String: Any])?["Active"] as? Bool } == true)
        }
        try await callA.waitForEnd(timeout: planA.seconds + 20)
        let listedA = try await Deadline.poll("both segments of call A to be listed, the second ended by the BYE", timeout: 10) { () -> [[String: Any]]? in
            let items = try await second.recordings(callInstance: idA)
            return items.count == 2 && items.contains(where: { $0["EndReason"] as? String == "bye" }) ? items : nil
        }
        #expect(Set(listedA.compactMap { $0["RecordingIdentifier"] as? String }) == [firstSegment["callee"]!, secondSegment])
        #expect(Set(listedA.compactMap { $0["Segment"] as? Int }) == [0, 1])
        let listedB = try await second.recordings(callInstance: idB)
        #expect(listedB.map { $0["EndReason"] as? String } == ["interrupted"])

        let status = try await second.terminate()
        #expect(status == 0, "\(second.log.suffix(3000))")

        // The files.
        let recordings = try RecordedCall.all(under: storage)
        #expect(recordings.count == 3)
        func recording(_ call: String, segment: Int) throws -> RecordedCall {
            try #require(recordings.first { $0.callInstance == call && $0.json["Segment"] as? Int == segment },
                         "no segment \(segment) of \(call) in \(recordings.map { ($0.callInstance, $0.json["Segment"] ?? "-") })")
        }
        let a0 = try recording(idA, segment: 0), a1 = try recording(idA, segment: 1), b0 = try recording(idB, segment: 0)
        #expect(a0.json["RecordingIdentifier"] as? String == firstSegment["callee"])
        #expect(a1.json["RecordingIdentifier"] as? String == secondSegment)
        #expect(b0.json["RecordingIdentifier"] as? String == firstSegment["callee2"])

        // Recovered: what was captured before the kill (less the commit delay, 0.5 s, that
        // audio waits before it is written, and a margin), and not more.
        for (r, tones) in [(a0, (1100.0, 700.0)), (b0, (1300.0, 500.0))] {
            #expect(r.endReason == "interrupted")
            let start = LiveServeTests.seconds(r.json["StartTime"])
            let captured = killed - start
            #expect(r.durationSeconds > captured - 1.5, "\(r.callInstance): \(r.durationSeconds) s of \(captured) s captured")
            #expect(r.durationSeconds < captured + 0.2)
            #expect(abs(r.audio.durationSeconds - r.durationSeconds) < 0.05)
            #expect(LiveServeTests.dominant(r, channel: 0, from: 0.2, to: r.audio.durationSeconds - 0.2) == tones.0)
            #expect(LiveServeTests.dominant(r, channel: 1, from: 0.2, to: r.audio.durationSeconds - 0.2) == tones.1)
        }
        // The new segment: from the restart to call A's BYE.
        #expect(a1.endReason == "bye")
        let a1Start = LiveServeTests.seconds(a1.json["StartTime"])
        #expect(a1Start > killed)
        #expect(a1.json["AgentId"] as? Int == 1)
        #expect(a1.metadata["calldirection"] == "I")
        #expect(a1.durationSeconds > 3)
        // The scheduled blackout, applied to the new segment where it was scheduled.
        let a1Blackouts = a1.json["Blackouts"] as? [[String: Any]] ?? []
        #expect(a1Blackouts.count == 1, "\(a1Blackouts)")
        if let b = a1Blackouts.first, let from = b["Start"] as? Double, let to = b["End"] as? Double {
            #expect(abs(a1Start + from - blackoutStart) < 0.0015
                    && abs(a1Start + to - blackoutStop - RecordingFrames.stopLagSeconds) < 0.0015, "\(b)")
            for channel in 0..<2 { #expect(ToneAnalysis.rms(a1.audio.slice(channel: channel, from: from, to: to)) == 0) }
        }
        #expect(LiveServeTests.dominant(a1, channel: 0, from: 0.2, to: a1.durationSeconds - 0.2) == 1100)
        #expect(LiveServeTests.dominant(a1, channel: 1, from: 0.2, to: a1.durationSeconds - 0.2) == 700)

        // The database has the three rows and the agents.
        let rows = try SQLiteShell.rows(storage + "/calltap.sqlite",
                              "SELECT callInstance, segment, state, endReason FROM recordings ORDER BY callInstance, segment")
        #expect(rows.sorted() == ["\(idA)|0|Stopped|interrupted", "\(idA)|1|Stopped|bye", "\(idB)|0|Stopped|interrupted"].sorted())
        #expect(try SQLiteShell.rows(storage + "/calltap.sqlite", "SELECT id FROM agents ORDER BY id") == ["1", "2"])
    }
}
