import CalltapTestSupport
import Control
import Foundation
import Testing

/// `calltap serve` announcing the recordings of live SIPp calls (docs/API.md "Announcements"):
/// to a real RabbitMQ node (a consumer bound to `calltap.recordings` by agent id) and to a
/// webhook (a python3 http.server that checks the signature itself and answers 500 before it
/// answers 200). Every body must be the sidecar on disk, byte for byte. Needs root (libpcap on
/// `lo`), sipp, sox, python3 and rabbitmq-server.
@Suite(.serialized, .enabled(if: BrokerNode.isInstalled, "needs rabbitmq-server (make test installs it)"))
struct AnnouncementLiveTests {
    static let node = BrokerNode(port: 5711, epmdPort: 4411)
    static let secret = "webhook-secret-7"

    /// The webhook receiver: answers 500 to its first `failFirst` requests, then 200; logs each
    /// request as a JSON line (time, headers, body, status, whether the signature verified).
    static let receiverScript = #"""
        import base64, hashlib, hmac, json, sys, threading, time
        from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
        port, secret, fail_first, log = int(sys.argv[1]), sys.argv[2].encode(), int(sys.argv[3]), sys.argv[4]
        lock = threading.Lock()
        seen = [0]
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
                with lock:
                    seen[0] += 1
                    status = 500 if seen[0] <= fail_first else 200
                    entry = {"time": time.time(), "status": status, "path": self.path,
                             "signatureValid": hmac.compare_digest(expected, self.headers.get("X-Calltap-Signature", "")),
                             "recording": self.headers.get("X-Calltap-Recording"), "revision": self.headers.get("X-Calltap-Revision"),
                             "delivery": self.headers.get("X-Calltap-Delivery"), "attempt": self.headers.get("X-Calltap-Attempt"),
                             "contentType": self.headers.get("Content-Type"), "body": base64.b64encode(body).decode()}
                    with open(log, "a") as f:
                        f.write(json.dumps(entry) + "\n")
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            def log_message(self, *args):
                pass
        ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
        """#

    /// One request the receiver logged.
    struct Received {
        var time: Double
        var status: Int
        var signatureValid: Bool
        var recording: String
        var revision: Int
        var delivery: String
        var attempt: Int
        var contentType: String
        var body: Data
    }

    final class Receiver {
        let process: Process
        let logPath: String

        init(port: Int, failFirst: Int, dir: String) throws {
            let script = dir + "/receiver.py"
            try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
            logPath = dir + "/receiver-\(UUID().uuidString).log"
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = [script, "\(port)", AnnouncementLiveTests.secret, "\(failFirst)", logPath]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        static var script: String { AnnouncementLiveTests.receiverScript }

        var requests: [Received] {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { line in
                guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
                return Received(time: o["time"] as? Double ?? 0, status: o["status"] as? Int ?? 0,
                                signatureValid: o["signatureValid"] as? Bool ?? false,
                                recording: o["recording"] as? String ?? "", revision: Int(o["revision"] as? String ?? "") ?? 0,
                                delivery: o["delivery"] as? String ?? "", attempt: Int(o["attempt"] as? String ?? "") ?? 0,
                                contentType: o["contentType"] as? String ?? "",
                                body: Data(base64Encoded: o["body"] as? String ?? "") ?? Data())
            }
        }

        var acknowledged: [Received] { requests.filter { $0.status == 200 } }

        /// SIGKILL: a child of the test process may inherit SIGTERM blocked.
        func stop() {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
    }

    /// Two calls on their own addresses: one to agent 7 (`callee`), one to a number no agent has.
    static func plans() throws -> [SIPpCall.Plan] {
        let base = try LivePorts.freeBlock(24)
        var toAgent = SIPpCall.Plan(callerIP: "127.0.61.1", calleeIP: "127.0.61.2", portBase: base, seconds: 4)
        toAgent.calleeHertz = 1100
        var toNobody = SIPpCall.Plan(callerIP: "127.0.61.3", calleeIP: "127.0.61.4", portBase: base + 12,
                                     calleeUser: "customer", seconds: 4)
        toNobody.calleeHertz = 900
        return [toAgent, toNobody]
    }

    static func config(dir: String, plans: [SIPpCall.Plan], broker: String?, webhookPort: Int) throws -> String {
        let path = dir + "/calltap.yaml"
        let ports = plans.flatMap(\.sipPorts).map(String.init).joined(separator: ", ")
        try """
        capture:
          interfaces: [lo]
          filter: "udp and net 127.0.61.0/24"
          sipPorts: [\(ports)]
        storage: { root: "\(dir)/recordings", commitDelaySeconds: 0.5 }
        http: { bind: "127.0.0.1:0" }
        calls: { recordWithoutAgent: true }
        cluster: { \(broker.map { "broker: \"\($0)\", " } ?? "")serverId: announce-test, blackoutExchange: "test.blackouts.announce.\(UUID().uuidString)" }
        notify:
          webhooks:
            - { url: "http://127.0.0.1:\(webhookPort)/calltap/recordings", secret: "\(secret)" }
          retryFirstSeconds: 0.5
          retryMaxSeconds: 4
          timeoutSeconds: 3
        agents:
          - { id: 7, businessUnit: 1, phone: "callee", systemUsername: agent7, deviceId: "dev-7", policy: always }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The sidecars on disk by recording identifier, as bytes.
    static func sidecars(under root: String) throws -> [String: Data] {
        var found: [String: Data] = [:]
        for path in RepositoryPaths.files(under: root, withExtension: "json") {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            if let id = object?["RecordingIdentifier"] as? String { found[id] = data }
        }
        return found
    }

