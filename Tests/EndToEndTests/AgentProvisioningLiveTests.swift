import CalltapTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Agents provisioned at runtime, end to end: two `calltap serve` processes share a real RabbitMQ
/// broker. Server A captures SIPp calls (caller 700 Hz, callee 1100 Hz) on loopback; server B
/// captures nothing. An agent created on A is known on B; a call to its phone is recorded under
/// it; logged in to another phone through B, the next call there is its; removed through B, A
/// forgets it; a reload of A's file adds an agent both know; after A restarts, all is as left.
/// Needs root (libpcap on `lo`), sipp, sox and rabbitmq-server.
@Suite(.serialized, .enabled(if: BrokerNode.isInstalled, "needs rabbitmq-server (make test installs it)"))
struct AgentProvisioningLiveTests {
    static let node = BrokerNode(port: 5686, epmdPort: 4386)
    static let callerIP = "127.0.24.1", calleeIP = "127.0.24.2"

    func send(_ server: LiveServer, _ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> LiveServer.Reply {
        try await server.request(method, path, body: try body.map { try JSONSerialization.data(withJSONObject: $0) })
    }

    /// The ids of the agents the server lists.
    func ids(_ server: LiveServer) async throws -> [Int] {
        try await server.get("/api/Agents").array.compactMap { $0["AgentId"] as? Int }
    }

    @Test func anAgentCreatedLoggedInAndRemovedAtRuntimeIsRecordedAndKnownEverywhere() async throws {
        try Self.node.start()
        defer { try? Self.node.stop() }
        let dir = RepositoryPaths.temporaryDirectory("calltap-provisioning")
        // Two calls, each on ports of its own, both in A's SIP ports.
        let base = try LivePorts.freeBlock(24)
        let plans = [
            SIPpCall.Plan(callerIP: Self.callerIP, calleeIP: Self.calleeIP, portBase: base, calleeUser: "4101", seconds: 4),
            SIPpCall.Plan(callerIP: Self.callerIP, calleeIP: Self.calleeIP, portBase: base + 12, calleeUser: "4102", seconds: 4),
        ]
        let unique = "\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max))"
        func config(_ name: String, filter: String, extraAgent: String = "") throws -> String {
            let folder = dir + "/" + name
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try """
            capture:
              interfaces: [lo]
              filter: "\(filter)"
              sipPorts: [\(plans.flatMap(\.sipPorts).map(String.init).joined(separator: ", "))]
            storage: { root: "\(folder)/recordings", commitDelaySeconds: 0.5 }
            http: { bind: "127.0.0.1:0" }
            cluster: { broker: "\(Self.node.url)", serverId: recorder-\(name), blackoutExchange: "test.blackouts.\(unique)", screenExchange: "test.screen.\(unique)" }
            agents:
              - { id: 1, phone: "seeded", systemUsername: one }
            \(extraAgent)
            """.write(toFile: folder + "/calltap.yaml", atomically: true, encoding: .utf8)
            return folder + "/calltap.yaml"
        }
        let configA = try config("a", filter: "udp and (host \(Self.callerIP) or host \(Self.calleeIP))")
        var a = try await LiveServer(config: configA, logPath: dir + "/a-1.log")
        let firstA = a
        defer { firstA.kill() }
        let b = try await LiveServer(config: try config("b", filter: "udp port 9"), logPath: dir + "/b.log")
        defer { b.kill() }
        for server in [a, b] {
            _ = try await Deadline.poll("both servers ready, broker connected", timeout: 30) {
                try await server.get("/readyz").status == 200 ? true : nil
            }
        }

        // Created on A; B knows it.
        let created = try await send(a, "POST", "/api/Agents",
                                     ["AgentId": 41, "Phone": "4101", "SystemUsername": "hot.desker", "Station": "WS-41", "Policy": "always"])
        #expect(created.status == 201, "\(created.text)")
        let onB = try await Deadline.poll("B to know agent 41", timeout: 10) { () -> [String: Any]? in
            let reply = try await b.get("/api/Agents/41")
            return reply.status == 200 ? reply.object : nil
        }
        #expect(onB["Phone"] as? String == "4101" && onB["ChangedBy"] as? String == "recorder-a" && onB["Station"] as? String == "WS-41")

        // A call to its phone is recorded under it.
        func place(_ plan: SIPpCall.Plan, _ name: String) async throws -> RecordedCall {
            let call = try await SIPpCall(plan, directory: dir + "/sipp-" + name)
            defer { call.kill() }
            let callID = try await call.callID()
            try await call.waitForEnd(timeout: plan.seconds + 20)
            let sidecar = try await Deadline.poll("the recording of call \(name) to be finished", timeout: 15) { () -> String? in
                let items = try await a.recordings(callInstance: callID)
                guard let item = items.first, item["EndReason"] != nil, !(item["EndReason"] is NSNull) else { return nil }
                let path = "\(dir)/a/recordings"
                return RepositoryPaths.files(under: path, withExtension: "json").first {
                    (try? RecordedCall(sidecarPath: $0))?.callInstance == callID
                }
            }
            return try RecordedCall(sidecarPath: sidecar)
        }
        func expectAgent41(_ r: RecordedCall, dialled: String) {
            #expect(r.json["AgentId"] as? Int == 41, "\(r.json)")
            #expect(r.metadata["dnis"] == dialled && r.metadata["station"] == "WS-41" && r.metadata["calldirection"] == "I")
            #expect((r.json["Audio"] as? [String: Any])?["ChannelRoles"] as? [String] == ["agent", "customer"])
            let end = r.durationSeconds - 0.3
            #expect(end > 2, "duration \(r.durationSeconds)")
            #expect(LiveServeTests.dominant(r, channel: 0, from: 0.3, to: end) == 1100)
            #expect(LiveServeTests.dominant(r, channel: 1, from: 0.3, to: end) == 700)
        }
        expectAgent41(try await place(plans[0], "1"), dialled: "4101")

        // Logged in to 4102 through B: A applies it, and the next call there is the agent's.
        let login = try await send(b, "POST", "/api/Agents/41/Login", ["Phone": "4102"])
        #expect(login.status == 200, "\(login.text)")
        _ = try await Deadline.poll("A to see the login", timeout: 10) { () -> Bool? in
            let reply = try await a.get("/api/Agent?AgentIdentifier=Phone&Value=4102")
            return reply.status == 200 && reply.object["AgentId"] as? Int == 41 ? true : nil
        }
        expectAgent41(try await place(plans[1], "2"), dialled: "4102")

        // Another agent on A; agent 41 removed through B; A forgets it.
        let other = try await send(a, "POST", "/api/Agents", ["AgentId": 42, "Phone": "4109", "CrmUsername": "crm42"])
        #expect(other.status == 201, "\(other.text)")
        let removed = try await send(b, "DELETE", "/api/Agents/41")
        #expect(removed.status == 204, "\(removed.text)")
        _ = try await Deadline.poll("A to forget agent 41", timeout: 10) {
            try await a.get("/api/Agents/41").status == 404 ? true : nil
        }

        // A's file gains agent 43 (noticed without a signal); a SIGHUP after a broken edit changes nothing.
        _ = try config("a", filter: "udp and (host \(Self.callerIP) or host \(Self.calleeIP))",
                       extraAgent: "  - { id: 43, phone: \"4103\", deviceId: PC-43 }")
        _ = try await Deadline.poll("A to reload its file", timeout: 15) {
            try await a.get("/api/Agents/43").status == 200 ? true : nil
        }
        _ = try await Deadline.poll("B to learn agent 43 from A", timeout: 10) {
            try await b.get("/api/Agents/43").status == 200 ? true : nil
        }
        let text = try String(contentsOfFile: configA, encoding: .utf8)
        try (text + "  - { id: 44, phone: \"4104\", policy: sometimes }\n").write(toFile: configA, atomically: true, encoding: .utf8)
        kill(a.pid, SIGHUP)
        _ = try await Deadline.poll("A to refuse the broken file", timeout: 15) {
            a.log.contains("configuration not reloaded") ? true : nil
        }
        #expect(try await a.get("/api/Agents/44").status == 404)
        #expect(a.isRunning)
        try text.write(toFile: configA, atomically: true, encoding: .utf8)
        #expect(try await ids(a) == [1, 42, 43])

        // Restarted: all as left.
        #expect(try await a.terminate() == 0, "\(a.log.suffix(2000))")
        a = try await LiveServer(config: configA, logPath: dir + "/a-2.log")
        let secondA = a
        defer { secondA.kill() }
        _ = try await Deadline.poll("A to be ready again", timeout: 30) {
            try await secondA.get("/readyz").status == 200 ? true : nil
        }
        #expect(try await ids(a) == [1, 42, 43])
        #expect(try await a.get("/api/Agents/42").object["CrmUsername"] as? String == "crm42")
        #expect(try await a.get("/api/Agent?AgentIdentifier=Phone&Value=4102").status == 404)
        #expect(try await ids(b) == [1, 42, 43])
        // The two recordings stay under agent 41 in the index.
        let listed = try await a.get("/api/Recordings?agentId=41").object["Items"] as? [[String: Any]] ?? []
        #expect(listed.count == 2, "\(listed)")
    }
}
