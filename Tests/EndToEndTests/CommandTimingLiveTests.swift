import CalltapTestSupport
import Foundation
import Media
import Testing

/// Commands land where they were accepted: `calltap serve` capturing a real SIPp call on `lo`
/// (caller 700 Hz, callee 1100 Hz, the callee an agent), an HTTP client that notes its own wall
/// clock just before each request and when the answer comes. Every edge in the file must lie
/// within 20 ms after the client's time of sending; silence never starts after its start was
/// answered and never ends before its stop was sent. Needs root (libpcap on `lo`), sipp, sox.
/// Part of the serialized live suite, which `make test` runs after the parallel ones: live
/// servers and SIPp peers running side by side on two cores made calls end before their
/// commands came.
extension LiveServeTests {
    static let timingCallerIP = "127.0.24.1"
    static let timingCalleeIP = "127.0.24.2"
    var agent: [String: Any] { ["AgentIdentifier": "Phone", "Value": "callee"] }

    /// The client's clock around one request.
    struct Sent {
        var sent: Double
        var answered: Double
    }

    func command(_ server: LiveServer, _ path: String) async throws -> Sent {
        let sent = Date().timeIntervalSince1970
        let reply = try await server.post(path, agent)
        let answered = Date().timeIntervalSince1970
        #expect(reply.status == 200, "\(path): \(reply.text)")
        return Sent(sent: sent, answered: answered)
    }

