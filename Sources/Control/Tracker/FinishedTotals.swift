import Foundation

/// Recordings finished and the bytes of their audio files: the tracker adds on the capture
/// thread, `/metrics` reads from any thread.
public final class FinishedTotals: @unchecked Sendable {
    private let lock = NSLock()
    private var recordings = 0
    private var bytes = 0

    public init() {}

    func add(bytes added: Int) {
        lock.withLock {
            recordings += 1
            bytes += added
        }
    }

    public func read() -> (recordings: Int, bytes: Int) {
        lock.withLock { (recordings, bytes) }
    }
}
