import CalltapTestSupport
import Control
import Foundation
import Media
import Testing

/// Two `calltap serve` processes sharing a real RabbitMQ broker (a node of this suite's own, on
/// loopback, which the tests stop and restart). Server A captures nothing of the call; server B
/// captures a SIPp call whose callee (1100 Hz) is agent 7 and whose caller sends 700 Hz. Every
/// blackout is started through A's API and must silence B's file exactly over its interval.
/// Needs root (libpcap on `lo`), sipp, sox and rabbitmq-server.
@Suite(.serialized, .enabled(if: BrokerNode.isInstalled, "needs rabbitmq-server (make test installs it)"))
struct ClusterLiveTests {
    static let callerIP = "127.0.23.1"
    static let calleeIP = "127.0.23.2"
    static let node = BrokerNode(port: 5689, epmdPort: 4389)
    let agent: [String: Any] = ["AgentIdentifier": "Phone", "Value": "callee"]

    struct Cluster {
        var dir: String
        var plan: SIPpCall.Plan
        var exchanges: (blackouts: String, screen: String)
        var a: LiveServer
        var b: LiveServer
        var storageA: String { dir + "/a/recordings" }
        var storageB: String { dir + "/b/recordings" }

        func kill() {
            a.kill()
            b.kill()
        }
    }

    /// Starts A (captures nothing) and B (captures the call's addresses), both in the cluster; B
    /// reaches the broker at `brokerURLOfB` (a relay, when the test cuts B off).
    static func cluster(seconds: Double, brokerURLOfB: String? = nil) async throws -> Cluster {
        let dir = RepositoryPaths.temporaryDirectory("calltap-cluster")
        let plan = SIPpCall.Plan(callerIP: callerIP, calleeIP: calleeIP, portBase: try LivePorts.freeBlock(12), seconds: seconds)
        let unique = "\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max))"
        let exchanges = (blackouts: "test.blackouts.\(unique)", screen: "test.screen.\(unique)")
        let callFilter = "udp and (host \(callerIP) or host \(calleeIP)) and portrange \(plan.callerSIPPort)-\(plan.callerSIPPort + 11)"
        func config(_ name: String, filter: String, broker: String) throws -> String {
            let folder = dir + "/" + name
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try """
            capture:
              interfaces: [lo]
              filter: "\(filter)"
              sipPorts: [\(plan.sipPorts.map(String.init).joined(separator: ", "))]
            storage: { root: "\(folder)/recordings", commitDelaySeconds: 2 }
            http: { bind: "127.0.0.1:0" }
            blackout: { maxAgentBlackoutSeconds: 8 }
            cluster: { broker: "\(broker)", serverId: recorder-\(name), blackoutExchange: "\(exchanges.blackouts)", screenExchange: "\(exchanges.screen)" }
            agents:
              - { id: 7, businessUnit: 1, phone: "callee", systemUsername: agent7, deviceId: "dev-7", station: "WS-7", policy: always }
            """.write(toFile: folder + "/calltap.yaml", atomically: true, encoding: .utf8)
            return folder + "/calltap.yaml"
        }
        // A's filter matches nothing of the call: only B records it.
        let a = try await LiveServer(config: try config("a", filter: "udp port 9", broker: node.url), logPath: dir + "/a.log")
        let b: LiveServer
        do {
            b = try await LiveServer(config: try config("b", filter: callFilter, broker: brokerURLOfB ?? node.url),
                                     logPath: dir + "/b.log")
        } catch {
            a.kill()
            throw error
        }
        for server in [a, b] {
            _ = try await Deadline.poll("both servers ready, broker connected", timeout: 30) {
                try await server.get("/readyz").status == 200 ? true : nil
            }
        }
        return Cluster(dir: dir, plan: plan, exchanges: exchanges, a: a, b: b)
    }

    static func seconds(_ iso: Any?) -> Double { LiveServeTests.seconds(iso) }

    func blackout(_ server: LiveServer, _ command: String, _ extra: [String: Any] = [:]) async throws -> [String: Any] {
        let reply = try await server.post("/api/Blackout/\(command)", agent.merging(extra) { $1 })
        #expect(reply.status == 200, "\(command): \(reply.text)")
        return reply.object["Applied"] as? [String: Any] ?? [:]
    }

