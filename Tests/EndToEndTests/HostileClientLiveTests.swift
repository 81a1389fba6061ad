import CalltapTestSupport
import Foundation
import Testing

/// Issue 15, "survive hostile clients": `calltap serve` under a descriptor limit of 1,024 while
/// one client opens 1,100 idle connections to its API, another trickles request heads, a third
/// announces a chunk of 2^64 - 1 bytes, and two SIPp calls are placed on loopback. Before the
/// connection bounds, the idle connections took every descriptor: /readyz stopped answering and
/// every call was lost ("Too many open files"). Needs root (libpcap on `lo`), sipp, sox, prlimit.
@Suite(.serialized) struct HostileClientLiveTests {
    static let descriptorLimit = 1024
    static let reservedDescriptors = 400
    static let perClient = 100
    static let headerTimeout = 8.0
    static let idleTimeout = 15.0
    static let idleConnections = 1100
    static let attacker = "127.0.40.1"
    static let trickler = "127.0.40.2"
    static let chunker = "127.0.40.3"

    /// A running `serve` under the descriptor limit with two SIPp calls under way.
    struct Scene {
        var dir: String
        var storage: String
        var plans: [SIPpCall.Plan]
        var server: LiveServer
        var calls: [SIPpCall]
        var callIDs: [String]
        var port: Int

        func kill() {
            calls.forEach { $0.kill() }
            server.kill()
        }
    }

