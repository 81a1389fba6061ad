import Atomics
import Control
import Engine
import Foundation
import Logging
import ServiceLifecycle

/// The capture thread as a service: it runs the engine on a thread of its own (libpcap reads
/// block) until graceful shutdown, then finishes every recording and flushes the store.
final class CaptureLoop: Service, @unchecked Sendable {
    private let engine: CaptureEngine
    private let source: PacketSource
    private let plane: ControlPlane
    private let store: TrackerStore?
    private let logger: Logger
    private let stop = ManagedAtomic<Bool>(false)

    init(engine: CaptureEngine, source: PacketSource, plane: ControlPlane, store: TrackerStore?, logger: Logger) {
        self.engine = engine
        self.source = source
        self.plane = plane
        self.store = store
        self.logger = logger
    }

    func run() async throws {
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            plane.setCapture(running: true, detail: "capturing")
            let summary = engine.run(source, stop: stop)
            plane.setCapture(running: false, detail: summary.truncation.map { "capture failed: \($0)" } ?? "capture stopped")
            if let reason = summary.truncation {
                logger.error("capture failed", metadata: ["reason": "\(reason)"])
            }
            plane.tracker.flush()
            logger.notice("capture stopped", metadata: ["packets": "\(summary.packets)", "recordings": "\(summary.recordings)"])
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
