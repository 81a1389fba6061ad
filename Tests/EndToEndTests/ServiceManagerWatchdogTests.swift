@testable import calltap
import Atomics
import CalltapTestSupport
import Control
import Engine
import Foundation
import Logging
import ServiceLifecycle
import Testing
import Wire

/// systemd's watchdog is fed only while the capture thread makes progress: here the capture
/// service runs on a source whose read can be made to hang (as a libpcap read stuck in the
/// kernel would), and the reporter's datagrams go to a socket the test binds.
@Suite struct ServiceManagerWatchdogTests {
    /// Idle reads every 10 ms (each one a heartbeat) until `hang()`; then the read blocks until `resume()`.
    final class HangingSource: PacketSource, @unchecked Sendable {
        let linkTypes: [LinkType] = [.ethernet]
        private let hanging = ManagedAtomic<Bool>(false)
        private let resumed = DispatchSemaphore(value: 0)

        func next() -> SourceRead {
            if hanging.load(ordering: .acquiring) {
                resumed.wait()
                hanging.store(false, ordering: .releasing)
            }
            usleep(10_000)
            return .idle(nanos: LiveCapture.wallNanos())
        }

        func hang() { hanging.store(true, ordering: .releasing) }
        func resume() { resumed.signal() }
    }

    @Test func aStalledCaptureStopsFeedingTheWatchdogUntilItMovesAgain() async throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-watchdog")
        let listener = try NotifySocketListener(directory: dir)
        defer { listener.close() }
        var configuration = ServerConfiguration()
        configuration.engine.storageRoot = dir + "/recordings"
        configuration.engine.mediaWorkers = 1
        configuration.capture.stallSeconds = 0.5
        let engine = CaptureEngine(configuration: configuration.engine)
        let plane = ControlPlane(configuration: configuration, engine: engine, store: nil)
        let source = HangingSource()
        let logger = Logger(label: "calltap.test")
        // WATCHDOG_USEC 0.4 s: WATCHDOG=1 every 0.2 s while the capture progresses.
        let notifier = try #require(try ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "400000"]))
        #expect(notifier.watchdogInterval == .milliseconds(200))
        let reporter = ServiceManagerReporter(notifier: notifier, plane: plane, httpListening: ManagedAtomic(true),
                                              interfaces: ["test0"], logger: logger)
        let capture = CaptureService(engine: engine, source: source, plane: plane, activity: "capturing", logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: capture), .init(service: reporter)], logger: logger))
        let running = Task { try await group.run() }

        let ready = try await listener.wait(for: "READY=1", timeout: 10)
        #expect(ready.value("STATUS") == "capturing on test0: 0 calls in progress, 0 recordings open")
        try await Deadline.poll("3 WATCHDOG=1 after READY=1", timeout: 5) { () -> Bool? in
            listener.messages.filter { $0.arrival > ready.arrival && $0.has("WATCHDOG=1") }.count >= 3 ? true : nil
        }

        source.hang()
        let stalled = try await Deadline.poll("a STATUS saying the capture stalled", timeout: 5) {
            listener.messages.first { $0.value("STATUS")?.hasPrefix("capture stalled: no progress for") == true }
        }
        // Five watchdog intervals later: not fed since the stall was seen, the status still says why.
        try await Task.sleep(for: .seconds(1))
        let afterStall = listener.messages.filter { $0.arrival > stalled.arrival }
        #expect(!afterStall.contains { $0.has("WATCHDOG=1") }, "\(afterStall.map(\.fields))")
        #expect(afterStall.count >= 3 && afterStall.allSatisfy { $0.value("STATUS")?.hasPrefix("capture stalled") == true },
                "\(afterStall.map(\.fields))")

        let resumedAt = NotifySocketListener.now()
        source.resume()
        let fedAgain = try await listener.wait(for: "WATCHDOG=1", after: resumedAt, timeout: 5)
        #expect(fedAgain.value("STATUS")?.hasPrefix("capturing on test0") == true)

        let stoppingFrom = NotifySocketListener.now()
        await group.triggerGracefulShutdown()
        let stopping = try await listener.wait(for: "STOPPING=1", after: stoppingFrom, timeout: 10)
        try await running.value
        #expect(!listener.messages.contains { $0.arrival > stopping.arrival && $0.has("WATCHDOG=1") })
        #expect(plane.captureHealth.running == false)
    }

    @Test func theEnvironmentDecidesWhatIsSent() throws {
        #expect(try ServiceManagerNotifier(environment: [:]) == nil)
        #expect(try ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": ""]) == nil)
        let abstract = try #require(try ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": "@calltap/test"]))
        #expect(abstract.watchdogInterval == nil)
        // The watchdog is another process's: not fed from here.
        let other = try #require(try ServiceManagerNotifier(environment: [
            "NOTIFY_SOCKET": "/run/notify", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid() + 1)"]))
        #expect(other.watchdogInterval == nil)
        let own = try #require(try ServiceManagerNotifier(environment: [
            "NOTIFY_SOCKET": "/run/notify", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "\(getpid())"]))
        #expect(own.watchdogInterval == .seconds(15))
        #expect(throws: ServiceManagerNotifierError.self) { try ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": "relative.sock"]) }
    }

    /// An abstract socket ('@' name) gets the datagrams too.
    @Test func anAbstractSocketIsReached() throws {
        let name = "calltap-test-\(UUID().uuidString)"
        let receiver = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(receiver) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = [UInt8(0)] + Array(name.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(receiver, $0, length) } }
        #expect(bound == 0)
        let notifier = try #require(try ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": "@" + name]))
        #expect(notifier.notify("READY=1", "STATUS=test"))
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { recv(receiver, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        #expect(count > 0 && String(decoding: buffer[0..<max(count, 0)], as: UTF8.self) == "READY=1\nSTATUS=test")
    }
}