    static func start(_ label: String) async throws -> Scene {
        let dir = RepositoryPaths.temporaryDirectory("calltap-hostile-" + label)
        let storage = dir + "/recordings"
        var plans: [SIPpCall.Plan] = []
        for (index, tones) in [(700, 1100), (500, 1300)].enumerated() {
            var plan = SIPpCall.Plan(callerIP: "127.0.\(21 + index).1", calleeIP: "127.0.\(21 + index).2",
                                     portBase: try LivePorts.freeBlock(12), calleeUser: "50\(index + 1)", seconds: 20)
            plan.callerHertz = tones.0
            plan.calleeHertz = tones.1
            plans.append(plan)
        }
        let config = dir + "/calltap.yaml"
        try """
        capture:
          interfaces: [lo]
          filter: "udp and (net 127.0.21.0/24 or net 127.0.22.0/24)"
          sipPorts: [\(plans.flatMap(\.sipPorts).map(String.init).joined(separator: ", "))]
        storage: { root: "\(storage)", commitDelaySeconds: 0.5 }
        http:
          bind: "127.0.0.1:0"
          publicMetrics: true
          idleTimeoutSeconds: \(Self.idleTimeout)
          requestHeaderTimeoutSeconds: \(Self.headerTimeout)
          maxConnections: 5000
          maxConnectionsPerClient: \(Self.perClient)
        limits: { reservedDescriptors: \(Self.reservedDescriptors) }
        calls: { idleTimeoutSeconds: 30 }
        cluster: { serverId: hostile-test }
        agents:
          - { id: 1, phone: "501", policy: always }
          - { id: 2, phone: "502", policy: always }
        """.write(toFile: config, atomically: true, encoding: .utf8)

        let server = try await LiveServer(config: config, logPath: dir + "/serve.log", descriptorLimit: Self.descriptorLimit)
        var calls: [SIPpCall] = []
        do {
            _ = try await Deadline.poll("serve to be ready", timeout: 15) {
                try await server.get("/readyz").status == 200 ? true : nil
            }
            // The soft limit is raised to the hard one (both 1,024 here) and HTTP gets what the reserve leaves.
            let limitLine = try #require(server.log.split(separator: "\n").first { $0.contains("descriptor limit") }, "\(server.log)")
            #expect(limitLine.contains("soft=1024") && limitLine.contains("hard=1024"), "\(limitLine)")
            #expect(limitLine.contains("maxConnections=\(Self.effectiveMaxConnections)") && limitLine.contains("configuredMaxConnections=5000"),
                    "\(limitLine)")
            let port = try #require(Int(server.baseURL.split(separator: ":").last ?? ""))
            for (index, plan) in plans.enumerated() {
                calls.append(try await SIPpCall(plan, directory: dir + "/sipp\(index)"))
            }
            var callIDs: [String] = []
            for call in calls { callIDs.append(try await call.callID()) }
            return Scene(dir: dir, storage: storage, plans: plans, server: server, calls: calls, callIDs: callIDs, port: port)
        } catch {
            calls.forEach { $0.kill() }
            server.kill()
            throw error
        }
    }

    /// Both calls end, the server stops cleanly having never run out of descriptors, and each call
    /// was recorded whole: a file and a sidecar, each side's tone on its channel.
    static func expectEveryCallRecorded(_ scene: Scene) async throws {
        for call in scene.calls { try await call.waitForEnd(timeout: 40) }
        let status = try await scene.server.terminate()
        #expect(status == 0)
        #expect(!scene.server.log.contains("Too many open files"), "\(scene.server.log.suffix(3000))")
        let recorded = try RecordedCall.all(under: scene.storage)
        #expect(recorded.count == scene.plans.count)
        for (plan, callID) in zip(scene.plans, scene.callIDs) {
            let r = try #require(recorded.first { $0.callInstance == callID }, "the recording of \(callID)")
            #expect(FileManager.default.fileExists(atPath: r.sidecarPath))
            #expect(r.durationSeconds > plan.seconds - 2, "duration \(r.durationSeconds)")
            let end = r.audio.durationSeconds - 0.3
            #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: 0, from: 0.3, to: end), sampleRate: r.audio.sampleRate)
                    == Double(plan.calleeHertz))
            #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: 1, from: 0.3, to: end), sampleRate: r.audio.sampleRate)
                    == Double(plan.callerHertz))
        }
    }

    static var effectiveMaxConnections: Int { descriptorLimit - reservedDescriptors }

    @Test func callsAreRecordedAndReadyzAnswersWhileClientsHoldConnections() async throws {
        let scene = try await Self.start("one-client")
        defer { scene.kill() }
        let server = scene.server, port = scene.port

        // The attack, while both calls are up.
        let attackStart = Date()
        var idle: [RawTCPConnection] = []
        for _ in 0..<Self.idleConnections {
            idle.append(try RawTCPConnection(from: Self.attacker, to: "127.0.0.1", port: port))
        }
        var trickling: [RawTCPConnection] = []
        for _ in 0..<5 {
            let connection = try RawTCPConnection(from: Self.trickler, to: "127.0.0.1", port: port)
            connection.send("GET /api/Agent/GetAll HTTP/1.1\r\nHost: calltap\r\n")
            trickling.append(connection)
        }
        let chunked = try RawTCPConnection(from: Self.chunker, to: "127.0.0.1", port: port)
        chunked.send("POST /api/Record/StartForAgent HTTP/1.1\r\nHost: calltap\r\nContent-Type: application/json\r\n"
                     + "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\n{\"AgentIdentifier\": ")
        let opened = Date().timeIntervalSince(attackStart)
        // Watched from now on, all at once, so that each close is timed when it happens.
        let watched = idle + trickling + [chunked]
        async let watchedCloses = RawTCPConnection.watchCloses(of: watched, timeout: Self.headerTimeout + 30)

        // While the attacker's admitted connections are still held, /readyz and /metrics answer.
        let readyDuring = try await server.get("/readyz")
        #expect(readyDuring.status == 200, "\(readyDuring.text)")
        let metricsDuring = try await server.get("/metrics")
        #expect(metricsDuring.status == 200)
        let rejectedDuring = Self.sample(metricsDuring.text, #"calltap_http_connections_rejected_total{cause="perClient"}"#)
        let openDuring = Self.sample(metricsDuring.text, "calltap_http_connections_open")
        let checkedAt = Date().timeIntervalSince(attackStart)
        let stillHeld = checkedAt < Self.headerTimeout - 0.5
        // More trickle: a byte of head now and then does not extend the deadline.
        for _ in 0..<2 {
            try await Task.sleep(nanoseconds: 1_000_000_000)
            for connection in trickling { connection.send("X-Slow: 1\r\n") }
        }

        // Every connection ends closed by the server: the refused ones at once, the rest after the
        // head timeout, the huge chunk when its size arrived (413).
        let outcomes = await watchedCloses
        var closedAtOnce = 0, closedByTimeout = 0, stillOpen = 0, answered = 0
        for (connection, outcome) in zip(idle + trickling, outcomes) {
            guard let outcome else {
                stillOpen += 1
                continue
            }
            if !outcome.received.isEmpty { answered += 1 }
            // Refused on accept, or closed by the head deadline: told apart by the deadline, not by
            // how soon the refusal was seen (on a loaded machine the event loops accept 1,000
            // connections over seconds). Which cause closed each is the server's counters' word.
            let seconds = outcome.closedAt.timeIntervalSince(connection.opened)
            if seconds >= Self.headerTimeout - 0.2 { closedByTimeout += 1 } else { closedAtOnce += 1 }
        }
        let chunkClosed = outcomes.last ?? nil
        let chunkAnswer = String(decoding: chunkClosed?.received ?? [], as: UTF8.self)
        let chunkSeconds = chunkClosed.map { $0.closedAt.timeIntervalSince(chunked.opened) } ?? -1
        let readyAfter = try await server.get("/readyz")
        let metricsAfter = try await server.get("/metrics").text
        let rejectedAfter = Self.sample(metricsAfter, #"calltap_http_connections_rejected_total{cause="perClient"}"#)
        let timedOut = Self.sample(metricsAfter, #"calltap_http_connections_timed_out_total{cause="requestHeader"}"#)
        print("""
            hostile clients: \(Self.idleConnections) idle + 5 trickling + 1 chunked opened in \(String(format: "%.2f", opened)) s; \
            at \(String(format: "%.2f", checkedAt)) s: /readyz \(readyDuring.status), open \(openDuring ?? -1), rejected perClient so far \(rejectedDuring ?? -1); \
            closed at once \(closedAtOnce), closed after the \(Self.headerTimeout) s head timeout \(closedByTimeout), still open \(stillOpen), answered \(answered); \
            chunk connection closed after \(String(format: "%.2f", chunkSeconds)) s answering "\(chunkAnswer.split(separator: "\r\n").first ?? "nothing")"; \
            metrics after: rejected perClient \(rejectedAfter ?? -1), timed out \(timedOut ?? -1); /readyz after \(readyAfter.status)
            """)
        #expect(stillOpen == 0)
        #expect(answered == 0, "idle and trickling connections get no answer, only a close")
        #expect(stillHeld, "the checks during the attack ran before the head timeout")
        // One client holds at most its share; the rest of its connections were closed on accept.
        #expect(closedAtOnce == Self.idleConnections - Self.perClient)
        #expect(closedByTimeout == Self.perClient + 5, "the admitted idle connections and the trickling ones")
        #expect(rejectedAfter == Double(Self.idleConnections - Self.perClient))
        #expect(timedOut == Double(Self.perClient + 5))
        // During the attack: the attacker's 100, the trickling 5, the chunk's 1 and this client's few, no more.
        #expect((openDuring ?? .infinity) <= Double(Self.perClient + 5 + 1 + 4), "\(openDuring ?? -1)")
        #expect(chunkAnswer.hasPrefix("HTTP/1.1 413 "), "\(chunkAnswer)")
        #expect(chunkClosed != nil && chunkSeconds < Self.headerTimeout - 1, "the huge chunk is refused when its size arrives, not held")
        #expect(readyAfter.status == 200)

        try await Self.expectEveryCallRecorded(scene)
    }

    /// Many clients, each within its own bound, together reach the total: HTTP stops at the soft
    /// limit minus the reserve (624 connections), the rest are closed on accept, and the
    /// descriptors recordings need stay free.
    @Test func manyClientsStopAtTheDescriptorBudgetAndCallsAreStillRecorded() async throws {
        let scene = try await Self.start("many-clients")
        defer { scene.kill() }
        var idle: [RawTCPConnection] = []
        for client in 1...(Self.idleConnections / Self.perClient) {
            for _ in 0..<Self.perClient {
                idle.append(try RawTCPConnection(from: "127.0.41.\(client)", to: "127.0.0.1", port: scene.port))
            }
        }
        async let watchedCloses = RawTCPConnection.watchCloses(of: idle, timeout: Self.headerTimeout + 30)
        // With every place taken, a new client is refused too (told, not asserted: this client may
        // still hold a keep-alive connection from its first /readyz, and then it is answered).
        let readyDuring = (try? await scene.server.get("/readyz")).map { "\($0.status)" } ?? "refused"
        let outcomes = await watchedCloses
        let readyAfter = try await scene.server.get("/readyz")
        let metrics = try await scene.server.get("/metrics").text
        let refusedTotal = Self.sample(metrics, #"calltap_http_connections_rejected_total{cause="total"}"#) ?? -1
        let refusedPerClient = Self.sample(metrics, #"calltap_http_connections_rejected_total{cause="perClient"}"#) ?? -1
        let timedOut = Self.sample(metrics, #"calltap_http_connections_timed_out_total{cause="requestHeader"}"#) ?? -1
        let stillOpen = outcomes.filter { $0 == nil }.count
        print("""
            many clients: \(idle.count) idle connections from \(Self.idleConnections / Self.perClient) addresses; \
            refused total \(refusedTotal), perClient \(refusedPerClient); timed out \(timedOut); still open \(stillOpen); \
            /readyz during \(readyDuring), after \(readyAfter.status)
            """)
        #expect(stillOpen == 0)
        // What was not refused was admitted and timed out: together every connection, and no more
        // admitted than the budget (the test's own keep-alive connection may hold one place).
        #expect(refusedTotal + timedOut == Double(idle.count))
        #expect(timedOut <= Double(Self.effectiveMaxConnections))
        #expect(refusedTotal >= Double(idle.count - Self.effectiveMaxConnections))
        #expect(refusedPerClient == 0)
        #expect(readyAfter.status == 200)
        try await Self.expectEveryCallRecorded(scene)
    }

    /// The value of one sample line of Prometheus text (`name{labels} value`), nil when absent.
    static func sample(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }
}

