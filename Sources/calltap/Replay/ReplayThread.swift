import Atomics
import Control
import Engine
import Foundation
import ServiceLifecycle

/// A paced replay as a service beside the HTTP server: the engine runs on a thread of its own;
/// when the capture ends the service returns and the group shuts the server down. A signal
/// stops the replay early.
final class ReplayThread: Service, @unchecked Sendable {
    private let engine: CaptureEngine
    private let source: PacketSource
    private let schedule: [ScheduledJob]
    private let plane: ControlPlane
    private let stop = ManagedAtomic<Bool>(false)
    private(set) var summary: ReplaySummary?

    init(engine: CaptureEngine, source: PacketSource, schedule: [ScheduledJob], plane: ControlPlane) {
        self.engine = engine
        self.source = source
        self.schedule = schedule
        self.plane = plane
    }

    func run() async throws {
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            plane.setCapture(running: true, detail: "replaying")
            summary = engine.run(source, schedule: schedule, stop: stop)
            plane.setCapture(running: false, detail: "replay finished")
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