    static func metric(_ text: String, _ name: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test func everyRecordingReachesTheBrokerAndTheWebhookAsOnDiskAndSoDoesALateUpdate() async throws {
        try Self.node.start()
        defer { try? Self.node.stop() }
        let dir = RepositoryPaths.temporaryDirectory("calltap-announce")
        let plans = try Self.plans()
        let webhookPort = try LivePorts.freeBlock(2)
        let receiver = try Receiver(port: webhookPort, failFirst: 3, dir: dir)
        defer { receiver.stop() }

        // The consumer a CRM would run: a queue bound to calltap.recordings by agent id (and `none`).
        var consumerSettings = BrokerSettings(url: Self.node.url, serverId: "crm-consumer")
        consumerSettings.blackoutExchange = "test.blackouts.consumer.\(UUID().uuidString)"
        consumerSettings.screenExchange = "calltap.recordings"
        consumerSettings.screenBindings = ["7", "none"]
        let messages = Collected<BrokerDelivery>()
        let consumer = try BrokerConnection(settings: consumerSettings, onDelivery: { messages.append($0) })
        consumer.start()
        defer { consumer.stop() }
        _ = try await Deadline.poll("the consumer to be bound", timeout: 30) { consumer.state == .connected ? true : nil }

        let server = try await LiveServer(config: try Self.config(dir: dir, plans: plans, broker: Self.node.url, webhookPort: webhookPort),
                                          logPath: dir + "/serve.log")
        defer { server.kill() }
        _ = try await Deadline.poll("serve to be ready", timeout: 30) { try await server.get("/readyz").status == 200 ? true : nil }

        var calls: [SIPpCall] = []
        defer { calls.forEach { $0.kill() } }
        for (i, plan) in plans.enumerated() { calls.append(try await SIPpCall(plan, directory: dir + "/sipp-\(i)")) }
        for call in calls { try await call.waitForEnd(timeout: 30) }

        // Both recordings reach the consumer and the webhook (after its three 500s).
        _ = try await Deadline.poll("two messages and two acknowledged webhook deliveries", timeout: 40) { () -> Bool? in
            messages.all.count >= 2 && receiver.acknowledged.count >= 2 ? true : nil
        }
        let storage = dir + "/recordings"
        let onDisk = try Self.sidecars(under: storage)
        #expect(onDisk.count == 2)
        #expect(messages.all.count == 2, "one message per recording: \(messages.all.map { $0.messageId ?? "?" })")
        for message in messages.all {
            let id = try #require(message.messageId)
            #expect(message.body == Array(onDisk[id] ?? Data()), "the message for \(id) is its sidecar as on disk")
            #expect(message.exchange == "calltap.recordings")
            #expect(message.contentType == "application/json")
            #expect(message.deliveryMode == 2, "persistent")
            #expect(message.senderId == "announce-test")
            let agent = (try JSONSerialization.jsonObject(with: Data(message.body)) as? [String: Any])?["AgentId"] as? Int
            #expect(message.routingKey == (agent.map(String.init) ?? "none"))
        }
        #expect(Set(messages.all.map(\.routingKey)) == ["7", "none"])
        let acknowledged = receiver.acknowledged
        #expect(Set(acknowledged.map(\.recording)) == Set(onDisk.keys))
        for delivery in acknowledged {
            #expect(delivery.body == onDisk[delivery.recording], "the webhook got \(delivery.recording) as on disk")
            #expect(delivery.signatureValid)
            #expect(delivery.revision == 1 && delivery.delivery == delivery.recording)
            #expect(delivery.contentType == "application/json")
        }
        // The three 500s were retried, each after a longer wait than the one before.
        let requests = receiver.requests
        #expect(requests.prefix(3).allSatisfy { $0.status == 500 && $0.signatureValid })
        let gaps = zip(requests.dropFirst(), requests).prefix(3).map { $0.time - $1.time }
        print("webhook retry gaps: \(gaps.map { String(format: "%.2f s", $0) })")
        #expect(gaps.count == 3 && gaps[0] < gaps[1] && gaps[1] < gaps[2], "gaps \(gaps)")
        #expect(gaps.first.map { $0 >= 0.35 } == true, "the first retry waits about retryFirstSeconds (0.5 s): \(gaps)")
        #expect(try await server.get("/readyz").status == 200)

        // A metadata update after the call ended rewrites the agent's sidecar: revision 2 goes out.
        let agentRecording = try #require(messages.all.first { $0.routingKey == "7" }?.messageId)
        let update = try await server.post("/api/Record/UpdateForAgent",
                                           ["AgentIdentifier": "Phone", "Value": "callee", "CallMetadata": ["user1": "after-the-call"]])
        #expect(update.status == 200, "\(update.text)")
        _ = try await Deadline.poll("revision 2 on the broker and the webhook", timeout: 20) { () -> Bool? in
            messages.all.contains { $0.messageId == agentRecording + "/2" }
                && receiver.acknowledged.contains { $0.delivery == agentRecording + "/2" } ? true : nil
        }
        let rewritten = try #require(try Self.sidecars(under: storage)[agentRecording])
        #expect(String(decoding: rewritten, as: UTF8.self).contains("after-the-call"))
        let second = try #require(messages.all.first { $0.messageId == agentRecording + "/2" })
        #expect(second.body == Array(rewritten))
        #expect(second.routingKey == "7")
        let secondHook = try #require(receiver.acknowledged.first { $0.delivery == agentRecording + "/2" })
        #expect(secondHook.body == rewritten && secondHook.revision == 2 && secondHook.signatureValid)

        // Nothing pending; what was delivered and what failed, per destination.
        let metrics = try await Deadline.poll("the outbox to be empty", timeout: 5) { () -> String? in
            let text = try await server.get("/metrics").text
            return text.contains(#"calltap_announcements_pending{destination="broker"} 0"#)
                && text.contains(#"calltap_announcements_pending{destination="http://127.0.0.1:\#(webhookPort)/calltap/recordings"} 0"#)
                ? text : nil
        }
        #expect(metrics.contains(#"calltap_announcements_delivered_total{destination="broker"} 3"#), "\(metrics)")
        #expect(metrics.contains(#"calltap_announcement_failures_total{destination="http://127.0.0.1:\#(webhookPort)/calltap/recordings"} 3"#))
        #expect(server.log.contains("announcement not delivered"), "a failure is logged")
        #expect(try await server.terminate() == 0)
    }

    @Test func aRestartWhileTheWebhookIsDownLosesNothing() async throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-announce-restart")
        var plans = try Self.plans()
        plans[1].seconds = 14  // still up when the server is killed: recovered, then recorded on after the restart
        let webhookPort = try LivePorts.freeBlock(2)
        let config = try Self.config(dir: dir, plans: plans, broker: nil, webhookPort: webhookPort)
        var server = try await LiveServer(config: config, logPath: dir + "/serve-1.log")
        defer { server.kill() }
        _ = try await Deadline.poll("serve to be ready", timeout: 30) { try await server.get("/readyz").status == 200 ? true : nil }

        var calls: [SIPpCall] = []
        defer { calls.forEach { $0.kill() } }
        for (i, plan) in plans.enumerated() { calls.append(try await SIPpCall(plan, directory: dir + "/sipp-\(i)")) }
        try await calls[0].waitForEnd(timeout: 30)
        // Nobody listens on the webhook's port: the first recording waits, failing, and the
        // server stays ready (a dead receiver is not a recorder fault).
        let label = "http://127.0.0.1:\(webhookPort)/calltap/recordings"
        _ = try await Deadline.poll("the first recording to wait in the outbox after failures", timeout: 20) { () -> Bool? in
            let text = try await server.get("/metrics").text
            return (Self.metric(text, #"calltap_announcements_pending{destination="\#(label)"}"#) ?? 0) >= 1
                && (Self.metric(text, #"calltap_announcement_failures_total{destination="\#(label)"}"#) ?? 0) >= 2 ? true : nil
        }
        #expect(try await server.get("/readyz").status == 200)
        server.kill()

        server = try await LiveServer(config: config, logPath: dir + "/serve-2.log")
        _ = try await Deadline.poll("serve to be ready again", timeout: 30) { try await server.get("/readyz").status == 200 ? true : nil }
        try await calls[1].waitForEnd(timeout: 40)
        // The receiver comes up: everything recorded before and after the kill reaches it.
        let receiver = try Receiver(port: webhookPort, failFirst: 0, dir: dir)
        defer { receiver.stop() }
        let storage = dir + "/recordings"
        _ = try await Deadline.poll("every sidecar on disk delivered, outbox empty", timeout: 40) { () -> Bool? in
            let onDisk = try Self.sidecars(under: storage)
            let text = try await server.get("/metrics").text
            return onDisk.count >= 3 && Set(receiver.acknowledged.map(\.recording)) == Set(onDisk.keys)
                && Self.metric(text, #"calltap_announcements_pending{destination="\#(label)"}"#) == 0 ? true : nil
        }
        _ = try await server.terminate()
        let onDisk = try Self.sidecars(under: storage)
        print("restart: \(onDisk.count) sidecars on disk, \(receiver.acknowledged.count) deliveries acknowledged")
        for (id, data) in onDisk {
            // The latest delivery of each recording is its sidecar as on disk, signed.
            let latest = try #require(receiver.acknowledged.last { $0.recording == id }, "\(id) delivered")
            #expect(latest.body == data, "\(id) as on disk")
            #expect(latest.signatureValid)
        }
        let recovered = onDisk.values.compactMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
            .filter { $0["EndReason"] as? String == "interrupted" }
        #expect(recovered.count == 1, "the recording open at the kill was recovered, and announced")
    }
}
