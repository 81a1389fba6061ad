import Foundation

/// The store's writes in the order they were asked for, and the one thread that commits them.
/// Callers only append under a lock held for an array append: they never wait for SQLite. The
/// thread takes everything queued at once and hands it to `commit` as one batch.
final class TrackerWriteQueue: @unchecked Sendable {
    // @unchecked: every mutable field below is read and written only with `condition` locked.

    /// One write the tracker asked for.
    enum Write: Sendable {
        case agent(id: Int, document: StoredDocument)
        case directoryEntry(id: Int, document: StoredDocument)
        case call(callInstance: String, document: StoredDocument)
        case removeCall(callInstance: String)
        /// The recording's row, and its next revision's announcement to each destination
        /// (none: the row alone), in one transaction.
        case recording(RecordingIndexEntry, announcingTo: [String] = [])
        /// The next revision's announcement of a recording whose sidecar was rewritten.
        case announcement(recordingIdentifier: String, destinations: [String])
        /// Metadata keys merged into a finished recording's row, and its retention after them.
        case finishedMetadata(recordingIdentifier: String, changes: [String: String], retention: RecordingRetention?)
        case audit(AuditEntry)

        /// The row a document write replaces as a whole; nil for a recording's row.
        var documentKey: String? {
            switch self {
            case .agent(let id, _): "agent \(id)"
            case .directoryEntry(let id, _): "directory \(id)"
            case .call(let callInstance, _), .removeCall(let callInstance): "call \(callInstance)"
            case .recording, .finishedMetadata, .announcement, .audit: nil
            }
        }
    }

    /// The batch without the document writes a later write of the same row replaces: only the
    /// last version of a document is encoded and written.
    static func latestDocuments(_ batch: [Write]) -> [Write] {
        var seen = Set<String>()
        var kept: [Write] = []
        kept.reserveCapacity(batch.count)
        for write in batch.reversed() {
            if let key = write.documentKey, !seen.insert(key).inserted { continue }
            kept.append(write)
        }
        return kept.reversed()
    }

    private let condition = NSCondition()
    private var pending: [Write] = []
    /// Writes a full disk refused, committed again (before newer ones) every few seconds and
    /// with each new batch. The oldest beyond `maxWaiting` are given up (and counted).
    private var waiting: [Write] = []
    /// Of the batch being committed, how many had been waiting (still counted as waiting).
    private var retrying = 0
    static let maxWaiting = 100_000
    static let retrySeconds = 2.0
    private(set) var givenUp = 0
    /// Writes appended so far, and writes the thread has finished (committed or given up on).
    private var enqueued: UInt64 = 0
    private var completed: UInt64 = 0
    private var closing = false
    private var stopped = false

    /// Writes waiting for space on a full disk.
    var waitingCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return waiting.count + retrying
    }

    /// Starts the writer thread; `commit` runs on it only, one batch at a time, in order, and
    /// returns the writes that a full disk refused (kept and committed again later).
    init(threadName: String, commit: @escaping @Sendable ([Write]) -> [Write]) {
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

    private func run(_ commit: @Sendable ([Write]) -> [Write]) {
        while true {
            condition.lock()
            while pending.isEmpty && !closing {
                if waiting.isEmpty {
                    condition.wait()
                } else if !condition.wait(until: Date(timeIntervalSinceNow: Self.retrySeconds)) {
                    break
                }
            }
            if pending.isEmpty && waiting.isEmpty && closing {
                stopped = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = waiting + pending
            let upTo = enqueued
            let closingNow = closing
            retrying = waiting.count
            pending.removeAll(keepingCapacity: true)
            waiting.removeAll()
            condition.unlock()

            let refused = commit(batch)

            condition.lock()
            retrying = 0
            waiting = refused
            if waiting.count > Self.maxWaiting {
                givenUp += waiting.count - Self.maxWaiting
                waiting.removeFirst(waiting.count - Self.maxWaiting)
            }
            // Closing with the disk still full: what it refused cannot wait any longer.
            if closingNow && pending.isEmpty {
                givenUp += waiting.count
                waiting = []
            }
            completed = upTo
            condition.broadcast()
            condition.unlock()
        }
    }
}
