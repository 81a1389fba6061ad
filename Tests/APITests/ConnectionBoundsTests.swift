@testable import API
import CalltapTestSupport
import Control
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The server's own bounds on connections (issue 15): a request head must arrive in time, an
/// idle connection is closed, and connections beyond the bounds in all and per client are
/// closed as soon as they are accepted, each outcome counted in `/metrics`.
@Suite struct ConnectionBoundsTests {
    static let healthz = "GET /healthz HTTP/1.1\r\nHost: calltap\r\n\r\n"

    static func application(_ http: ServerConfiguration.HTTPSettings, metrics: RecorderMetrics) async -> some ApplicationProtocol {
        var configuration = Fixture.configuration()
        configuration.http = http
        return Application(router: buildRecorderRouter(service: await Fixture.recorder(), configuration: configuration, metrics: metrics),
                           server: .recorder(configuration, metrics: metrics, logger: Logger(label: "test")))
    }

    /// The value of one sample line of the Prometheus text (`name{labels} value`), nil when absent.
    static func sample(_ metrics: RecorderMetrics, _ series: String) -> Double? {
        for line in metrics.registry.emitToString().split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test func admissionBoundsEachClientAndTheTotal() {
        let metrics = RecorderMetrics()
        let admission = ConnectionAdmission(maxConnections: 3, maxConnectionsPerClient: 2, metrics: metrics, logger: Logger(label: "test"))
        #expect(admission.admit(client: "10.0.0.1") == nil)
        #expect(admission.admit(client: "10.0.0.1") == nil)
        #expect(admission.admit(client: "10.0.0.1") == .perClient)
        #expect(admission.admit(client: "10.0.0.2") == nil)
        #expect(admission.admit(client: "10.0.0.3") == .total)
        #expect(admission.openConnections == 3)
        admission.release(client: "10.0.0.1")
        #expect(admission.admit(client: "10.0.0.3") == nil, "a released place is free again")
        #expect(admission.admit(client: "10.0.0.1") == .total)
        #expect(Self.sample(metrics, #"calltap_http_connections_rejected_total{cause="perClient"}"#) == 1)
        #expect(Self.sample(metrics, #"calltap_http_connections_rejected_total{cause="total"}"#) == 2)
        #expect(Self.sample(metrics, "calltap_http_connections_open") == 3)
    }

    @Test func connectionsBeyondTheBoundsAreClosedOnAccept() async throws {
        var http = ServerConfiguration.HTTPSettings()
        // The test framework's own client holds one of the four.
        http.maxConnections = 4
        http.maxConnectionsPerClient = 2
        // The admitted connections wait for the others before they send: on a loaded machine that
        // took longer than the default head deadline, which then closed them. Not what is tested here.
        http.requestHeaderTimeoutSeconds = 300
        http.idleTimeoutSeconds = 300
        let metrics = RecorderMetrics()
        try await Self.application(http, metrics: metrics).test(.live) { client in
            let port = try #require(client.port)
            // Three from one client: the server's event loops admit them in no set order, so any one
            // of them may be the one refused; exactly one is, with nothing said.
            let three = try (0..<3).map { _ in try RawTCPConnection(from: "127.0.0.2", to: "127.0.0.1", port: port) }
            let refused = try await Deadline.poll("one of the client's three connections to be closed", timeout: 10) {
                three.firstIndex { $0.isClosedByPeer }
            }
            let refusedClosed = try #require(await three[refused].waitForClose(timeout: 10))
            #expect(refusedClosed.received.isEmpty)
            let admittedTwo = three.indices.filter { $0 != refused }.map { three[$0] }
            let first = admittedTwo[0], second = admittedTwo[1]
            #expect(!first.isClosedByPeer && !second.isClosedByPeer)
            let other = try RawTCPConnection(from: "127.0.0.3", to: "127.0.0.1", port: port)
            other.send(Self.healthz)
            #expect(String(decoding: await other.receive(timeout: 10, until: "\r\n\r\n"), as: UTF8.self).hasPrefix("HTTP/1.1 200"))
            let fourth = try RawTCPConnection(from: "127.0.0.4", to: "127.0.0.1", port: port)
            #expect(await fourth.waitForClose(timeout: 10) != nil, "a connection over the total is closed")
            for admitted in [first, second] {
                admitted.send(Self.healthz)
                #expect(String(decoding: await admitted.receive(timeout: 10, until: "\r\n\r\n"), as: UTF8.self).hasPrefix("HTTP/1.1 200"),
                        "admitted connections are served")
            }
            #expect(Self.sample(metrics, #"calltap_http_connections_rejected_total{cause="perClient"}"#) == 1)
            #expect(Self.sample(metrics, #"calltap_http_connections_rejected_total{cause="total"}"#) == 1)
            #expect(Self.sample(metrics, "calltap_http_connections_open") == 4)
            first.close()
            _ = try await Deadline.poll("the closed connection's place to be given back", timeout: 10) {
                Self.sample(metrics, "calltap_http_connections_open") == 3 ? true : nil
            }
            let fifth = try RawTCPConnection(from: "127.0.0.4", to: "127.0.0.1", port: port)
            fifth.send(Self.healthz)
            #expect(String(decoding: await fifth.receive(timeout: 10, until: "\r\n\r\n"), as: UTF8.self).hasPrefix("HTTP/1.1 200"),
                    "the freed place is taken")
        }
    }

    @Test func aRequestHeadThatDoesNotArriveInTimeClosesTheConnection() async throws {
        var http = ServerConfiguration.HTTPSettings()
        http.requestHeaderTimeoutSeconds = 0.5
        http.idleTimeoutSeconds = 60
        let metrics = RecorderMetrics()
        try await Self.application(http, metrics: metrics).test(.live) { client in
            let port = try #require(client.port)
            let silent = try RawTCPConnection(from: "127.0.0.1", to: "127.0.0.1", port: port)
            let partial = try RawTCPConnection(from: "127.0.0.1", to: "127.0.0.1", port: port)
            partial.send("GET /healthz HTTP/1.1\r\nHost: calltap\r\n")
            let prompt = try RawTCPConnection(from: "127.0.0.1", to: "127.0.0.1", port: port)
            prompt.send(Self.healthz)
            #expect(String(decoding: await prompt.receive(timeout: 10, until: "\r\n\r\n"), as: UTF8.self).hasPrefix("HTTP/1.1 200"))
            for connection in [silent, partial] {
                let closed = try #require(await connection.waitForClose(timeout: 20), "closed for want of a head")
                #expect(closed.received.isEmpty)
                #expect(closed.closedAt.timeIntervalSince(connection.opened) >= 0.4)
            }
            // The answered connection is idle now, not late: the idle timeout (60 s) applies, so it is open.
            #expect(!prompt.isClosedByPeer)
            // A later request on it has its own deadline from its first byte.
            let started = Date()
            prompt.send("GET /healthz HTTP/1.1\r\n")
            let closed = try #require(await prompt.waitForClose(timeout: 20), "a later request's head is late too")
            #expect(closed.closedAt.timeIntervalSince(started) >= 0.4)
            // The three, and the test framework's own client, which connected and has sent nothing.
            #expect(Self.sample(metrics, #"calltap_http_connections_timed_out_total{cause="requestHeader"}"#) == 4)
        }
    }

    @Test func anIdleConnectionIsClosedAfterTheIdleTimeout() async throws {
        var http = ServerConfiguration.HTTPSettings()
        http.requestHeaderTimeoutSeconds = 60
        http.idleTimeoutSeconds = 0.5
        try await Self.application(http, metrics: RecorderMetrics()).test(.live) { client in
            let port = try #require(client.port)
            let connection = try RawTCPConnection(from: "127.0.0.1", to: "127.0.0.1", port: port)
            // Timed from the request's sending: the answer, and the idle time after it, come later
            // (a loaded machine may hand the answer to this test well after the server sent it).
            let sent = Date()
            connection.send(Self.healthz)
            #expect(String(decoding: await connection.receive(timeout: 10, until: "\r\n\r\n"), as: UTF8.self).hasPrefix("HTTP/1.1 200"))
            let closed = try #require(await connection.waitForClose(timeout: 20), "closed when idle")
            #expect(closed.closedAt.timeIntervalSince(sent) >= 0.5)
        }
    }
}
