import Atomics
import Control
import Engine
import Foundation
import Logging
import ServiceLifecycle

/// The capture thread as a service beside the HTTP server, for `serve` (live) and a paced
/// replay: the engine runs on a thread of its own (libpcap reads block) until its source ends or
/// graceful shutdown stops it; then every recording is finished and the store flushed. A live
/// capture that ends has failed; a replay that ends is done, and the group shuts down with it.
final class CaptureService: Service, @unchecked Sendable {
    private let engine: CaptureEngine
    private let source: PacketSource
    private let schedule: [ScheduledJob]
    private let plane: ControlPlane
    private let logger: Logger
    private let activity: String
    private let stop = ManagedAtomic<Bool>(false)
    /// The engine's summary once it has stopped.
    private(set) var summary: ReplaySummary?

    /// - Parameter activity: what `/readyz` says while it runs (`capturing`, `replaying`).
    init(engine: CaptureEngine, source: PacketSource, schedule: [ScheduledJob] = [], plane: ControlPlane,
         activity: String, logger: Logger) {
        self.engine = engine
        self.source = source
        self.schedule = schedule
        self.plane = plane
        self.activity = activity
        self.logger = logger
    }

    func run() async throws {
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            plane.setCapture(running: true, detail: activity)
            let summary = engine.run(source, schedule: schedule, stop: stop)
            plane.setCapture(running: false, detail: summary.truncation.map { "capture failed: \($0)" } ?? "\(activity) stopped")
            if let reason = summary.truncation {
                logger.error("capture failed", metadata: ["reason": "\(reason)"])
            }
            plane.tracker.flush()
            plane.leaveCluster()
            logger.notice("capture stopped", metadata: ["packets": "\(summary.packets)", "recordings": "\(summary.recordings)"])
            self.summary = summary
            finished.signal()
        }
        thread.name = "calltap-capture"
        thread.start()
        await withGracefulShutdownHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().async {
                    finished.wait()
                    continuation.resume()
                }
            }
        } onGracefulShutdown: { [stop] in
            stop.store(true, ordering: .relaxed)
        }
    }
}
