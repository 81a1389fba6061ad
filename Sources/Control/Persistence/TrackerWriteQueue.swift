import Foundation

/// The store's writes in the order they were asked for, and the one thread that commits them.
/// Callers only append under a lock held for an array append: they never wait for SQLite. The
/// thread takes everything queued at once and hands it to `commit` as one batch.
final class TrackerWriteQueue: @unchecked Sendable {
    // @unchecked: every mutable field below is read and written only with `condition` locked.

    /// One write the tracker asked for.
    enum Write: Sendable {
        case agent(id: Int, document: Data)
        case call(callInstance: String, document: Data)
        case removeCall(callInstance: String)
        case recording(RecordingIndexEntry)
    }

    private let condition = NSCondition()
    private var pending: [Write] = []
    /// Writes appended so far, and writes the thread has finished (committed or given up on).
    private var enqueued: UInt64 = 0
    private var completed: UInt64 = 0
    private var closing = false
    private var stopped = false

    /// Starts the writer thread; `commit` runs on it only, one batch at a time, in order.
    init(threadName: String, commit: @escaping @Sendable ([Write]) -> Void) {
        let thread = Thread { [self] in run(commit) }
        thread.name = threadName
        thread.start()
    }

    func append(_ write: Write) {
        condition.lock()
        defer { condition.unlock() }
        // After close nothing would commit it; the store is gone, so is its owner.
        guard !closing else { return }
        pending.append(write)
        enqueued += 1
        condition.broadcast()
    }

    /// Blocks until every write appended before the call is done.
    func waitUntilDone() {
        condition.lock()
        defer { condition.unlock() }
        let target = enqueued
        while completed < target && !stopped { condition.wait() }
    }

    /// Lets the thread finish what is queued, then stops it; returns when it has stopped.
    func close() {
        condition.lock()
        defer { condition.unlock() }
        closing = true
        condition.broadcast()
        while !stopped { condition.wait() }
    }

    private func run(_ commit: @Sendable ([Write]) -> Void) {
        while true {
            condition.lock()
            while pending.isEmpty && !closing { condition.wait() }
            if pending.isEmpty {
                stopped = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = pending
            let upTo = enqueued
            pending.removeAll(keepingCapacity: true)
            condition.unlock()

            commit(batch)

            condition.lock()
            completed = upTo
            condition.broadcast()
            condition.unlock()
        }
    }
}
