import Atomics
import Foundation
import Media

/// Results that media workers hand back to the capture thread, which tells the control plane.
final class FinishedRecordings: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [RecordingResult] = []
    private let count = ManagedAtomic<Int>(0)

    func append(_ result: RecordingResult) {
        lock.lock()
        results.append(result)
        lock.unlock()
        count.wrappingIncrement(ordering: .releasing)
    }

    var hasResults: Bool { count.load(ordering: .acquiring) > 0 }

    func take() -> [RecordingResult] {
        lock.lock()
        let taken = results
        results.removeAll()
        lock.unlock()
        count.wrappingDecrement(by: taken.count, ordering: .releasing)
        return taken
    }
}
