import CalltapTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `calltap serve` started as systemd starts a `Type=notify` service with `WatchdogSec=4s`:
/// `NOTIFY_SOCKET` names a datagram socket the test binds, `WATCHDOG_USEC` is 2 s; SIGHUP as
/// `systemctl reload` sends it. Needs root
/// (libpcap on `lo`).
@Suite(.serialized) struct ServiceNotificationLiveTests {
    @Test func serveSaysReadyFeedsTheWatchdogReloadsAndSaysStopping() async throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-notify")
        let listener = try NotifySocketListener(directory: dir)
        defer { listener.close() }
        try """
        capture: { interfaces: [lo], filter: "udp port 9" }
        storage: { root: "\(dir)/recordings" }
        http: { bind: "127.0.0.1:0" }
        """.write(toFile: dir + "/calltap.yaml", atomically: true, encoding: .utf8)
        let server = try await LiveServer(config: dir + "/calltap.yaml", logPath: dir + "/serve.log",
                                          environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "2000000"])
        defer { server.kill() }

        let ready = try await listener.wait(for: "READY=1", timeout: 15)
        // Ready means the API answers and the capture runs.
        let readiness = try await server.get("/readyz")
        #expect(readiness.status == 200, "\(readiness.text)")
        #expect(ready.value("STATUS")?.hasPrefix("capturing on lo: 0 calls in progress") == true, "\(ready.fields)")
        #expect(listener.messages.filter { $0.has("READY=1") }.count == 1)

        // Half of WATCHDOG_USEC: about one a second. Four more within 6 s, none before READY's time
        // counted, each with the status beside it.
        let start = NotifySocketListener.now()
        try await Deadline.poll("4 WATCHDOG=1 after READY=1", timeout: 8) { () -> Bool? in
            listener.messages.filter { $0.arrival > start && $0.has("WATCHDOG=1") }.count >= 4 ? true : nil
        }
        let fed = listener.messages.filter { $0.arrival > ready.arrival && $0.has("WATCHDOG=1") }
        #expect(fed.allSatisfy { $0.value("STATUS")?.hasPrefix("capturing on lo") == true }, "\(fed.map(\.fields))")
        let gaps = zip(fed.dropFirst(), fed).map { $0.arrival - $1.arrival }
        // A gap near 2 s would let systemd's watchdog fire; the interval is 1 s.
        #expect(gaps.allSatisfy { $0 > 0.5 && $0 < 1.9 }, "gaps between WATCHDOG=1: \(gaps)")

        // SIGHUP (systemctl reload): RELOADING=1 with the monotonic time systemd wants, then READY=1.
        let beforeReload = NotifySocketListener.now()
        kill(server.pid, SIGHUP)
        let reloading = try await listener.wait(for: "RELOADING=1", after: beforeReload, timeout: 10)
        #expect(reloading.value("MONOTONIC_USEC").flatMap { UInt64($0) } != nil, "\(reloading.fields)")
        try await listener.wait(for: "READY=1", after: reloading.arrival, timeout: 10)

        let beforeStop = NotifySocketListener.now()
        let status = try await server.terminate()
        #expect(status == 0, "\(server.log)")
        let stopping = try await listener.wait(for: "STOPPING=1", after: beforeStop, timeout: 5)
        #expect(!listener.messages.contains { $0.arrival > stopping.arrival && $0.has("WATCHDOG=1") })
        #expect(server.log.contains("capture stopped"))
    }

    @Test func withoutNotifySocketServeSaysNothingAboutIt() async throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-notify")
        try """
        capture: { interfaces: [lo], filter: "udp port 9" }
        storage: { root: "\(dir)/recordings" }
        http: { bind: "127.0.0.1:0" }
        """.write(toFile: dir + "/calltap.yaml", atomically: true, encoding: .utf8)
        unsetenv("NOTIFY_SOCKET")
        let server = try await LiveServer(config: dir + "/calltap.yaml", logPath: dir + "/serve.log")
        defer { server.kill() }
        #expect(try await server.get("/healthz").status == 200)
        #expect(try await server.terminate() == 0)
        #expect(!server.log.contains("notifying the service manager"), "\(server.log)")
    }
}
