import CalltapTestSupport
import Foundation
import Testing

/// `calltap serve` capturing on the loopback interface while two SIPp peers make a real call
/// (caller 700 Hz, callee 1100 Hz; the callee's user is an agent's phone), with an HTTP client
/// reading and steering the agent mid-call. Needs root (libpcap on `lo`) and sipp, sox.
@Suite(.serialized) struct LiveServeTests {
    static let callerIP = "127.0.20.1"
    static let calleeIP = "127.0.20.2"

    /// A folder with a configuration capturing one call's addresses and ports on `lo`.
    struct Setup {
        var dir: String
        var config: String
        var storage: String
        var plan: SIPpCall.Plan
    }

    static func setup(policy: String, seconds: Double) throws -> Setup {
        let dir = RepositoryPaths.temporaryDirectory("calltap-live")
        let plan = SIPpCall.Plan(callerIP: callerIP, calleeIP: calleeIP, portBase: try LivePorts.freeBlock(12), seconds: seconds)
        let storage = dir + "/recordings"
        let config = dir + "/calltap.yaml"
        try """
        capture:
          interfaces: [lo]
          filter: "udp and (host \(callerIP) or host \(calleeIP)) and portrange \(plan.callerSIPPort)-\(plan.callerSIPPort + 11)"
          sipPorts: [\(plan.sipPorts.map(String.init).joined(separator: ", "))]
        storage: { root: "\(storage)", commitDelaySeconds: 0.5 }
        http: { bind: "127.0.0.1:0" }
        calls: { idleTimeoutSeconds: 30 }
        cluster: { serverId: live-test }
        agents:
          - { id: 7, businessUnit: 1, phone: "callee", systemUsername: agent7, deviceId: "dev-7", station: "WS-7", policy: \(policy) }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        return Setup(dir: dir, config: config, storage: storage, plan: plan)
    }

    static func seconds(_ iso: Any?) -> Double {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let text = iso as? String, let date = f.date(from: text) { return date.timeIntervalSince1970 }
        f.formatOptions = [.withInternetDateTime]
        if let text = iso as? String, let date = f.date(from: text) { return date.timeIntervalSince1970 }
        return .nan
    }

    static func dominant(_ r: RecordedCall, channel: Int, from: Double, to: Double) -> Double {
        ToneAnalysis.dominantFrequency(r.audio.slice(channel: channel, from: from, to: to), sampleRate: r.audio.sampleRate)
    }

    @Test func liveCallIsReportedSteeredAndStoppedThroughTheAPI() async throws {
        let s = try Self.setup(policy: "always", seconds: 10)
        let server = try await LiveServer(config: s.config, logPath: s.dir + "/serve.log")
        defer { server.kill() }
        // The server captures once its API answers; wait for /readyz to be sure the capture is up.
        _ = try await Deadline.poll("serve to be ready", timeout: 15) {
            try await server.get("/readyz").status == 200 ? true : nil
        }
        let call = try await SIPpCall(s.plan, directory: s.dir + "/sipp")
        defer { call.kill() }
        let callID = try await call.callID()

        // During the call: the agent is on it, recorded from its first RTP packet.
        let active = try await Deadline.poll("the agent's active call to be recorded", timeout: 15) { () -> [String: Any]? in
            let agent = try await server.agent(phone: "callee")
            guard let call = agent["ActiveCall"] as? [String: Any],
                  let recordings = call["Recordings"] as? [[String: Any]],
                  recordings.contains(where: { $0["RecordingState"] as? String == "Recording" }) else { return nil }
            return call
        }
        #expect(active["CallInstance"] as? String == callID)
        #expect(active["CallState"] as? String == "OnCall")
        let metadata = active["Metadata"] as? [String: Any] ?? [:]
        #expect(metadata["ani"] as? String == "caller")
        #expect(metadata["dnis"] as? String == "callee")
        #expect(metadata["calldirection"] as? String == "I")
        #expect(metadata["callinstance"] as? String == callID)
        let recordings = active["Recordings"] as? [[String: Any]] ?? []
        #expect(recordings.count == 1)
        #expect(recordings.first?["IsDuplicate"] as? Bool == false)
        #expect(recordings.first?["CallInstance"] as? String == callID)
        let recordingID = try #require(recordings.first?["RecordingIdentifier"] as? String)

        // Let some audio through, then tag and stop the recording while the call goes on.
        try await Task.sleep(nanoseconds: 2_000_000_000)
        let agentRef: [String: Any] = ["AgentIdentifier": "Phone", "Value": "callee"]
        let update = try await server.post("/api/Record/UpdateForAgent",
                                           agentRef.merging(["CallMetadata": ["user1": "order-42"]]) { $1 })
        #expect(update.status == 200, "\(update.text)")
        let updated = (update.object["ActiveCall"] as? [String: Any])?["Metadata"] as? [String: Any]
        #expect(updated?["user1"] as? String == "order-42")
        let stopSent = Date().timeIntervalSince1970
        let stop = try await server.post("/api/Record/StopForAgent", agentRef)
        let stopAnswered = Date().timeIntervalSince1970
        #expect(stop.status == 200, "\(stop.text)")
        let afterStop = (stop.object["ActiveCall"] as? [String: Any])?["Recordings"] as? [[String: Any]] ?? []
        #expect(afterStop.first { $0["RecordingIdentifier"] as? String == recordingID }?["RecordingState"] as? String == "Stopped")
        #expect(call.caller.isRunning, "the call must still be up when the recording is stopped")

        try await call.waitForEnd(timeout: s.plan.seconds + 20)
        // The BYE ends the call: the agent has none, and the index lists the recording, finished.
        _ = try await Deadline.poll("the agent's call to end after the BYE", timeout: 10) {
            let agent = try await server.agent(phone: "callee")
            return agent["ActiveCall"] is NSNull || agent["ActiveCall"] == nil ? true : nil
        }
        let listed = try await Deadline.poll("GET /api/Recordings to list the stopped recording", timeout: 10) { () -> [[String: Any]]? in
            let items = try await server.recordings(callInstance: callID)
            return items.contains { $0["EndReason"] as? String == "stopped" } ? items : nil
        }
        #expect(listed.count == 1)
        #expect(listed.first?["RecordingIdentifier"] as? String == recordingID)
        #expect(listed.first?["CallInstance"] as? String == callID)
        #expect((listed.first?["Metadata"] as? [String: Any])?["user1"] as? String == "order-42")

        let status = try await server.terminate()
        #expect(status == 0, "\(server.log.suffix(3000))")

        // The file and its sidecar.
        let all = try RecordedCall.all(under: s.storage)
        #expect(all.count == 1)
        let r = try #require(all.first)
        #expect(r.json["RecordingIdentifier"] as? String == recordingID)
        #expect(r.callInstance == callID)
        #expect(r.endReason == "stopped")
        #expect(r.json["AgentId"] as? Int == 7)
        #expect(r.metadata["user1"] == "order-42")
        #expect(r.metadata["calldirection"] == "I")
        #expect(r.metadata["ani"] == "caller")
        #expect(r.metadata["dnis"] == "callee")
        #expect((r.json["Audio"] as? [String: Any])?["ChannelRoles"] as? [String] == ["agent", "customer"])
        let start = Self.seconds(r.json["StartTime"]), end = Self.seconds(r.json["EndTime"])
        // The file runs from the first RTP packet to the stop, as the sidecar's times say…
        #expect(abs(r.durationSeconds - (end - start)) < 0.1, "duration \(r.durationSeconds), times \(start)…\(end)")
        #expect(abs(r.audio.durationSeconds - r.durationSeconds) < 0.05)
        // …and the stop is stamped when the server took it (capture clock vs. ours: loosely).
        #expect(end > stopSent - 0.5 && end < stopAnswered + 0.5, "EndTime \(end), stop sent \(stopSent), answered \(stopAnswered)")
        #expect(r.durationSeconds > 1.5)
        #expect(Self.dominant(r, channel: 0, from: 0.2, to: r.durationSeconds - 0.2) == 1100)
        #expect(Self.dominant(r, channel: 1, from: 0.2, to: r.durationSeconds - 0.2) == 700)
        #expect(ToneAnalysis.rms(r.audio.slice(channel: 0, from: 0.2, to: r.durationSeconds - 0.2)) > 5000)
        #expect(ToneAnalysis.rms(r.audio.slice(channel: 1, from: 0.2, to: r.durationSeconds - 0.2)) > 5000)
    }
}
