import Atomics
import Control
import Foundation
import Logging
import ServiceLifecycle

/// What `serve` tells systemd under `Type=notify` (through `ServiceManagerNotifier`): `READY=1`
/// once the capture loop runs and the HTTP API listens; `WATCHDOG=1` every half `WatchdogSec=`
/// only while the capture thread makes progress (`ControlPlane.captureHealth`, the heartbeat
/// `/readyz` judges by), so that a stalled capture gets the service restarted; a `STATUS=` line
/// with the calls in progress; `STOPPING=1` when a graceful shutdown begins. It reads what the
/// engine publishes and never touches the packet path. Listed last in the service group, so that
/// it is the first to hear of a shutdown.
final class ServiceManagerReporter: Service, @unchecked Sendable {
    private let notifier: ServiceManagerNotifier
    private let plane: ControlPlane
    private let httpListening: ManagedAtomic<Bool>
    private let interfaces: String
    private let logger: Logger

    /// - Parameter httpListening: set once the HTTP server listens (its `onServerRunning`).
    init(notifier: ServiceManagerNotifier, plane: ControlPlane, httpListening: ManagedAtomic<Bool>,
         interfaces: [String], logger: Logger) {
        self.notifier = notifier
        self.plane = plane
        self.httpListening = httpListening
        self.interfaces = interfaces.joined(separator: ",")
        self.logger = logger
    }

    func run() async throws {
        logger.notice("notifying the service manager", metadata: [
            "socket": "\(notifier.socketName)",
            "watchdog": "\(notifier.watchdogInterval.map { "every \($0)" } ?? "off")"])
        // Cancelled when the shutdown begins (or the group is cancelled); the sleeps end then.
        await cancelWhenGracefulShutdown { [self] in
            do {
                try await waitUntilReady()
                try await report()
            } catch {}
        }
        notifier.notify("STOPPING=1", "STATUS=stopping: finishing open recordings")
    }

    /// Until capture and HTTP are up; the watchdog is fed meanwhile (`TimeoutStartSec=` bounds a start).
    private func waitUntilReady() async throws {
        var lastFed = ContinuousClock.now
        while !(httpListening.load(ordering: .relaxed) && plane.captureHealth.running
                && plane.engine.monitor.heartbeatAgeSeconds != nil) {
            if let interval = notifier.watchdogInterval, ContinuousClock.now - lastFed >= interval {
                notifier.notify("WATCHDOG=1")
                lastFed = .now
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        notifier.notify("READY=1", "STATUS=" + status(plane.captureHealth))
        logger.notice("told the service manager: ready")
    }

    /// Each half watchdog period (or 5 s without one): `WATCHDOG=1` if the capture progresses, and the status.
    private func report() async throws {
        var withheld = false
        while true {
            let health = plane.captureHealth
            if notifier.watchdogInterval != nil {
                if health.running {
                    notifier.notify("WATCHDOG=1", "STATUS=" + status(health))
                    if withheld { logger.notice("capture progresses again: feeding the watchdog") }
                } else {
                    notifier.notify("STATUS=" + status(health))
                    if !withheld {
                        logger.error("capture not progressing: the watchdog is no longer fed, systemd will restart the service",
                                     metadata: ["capture": "\(health.detail)"])
                    }
                }
                withheld = !health.running
            } else {
                notifier.notify("STATUS=" + status(health))
            }
            try await Task.sleep(for: notifier.watchdogInterval ?? .seconds(5))
        }
    }

    /// `capturing on eth1: 3 calls in progress, 2 recordings open`, or what is wrong with capture.
    private func status(_ health: (running: Bool, detail: String)) -> String {
        guard health.running else { return health.detail.hasPrefix("captur") ? health.detail : "capture " + health.detail }
        let statistics = plane.engine.monitor.statistics
        let calls = statistics.callsActive == 1 ? "1 call" : "\(statistics.callsActive) calls"
        let recordings = statistics.recordingsOpen == 1 ? "1 recording" : "\(statistics.recordingsOpen) recordings"
        return "capturing on \(interfaces): \(calls) in progress, \(recordings) open"
    }
}