    func blackoutState(_ server: LiveServer) async throws -> [String: Any] {
        try await server.agent(phone: "callee")["Blackout"] as? [String: Any] ?? [:]
    }

    /// Waits until B records the call.
    func awaitRecording(_ c: Cluster) async throws {
        _ = try await Deadline.poll("B to record the call", timeout: 15) { () -> Bool? in
            let call = try await c.b.agent(phone: "callee")["ActiveCall"] as? [String: Any]
            let recordings = call?["Recordings"] as? [[String: Any]] ?? []
            return recordings.contains { $0["RecordingState"] as? String == "Recording" } ? true : nil
        }
    }

    /// Waits until both servers show the same blackout for the agent, with these times.
    func awaitAgreement(_ c: Cluster, start: Double, stop: Double?, timeout: Double) async throws {
        _ = try await Deadline.poll("A and B to agree on the blackout \(start)…\(stop ?? .nan)", timeout: timeout) { () -> Bool? in
            let a = try await blackoutState(c.a), b = try await blackoutState(c.b)
            let same = (a["Active"] as? Bool) == (b["Active"] as? Bool) && (a["Origin"] as? String) == (b["Origin"] as? String)
                && abs(Self.seconds(a["StartTime"]) - Self.seconds(b["StartTime"])) < 0.0015
                && (stop == nil ? b["StopTime"] is NSNull || b["StopTime"] == nil
                                : abs(Self.seconds(b["StopTime"]) - stop!) < 0.0015 && abs(Self.seconds(a["StopTime"]) - stop!) < 0.0015)
            return same && abs(Self.seconds(b["StartTime"]) - start) < 0.0015 ? true : nil
        }
    }

    /// B's one recording, after both servers stopped.
    func recordingOfB(_ c: Cluster) throws -> RecordedCall {
        let all = try RecordedCall.all(under: c.storageB)
        #expect(all.count == 1)
        #expect(try RecordedCall.all(under: c.storageA).isEmpty, "A captures nothing of the call")
        return try #require(all.first)
    }

    func intervals(_ r: RecordedCall) -> [[String: Any]] {
        r.json["Blackouts"] as? [[String: Any]] ?? []
    }