    /// The edge at wall time `edge` lies between the request's sending and its answer, and
    /// within 20 ms after the sending (the sidecar's start time has whole milliseconds: 1 ms of
    /// slack before). Quiet, with the live suites run one test at a time, every edge landed
    /// 0.8–1.7 ms after the sending and the answers came after 4–5 ms.
    func expectEdge(_ edge: Double, _ request: Sent, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        print(String(format: "%@: %+.1f ms after the request was sent (answered after %.1f ms)",
                     what, (edge - request.sent) * 1000, (request.answered - request.sent) * 1000))
        #expect(edge >= request.sent - 0.001 && edge <= request.answered + 0.001,
                "\(what) at \(edge), request sent at \(request.sent)", sourceLocation: sourceLocation)
        #expect(edge <= request.sent + 0.020, "\(what) landed \((edge - request.sent) * 1000) ms after its request was sent",
                sourceLocation: sourceLocation)
    }

    /// Silence over `[from, to)` of the file on both channels, the call's tones just outside it.
    func expectSilence(_ r: RecordedCall, from: Double, to: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        for channel in 0..<2 {
            #expect(ToneAnalysis.rms(r.audio.slice(channel: channel, from: from, to: to)) == 0,
                    "channel \(channel) not silent over \(from)…\(to)", sourceLocation: sourceLocation)
            #expect(ToneAnalysis.rms(r.audio.slice(channel: channel, from: from - 0.03, to: from - 0.002)) > 1000,
                    "channel \(channel) silent before \(from)", sourceLocation: sourceLocation)
            #expect(ToneAnalysis.rms(r.audio.slice(channel: channel, from: to + 0.002, to: to + 0.03)) > 1000,
                    "channel \(channel) silent after \(to)", sourceLocation: sourceLocation)
        }
    }

    @Test func pauseBlackoutAndRecordEdgesFollowTheAcceptedTimes() async throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-timing")
        let plan = SIPpCall.Plan(callerIP: Self.timingCallerIP, calleeIP: Self.timingCalleeIP, portBase: try LivePorts.freeBlock(12), seconds: 20)
        let storage = dir + "/recordings"
        let config = dir + "/calltap.yaml"
        try """
        capture:
          interfaces: [lo]
          filter: "udp and (host \(Self.timingCallerIP) or host \(Self.timingCalleeIP)) and portrange \(plan.callerSIPPort)-\(plan.callerSIPPort + 11)"
          sipPorts: [\(plan.sipPorts.map(String.init).joined(separator: ", "))]
        storage: { root: "\(storage)", commitDelaySeconds: 2 }
        http: { bind: "127.0.0.1:0" }
        cluster: { serverId: timing-test }
        agents:
          - { id: 7, businessUnit: 1, phone: "callee", systemUsername: agent7, deviceId: "dev-7", station: "WS-7", policy: always }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try await LiveServer(config: config, logPath: dir + "/serve.log")
        defer { server.kill() }
        _ = try await Deadline.poll("serve to be ready", timeout: 15) {
            try await server.get("/readyz").status == 200 ? true : nil
        }
        let call = try await SIPpCall(plan, directory: dir + "/sipp")
        defer { call.kill() }
        _ = try await Deadline.poll("the agent's call to be recorded", timeout: 15) { () -> Bool? in
            let active = try await server.agent(phone: "callee")["ActiveCall"] as? [String: Any]
            let recordings = active?["Recordings"] as? [[String: Any]] ?? []
            return recordings.contains { $0["RecordingState"] as? String == "Recording" } ? true : nil
        }
        let gap: UInt64 = 1_300_000_000
        try await Task.sleep(nanoseconds: 1_500_000_000)
        let pause = try await command(server, "/api/Record/PauseForAgent")
        try await Task.sleep(nanoseconds: gap)
        let resume = try await command(server, "/api/Record/ResumeForAgent")
        try await Task.sleep(nanoseconds: gap)
        let blackoutStart = try await command(server, "/api/Blackout/StartForAgent")
        try await Task.sleep(nanoseconds: gap)
        let blackoutStop = try await command(server, "/api/Blackout/StopForAgent")
        try await Task.sleep(nanoseconds: gap)
        let stop = try await command(server, "/api/Record/StopForAgent")
        try await Task.sleep(nanoseconds: gap)
        let start = try await command(server, "/api/Record/StartForAgent")
        #expect(call.caller.isRunning, "the call must still be up for the last command")

        try await call.waitForEnd(timeout: plan.seconds + 20)
        _ = try await Deadline.poll("both recordings to finish", timeout: 15) {
            try RecordedCall.all(under: storage).count == 2 ? true : nil
        }
        #expect(try await server.terminate() == 0, "\(server.log.suffix(2000))")

        let recordings = try RecordedCall.all(under: storage).sorted {
            LiveServeTests.seconds($0.json["StartTime"]) < LiveServeTests.seconds($1.json["StartTime"])
        }
        let first = recordings[0], second = recordings[1]
        let start1 = LiveServeTests.seconds(first.json["StartTime"])

        // Pause and resume: one interval, where the commands were accepted.
        let pauses = first.json["Pauses"] as? [[String: Any]] ?? []
        #expect(pauses.count == 1, "\(pauses)")
        if let p = pauses.first, let from = p["Start"] as? Double, let to = p["End"] as? Double {
            expectEdge(start1 + from, pause, "pause start")
            // Silence reaches past a stop by `stopLagSeconds`: the edge is that much before the end.
            expectEdge(start1 + to - RecordingFrames.stopLagSeconds, resume, "pause end")
            #expect(start1 + from <= pause.answered, "the pause began after its request was answered")
            #expect(start1 + to >= resume.sent - 0.001, "the pause ended before its stop was sent")
            expectSilence(first, from: from, to: to)
        }
        // The blackout: the same, on this server's own clock with traffic.
        let blackouts = first.json["Blackouts"] as? [[String: Any]] ?? []
        #expect(blackouts.count == 1, "\(blackouts)")
        if let b = blackouts.first, let from = b["Start"] as? Double, let to = b["End"] as? Double {
            expectEdge(start1 + from, blackoutStart, "blackout start")
            expectEdge(start1 + to - RecordingFrames.stopLagSeconds, blackoutStop, "blackout stop")
            #expect(start1 + from <= blackoutStart.answered, "the blackout began after its request was answered")
            #expect(start1 + to >= blackoutStop.sent - 0.001, "the blackout ended before its stop was sent")
            #expect(b["Ended"] as? String == "stopped")
            expectSilence(first, from: from, to: to)
        }
        // The stop ends the first file where it was accepted, with the tones up to it.
        #expect(first.endReason == "stopped")
        expectEdge(LiveServeTests.seconds(first.json["EndTime"]), stop, "record stop")
        expectEdge(start1 + first.audio.durationSeconds, stop, "record stop (file length)")
        for channel in 0..<2 {
            #expect(ToneAnalysis.rms(first.audio.slice(channel: channel, from: first.audio.durationSeconds - 0.1,
                                                       to: first.audio.durationSeconds)) > 1000)
        }
        // The start opens the second file where it was accepted, with the tones from there.
        let start2 = LiveServeTests.seconds(second.json["StartTime"])
        expectEdge(start2, start, "record start")
        #expect(second.endReason == "bye")
        for (channel, tone) in [(0, 1100.0), (1, 700.0)] {
            #expect(LiveServeTests.dominant(second, channel: channel, from: 0.05, to: second.audio.durationSeconds - 0.1) == tone)
            #expect(ToneAnalysis.rms(second.audio.slice(channel: channel, from: 0.03, to: 0.2)) > 1000)
        }
    }
}
