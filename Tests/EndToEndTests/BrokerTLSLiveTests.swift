import CalltapTestSupport
import Foundation
import Testing

/// The cluster over `amqps://`: a RabbitMQ node of this suite's own with a TLS listener on
/// loopback that asks every client for a certificate, and certificates made by openssl here.
/// Two `calltap serve` processes with the right CA and client certificates share a blackout
/// (state and audit trail); one that trusts another CA, and one without a client certificate,
/// are refused, and say so in `/readyz`, `/metrics` and the log. Needs root (libpcap on `lo`),
/// openssl and rabbitmq-server.
@Suite(.serialized, .enabled(if: BrokerNode.isInstalled, "needs rabbitmq-server (make test installs it)"))
struct BrokerTLSLiveTests {
    let agent: [String: Any] = ["AgentIdentifier": "Phone", "Value": "callee"]

    @Test func blackoutsTravelOverTLSAndAnUntrustedBrokerOrClientIsRefused() async throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-amqps")
        // The node runs as rabbitmq: it must reach the certificates.
        chmod(dir, 0o755)
        let certificates = TestCertificates(directory: dir)
        try certificates.makeCA("ca")
        try certificates.makeCA("other-ca")
        try certificates.issue("broker", subject: "broker", by: "ca", serverNames: ["DNS:localhost"])
        try certificates.issue("recorder", subject: "recorder", by: "ca", client: true)
        let node = BrokerNode(port: 5791, epmdPort: 4391, tls: .init(
            port: 5792, caFile: certificates.path("ca"), certificate: certificates.path("broker"),
            privateKey: certificates.keyPath("broker"), requiresClientCertificate: true))
        try node.start()
        defer { try? node.stop() }
        let exchange = "test.blackouts.amqps.\(UInt32.random(in: 0...UInt32.max))"

        func server(_ name: String, tls: String) async throws -> LiveServer {
            let folder = dir + "/" + name
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try """
            capture: { interfaces: [lo], filter: "udp port 9" }
            storage: { root: "\(folder)/recordings" }
            http: { bind: "127.0.0.1:0" }
            cluster:
              broker: "amqps://guest:guest@localhost:5792/"
              serverId: recorder-\(name)
              blackoutExchange: "\(exchange)"
              tls: \(tls)
            agents:
              - { id: 7, phone: "callee", policy: always }
            """.write(toFile: folder + "/calltap.yaml", atomically: true, encoding: .utf8)
            return try await LiveServer(config: folder + "/calltap.yaml", logPath: dir + "/\(name).log")
        }
        let trusted = "{ caFile: \"\(certificates.path("ca"))\", certificate: \"\(certificates.path("recorder"))\", privateKey: \"\(certificates.keyPath("recorder"))\" }"
        let a = try await server("a", tls: trusted)
        defer { a.kill() }
        let b = try await server("b", tls: trusted)
        defer { b.kill() }
        for s in [a, b] {
            _ = try await Deadline.poll("both servers connected over TLS", timeout: 30) {
                try await s.get("/readyz").status == 200 ? true : nil
            }
            #expect(try await s.get("/metrics").text.contains("calltap_broker_connected 1"))
        }
        #expect(a.log.contains("amqps://guest@localhost:5792/"), "the log names the TLS broker: \(a.log.suffix(1500))")

        // A blackout started on A reaches B over TLS, with its request in B's audit trail.
        let started = try await a.post("/api/Blackout/StartForAgent", agent)
        #expect(started.status == 200 && (started.object["Applied"] as? [String: Any])?["Shared"] as? Bool == true, "\(started.text)")
        _ = try await Deadline.poll("B to black the agent out", timeout: 10) { () -> Bool? in
            let blackout = try await b.agent(phone: "callee")["Blackout"] as? [String: Any]
            return blackout?["Active"] as? Bool == true && blackout?["Origin"] as? String == "recorder-a" ? true : nil
        }
        let trail = try await b.get("/api/Audit").object["Items"] as? [[String: Any]] ?? []
        #expect(trail.contains { $0["Action"] as? String == "POST /api/Blackout/StartForAgent" && $0["Origin"] as? String == "recorder-a" },
                "\(trail)")
        #expect(try await a.post("/api/Blackout/StopForAgent", agent).status == 200)
        _ = try await Deadline.poll("B to end it", timeout: 10) { () -> Bool? in
            let blackout = try await b.agent(phone: "callee")["Blackout"] as? [String: Any]
            return blackout?["Active"] as? Bool == false ? true : nil
        }

        // A server that trusts another CA, and one without a client certificate: refused.
        let strangerCA = try await server("c", tls: "{ caFile: \"\(certificates.path("other-ca"))\", certificate: \"\(certificates.path("recorder"))\", privateKey: \"\(certificates.keyPath("recorder"))\" }")
        defer { strangerCA.kill() }
        let noCertificate = try await server("d", tls: "{ caFile: \"\(certificates.path("ca"))\" }")
        defer { noCertificate.kill() }
        for (s, label) in [(strangerCA, "another CA"), (noCertificate, "no client certificate")] {
            _ = try await Deadline.poll("\(label): the failure in the log", timeout: 20) { () -> Bool? in
                s.log.contains("broker") && s.log.contains("SSL") ? true : nil
            }
            let readiness = try await s.get("/readyz")
            #expect(readiness.status == 503, "\(label): \(readiness.text)")
            let metrics = try await s.get("/metrics").text
            #expect(metrics.contains("calltap_broker_connected 0"), "\(label)")
            #expect((HostileClientLiveTests.sample(metrics, "calltap_broker_connection_failures_total") ?? 0) >= 1,
                    "\(label): failures are counted")
        }
        #expect(strangerCA.log.contains("SSL peer cert verification failed"), "\(strangerCA.log.suffix(1500))")
        #expect(noCertificate.log.contains("does the broker ask for a client certificate?"), "\(noCertificate.log.suffix(1500))")
        #expect(try await a.terminate() == 0)
        #expect(try await b.terminate() == 0)
    }
}
