import CalltapTestSupport
import Foundation
import Testing

/// deploy/: the Prometheus alert rules and the Grafana dashboard name only metrics a running
/// `calltap serve` exports (a rule on a misspelt metric never fires), and the dashboard is JSON
/// Grafana can import. Needs root (libpcap on `lo`).
@Suite(.serialized) struct DeployFilesLiveTests {
    @Test func rulesAndDashboardNameOnlyMetricsTheServerExports() async throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-deploy")
        let closed = try LivePorts.freeBlock(1)
        try """
        capture: { interfaces: [lo], filter: "udp port 9" }
        storage: { root: "\(dir)/recordings" }
        http: { bind: "127.0.0.1:0" }
        cluster: { broker: "amqp://guest:guest@127.0.0.1:\(closed)/", serverId: deploy-test }
        """.write(toFile: dir + "/calltap.yaml", atomically: true, encoding: .utf8)
        let server = try await LiveServer(config: dir + "/calltap.yaml", logPath: dir + "/serve.log")
        defer { server.kill() }
        // A request first, so that the latency histogram exists; a broker nobody listens on, so that
        // the broker's metrics are there (saying it is not connected).
        _ = try await server.get("/healthz")
        let text = try await Deadline.poll("the capture's heartbeat in /metrics", timeout: 15) { () -> String? in
            let text = try await server.get("/metrics").text
            return text.contains("calltap_capture_heartbeat_age_seconds") ? text : nil
        }
        let exported = Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap {
            $0.split(whereSeparator: { $0 == "{" || $0 == " " }).first.map(String.init)
        })
        #expect(exported.contains("calltap_broker_connected"))

        let deploy = RepositoryPaths.root.appendingPathComponent("deploy")
        let rules = try String(contentsOf: deploy.appendingPathComponent("prometheus/calltap-alerts.yml"), encoding: .utf8)
        let dashboard = try Data(contentsOf: deploy.appendingPathComponent("grafana/calltap-dashboard.json"))
        let parsed = try #require(try JSONSerialization.jsonObject(with: dashboard) as? [String: Any])
        #expect((parsed["panels"] as? [[String: Any]])?.isEmpty == false)
        for (name, content) in [("alert rules", rules), ("dashboard", String(decoding: dashboard, as: UTF8.self))] {
            let named = Set(content.matches(of: /calltap_[a-z_]+/).map { String($0.output) })
            #expect(named.count > 10, "\(name) name \(named.count) metrics")
            for metric in named {
                #expect(exported.contains(metric), "\(name) name \(metric), which the server does not export")
            }
        }
        // Each alert points at the runbook, which has a part of that name.
        let readme = try String(contentsOf: RepositoryPaths.root.appendingPathComponent("README.md"), encoding: .utf8)
        for runbook in rules.matches(of: /runbook: "README, Running in production: ([^"(]+)/) {
            let part = runbook.output.1.trimmingCharacters(in: .whitespaces)
            #expect(readme.contains("**\(part.prefix(1).uppercased() + part.dropFirst())"), "the runbook has no part '\(part)'")
        }
    }
}
