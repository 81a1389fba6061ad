import Control
import ServiceLifecycle

/// The retention sweeper as one of `serve`'s services: it runs from start to shutdown, and a
/// shutdown waits for the recording it is on.
struct RetentionService: Service {
    let sweeper: RetentionSweeper

    func run() async throws {
        sweeper.start()
        try? await gracefulShutdown()
        sweeper.stop()
    }
}