    /// Every channel is exact silence over the sidecar's interval, with the tone within 20 ms
    /// either side; and the interval is where A decided it, to the sample (the sidecar's start
    /// time has whole milliseconds: that much slack).
    func expectInterval(_ r: RecordedCall, _ interval: [String: Any]?, wallStart: Double, wallStop: Double,
                        ended: String, late: Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let interval, let from = interval["Start"] as? Double, let to = interval["End"] as? Double else {
            Issue.record("no such blackout interval in \(r.json["Blackouts"] ?? "nil")", sourceLocation: sourceLocation)
            return
        }
        let fileStart = Self.seconds(r.json["StartTime"])
        // Silence reaches past a stop by `stopLagSeconds`.
        let stop = wallStop + RecordingFrames.stopLagSeconds
        print(String(format: "cluster blackout on B: start off by %+.1f ms, stop off by %+.1f ms, late %@",
                     (fileStart + from - wallStart) * 1000, (fileStart + to - stop) * 1000, "\(late)"))
        #expect(abs(fileStart + from - wallStart) < 0.0015, "start \(fileStart + from) vs \(wallStart)", sourceLocation: sourceLocation)
        #expect(abs(fileStart + to - stop) < 0.0015, "stop \(fileStart + to) vs \(stop)", sourceLocation: sourceLocation)
        #expect(interval["Origin"] as? String == "recorder-a", sourceLocation: sourceLocation)
        #expect(interval["Ended"] as? String == ended, sourceLocation: sourceLocation)
        #expect((interval["Late"] as? Bool ?? false) == late, sourceLocation: sourceLocation)
        for channel in 0..<2 {
            let tone: Double = channel == 0 ? 1100 : 700
            #expect(ToneAnalysis.rms(r.audio.slice(channel: channel, from: from, to: to)) == 0,
                    "channel \(channel) not silent over \(from)…\(to)", sourceLocation: sourceLocation)
            #expect(ToneAnalysis.rms(r.audio.slice(channel: channel, from: from - 0.02, to: from)) > 1000, sourceLocation: sourceLocation)
            #expect(ToneAnalysis.rms(r.audio.slice(channel: channel, from: to, to: to + 0.02)) > 1000, sourceLocation: sourceLocation)
            #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: channel, from: from - 0.5, to: from - 0.02),
                                                   sampleRate: r.audio.sampleRate) == tone, sourceLocation: sourceLocation)
            #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: channel, from: to + 0.02, to: to + 0.5),
                                                   sampleRate: r.audio.sampleRate) == tone, sourceLocation: sourceLocation)
        }
    }

    @Test func blackoutsStartedOnOneServerSilenceTheCallTheOtherRecords() async throws {
        try Self.node.start()
        defer { try? Self.node.stop() }
        let c = try await Self.cluster(seconds: 30)
        defer { c.kill() }
        // The agent's station, as its desktop would: a queue bound to its routing key.
        var stationSettings = BrokerSettings(url: Self.node.url, serverId: "station-WS-7")
        stationSettings.blackoutExchange = c.exchanges.blackouts
        stationSettings.screenExchange = c.exchanges.screen
        stationSettings.screenBindings = ["WS-7"]
        let screen = Collected<BrokerDelivery>()
        let station = try BrokerConnection(settings: stationSettings, onDelivery: { screen.append($0) })
        station.start()
        defer { station.stop() }

        let call = try await SIPpCall(c.plan, directory: c.dir + "/sipp")
        defer { call.kill() }
        try await awaitRecording(c)
        try await Task.sleep(nanoseconds: 2_500_000_000)

        // A retroactive start: the second before the command.
        let sent = Date().timeIntervalSince1970
        let first = try await blackout(c.a, "StartForAgent", ["TimeOffset": -1])
        #expect(first["Shared"] as? Bool == true)
        #expect(first["Clamped"] as? Bool == false)
        let t1 = Self.seconds(first["StartTime"])
        // A captures nothing: its clock is the wall clock when it accepted the request, not an
        // idle estimate (which ran 200 ms behind and made both edges early).
        #expect(t1 >= sent - 1 - 0.001 && t1 < sent - 1 + 0.02, "a start one second back: \(t1) for a command sent at \(sent)")
        _ = try await Deadline.poll("B to black the agent out", timeout: 5) { () -> Bool? in
            let b = try await blackoutState(c.b)
            return b["Active"] as? Bool == true && b["Origin"] as? String == "recorder-a" ? true : nil
        }
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let stopSent = Date().timeIntervalSince1970
        let stopped = try await blackout(c.a, "StopForAgent")
        let t2 = Self.seconds(stopped["StopTime"])
        #expect(t2 >= stopSent - 0.001 && t2 < stopSent + 0.02, "the stop at \(t2) for a command sent at \(stopSent)")
        try await awaitAgreement(c, start: t1, stop: t2, timeout: 5)

        // A blackout scheduled 3 s ahead and cancelled before it begins: both servers show it
        // scheduled (not active, its future start), then stopped where it would have begun; B
        // silences nothing of it.
        let scheduleSent = Date().timeIntervalSince1970
        let ts = Self.seconds(try await blackout(c.a, "StartForAgent", ["TimeOffset": 3])["StartTime"])
        #expect(ts >= scheduleSent + 3 - 0.001 && ts < scheduleSent + 3 + 0.02, "scheduled at \(ts) by a command sent at \(scheduleSent)")
        try await awaitAgreement(c, start: ts, stop: nil, timeout: 2)
        for server in [c.a, c.b] {
            #expect(try await blackoutState(server)["Active"] as? Bool == false, "a scheduled blackout is not active before its start")
        }
        let cancelled = try await blackout(c.a, "StopForAgent")
        #expect(Self.seconds(cancelled["StopTime"]) == ts, "a cancelled blackout stops where it would have begun")
        try await awaitAgreement(c, start: ts, stop: ts, timeout: 2)
        try await Task.sleep(nanoseconds: UInt64(max(0, ts + 0.5 - Date().timeIntervalSince1970) * 1e9))
        for server in [c.a, c.b] {
            #expect(try await blackoutState(server)["Active"] as? Bool == false, "a cancelled blackout never begins")
        }

        // A start that nobody stops: maxAgentBlackoutSeconds (8 s) ends it on both servers.
        try await Task.sleep(nanoseconds: 1_500_000_000)
        let startSent = Date().timeIntervalSince1970
        let t3 = Self.seconds(try await blackout(c.a, "StartForAgent")["StartTime"])
        #expect(t3 >= startSent - 0.001 && t3 < startSent + 0.02, "the start at \(t3) for a command sent at \(startSent)")
        try await awaitAgreement(c, start: t3, stop: t3 + 8, timeout: 15)

        let screenStart = try await c.a.post("/api/ScreenRecord/StartForAgent", agent)
        #expect(screenStart.status == 200, "\(screenStart.text)")

        try await call.waitForEnd(timeout: c.plan.seconds + 20)
        _ = try await Deadline.poll("B's recording to finish", timeout: 10) {
            try RecordedCall.all(under: c.storageB).isEmpty ? nil : true
        }
        // Each blackout request made on A is in B's audit trail too, with A as its origin, as A
        // audited it (who, from where, when); the limit's end was no request and is in neither.
        func blackoutRequests(_ server: LiveServer) async throws -> [[String: Any]] {
            let items = try await server.get("/api/Audit?limit=100").object["Items"] as? [[String: Any]] ?? []
            return items.filter { ($0["Action"] as? String)?.hasPrefix("POST /api/Blackout/") == true }
        }
        let onA = try await blackoutRequests(c.a), onB = try await blackoutRequests(c.b)
        let asked = ["Start", "Stop", "Start", "Stop", "Start"].reversed().map { "POST /api/Blackout/\($0)ForAgent" }
        #expect(onA.map { $0["Action"] as? String ?? "" } == asked, "\(onA)")
        #expect(onA.allSatisfy { $0["Origin"] is NSNull && $0["AgentId"] as? Int == 7 }, "\(onA)")
        #expect(onB.map { $0["Action"] as? String ?? "" } == asked, "\(onB)")
        #expect(onB.allSatisfy { $0["Origin"] as? String == "recorder-a" && $0["AgentId"] as? Int == 7 && $0["Actor"] as? String == "anonymous" }, "\(onB)")
        for (a, b) in zip(onA, onB) {
            #expect(a["Time"] as? String == b["Time"] as? String && a["Client"] as? String == b["Client"] as? String, "\(a) \(b)")
            #expect((b["Client"] as? String)?.hasPrefix("127.0.0.1:") == true)
        }
        #expect(try await c.b.terminate() == 0, "\(c.b.log.suffix(2000))")
        #expect(try await c.a.terminate() == 0, "\(c.a.log.suffix(2000))")
        // On B's disk, for after a restart: one row per decision.
        #expect(try SQLiteShell.rows(c.storageB + "/calltap.sqlite",
                                     "SELECT originSequence FROM audit WHERE originServer = 'recorder-a'").count == 5)

        let r = try recordingOfB(c)
        #expect(r.endReason == "bye")
        let found = intervals(r)
        #expect(found.count == 2, "\(found)")
        expectInterval(r, found.first, wallStart: t1, wallStop: t2, ended: "stopped", late: false)
        expectInterval(r, found.dropFirst().first, wallStart: t3, wallStop: t3 + 8, ended: "maxAgentBlackout", late: false)

        // The station heard a mask and an unmask per blackout (the cancelled one's both at its
        // start: it masks nothing), then the screen recording's start.
        _ = try await Deadline.poll("the station's seven screen commands", timeout: 5) {
            screen.all.filter { $0.exchange == c.exchanges.screen }.count >= 7 ? true : nil
        }
        let messages = screen.all.filter { $0.exchange == c.exchanges.screen }
        #expect(messages.allSatisfy { $0.routingKey == "WS-7" })
        let bodies = messages.compactMap { try? JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any] }
        #expect(bodies.map { $0["Type"] as? String ?? "?" } == ["Mask", "Unmask", "Mask", "Unmask", "Mask", "Unmask", "Start"])
        if bodies.count == 7 {
            #expect(abs(Self.seconds(bodies[2]["Time"]) - ts) < 0.0015 && abs(Self.seconds(bodies[3]["Time"]) - ts) < 0.0015)
        }
        // The limit ends the blackout on every server by itself; the server that started it unmasks.
        #expect(bodies.allSatisfy { $0["AgentId"] as? Int == 7 && $0["Station"] as? String == "WS-7" && $0["Origin"] as? String == "recorder-a" })
        #expect(abs(Self.seconds(bodies.first?["Time"]) - t1) < 0.0015)
        #expect(bodies.last?["ScreenRecordingIdentifier"] as? String != nil)
    }

    @Test func aServerCutOffAppliesBlackoutsLateAndABrokerRestartLosesNone() async throws {
        try Self.node.start()
        defer { try? Self.node.stop() }
        let relay = try TCPRelay(toHost: "127.0.0.1", port: Self.node.port)
        defer { relay.stop() }
        // Long enough for both outages to fall inside the call: a reconnection backs off up to 5 s,
        // and the broker takes up to 15 s to come back on a loaded machine.
        let c = try await Self.cluster(seconds: 45, brokerURLOfB: "amqp://guest:guest@127.0.0.1:\(relay.port)/")
        defer { c.kill() }
        let call = try await SIPpCall(c.plan, directory: c.dir + "/sipp")
        defer { call.kill() }
        try await awaitRecording(c)
        try await Task.sleep(nanoseconds: 1_000_000_000)

        // B is cut off from the broker; A takes a blackout meanwhile.
        relay.cut()
        let readyB = try await Deadline.poll("B's /readyz to say the broker is down", timeout: 10) { () -> [String: Any]? in
            let reply = try await c.b.get("/readyz")
            return reply.status == 503 ? reply.object : nil
        }
        #expect(readyB["Broker"] as? Bool == false)
        #expect((readyB["Detail"] as? String ?? "").contains("broker"))
        // What an alert rule watches (deploy/prometheus): the broker connection and its failures.
        let metricsB = try await c.b.get("/metrics").text
        #expect(metricsB.contains("calltap_broker_connected 0"), "\(metricsB)")
        #expect(metricsB.range(of: #"calltap_broker_connection_failures_total [1-9]"#, options: .regularExpression) != nil)
        let t1 = Self.seconds(try await blackout(c.a, "StartForAgent")["StartTime"])
        try await Task.sleep(nanoseconds: 1_500_000_000)
        let t2 = Self.seconds(try await blackout(c.a, "StopForAgent")["StopTime"])
        // Past the commit delay (2 s): B has written that audio by now.
        try await Task.sleep(nanoseconds: 3_000_000_000)
        #expect(try await blackoutState(c.b)["Active"] as? Bool != true)
        relay.restore()
        try await awaitAgreement(c, start: t1, stop: t2, timeout: 20)

        // The broker goes away: A still blacks the agent out, says it is not shared, and tells
        // B once the broker is back.
        try Self.node.stop()
        let readyA = try await Deadline.poll("A's /readyz to say the broker is down", timeout: 10) { () -> [String: Any]? in
            let reply = try await c.a.get("/readyz")
            return reply.status == 503 ? reply.object : nil
        }
        #expect(readyA["Broker"] as? Bool == false)
        let started = try await blackout(c.a, "StartForAgent")
        #expect(started["Shared"] as? Bool == false)
        let t3 = Self.seconds(started["StartTime"])
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let ended = try await blackout(c.a, "StopForAgent")
        #expect(ended["Shared"] as? Bool == false)
        let t4 = Self.seconds(ended["StopTime"])
        try Self.node.start()
        try await awaitAgreement(c, start: t3, stop: t4, timeout: 30)
        #expect(call.caller.isRunning, "the call must outlast the broker's restart, or there is nothing to silence")
        _ = try await Deadline.poll("A ready again", timeout: 15) { try await c.a.get("/readyz").status == 200 ? true : nil }
        #expect(try await c.a.get("/metrics").text.contains("calltap_broker_connected 1"))

        try await call.waitForEnd(timeout: c.plan.seconds + 30)
        _ = try await Deadline.poll("B's recording to finish", timeout: 10) {
            try RecordedCall.all(under: c.storageB).isEmpty ? nil : true
        }
        #expect(try await c.b.terminate() == 0, "\(c.b.log.suffix(2000))")
        #expect(try await c.a.terminate() == 0, "\(c.a.log.suffix(2000))")

        let r = try recordingOfB(c)
        let found = intervals(r)
        #expect(found.count == 2, "\(found)")
        expectInterval(r, found.first, wallStart: t1, wallStop: t2, ended: "stopped", late: true)
        // The second one reached B after the broker's restart, its audio long written.
        expectInterval(r, found.dropFirst().first, wallStart: t3, wallStop: t4, ended: "stopped", late: true)
    }
}
