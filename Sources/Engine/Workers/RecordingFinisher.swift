import Atomics
import Foundation
import Logging
import Media

/// A thread of its own that finishes recordings the media workers handed over: it writes their
/// held audio, closes the files (libsndfile rewrites the header), hashes them and writes their
/// sidecars. All of that blocks on the disk, and a burst of call ends would otherwise stall
/// decoding; the workers only hand over and go on. Recordings are finished in the order handed.
final class RecordingFinisher: @unchecked Sendable {
    private struct Job {
        var recording: CallRecording
        var end: RecordingEnd
    }

    /// Ended recordings that may wait to be finished before the workers wait for the finisher.
    let maxBacklog: Int

    /// Finishing a recording leaves freed pages scattered in this thread's malloc arena, which
    /// glibc keeps: a burst of 2,000 call ends took 62 MiB of memory that nothing used, a third
    /// of the peak of a 2,000-call replay. Giving free pages back after a recording is finished,
    /// at most this often, keeps the peak at what live calls hold. A trim walks every arena: one
    /// every 32 recordings was 1.1 % of that replay's CPU.
    static let trimIntervalNanos: Int64 = 100_000_000
    private var lastTrimNanos: Int64 = 0

    private let condition = NSCondition()
    private var queue: [Job] = []
    private var closed = false
    private let done = DispatchSemaphore(value: 0)
    private let logger: Logger
    /// Given up when a sidecar cannot be written for want of space.
    private let reserve: StorageReserve
    /// Seals each sidecar on the server's chain (nil: written plain).
    private let sealer: RecordingSealer?
    /// Encrypts each closed audio file before its sidecar is written (nil: left plain).
    private let encryptor: RecordingEncryptor?
    /// Sidecars that found the disk full even after the reserve was given up, by path: written
    /// again each time the finisher wakes, in the order they came.
    private var unwrittenSidecars: [(sidecar: Sidecar, path: String)] = []
    static let retryUnwrittenSeconds = 2.0
    private let onFinished: @Sendable (RecordingResult) -> Void
    /// The files a replay's summary lists (nil in `serve`, which lists none).
    let files: RecordingFileList?
    private(set) var errors = BoundedErrors()
    /// Recordings whose audio stayed plain although encryption is on.
    let encryptionFailures = ManagedAtomic<Int>(0)
    private(set) var count = 0

    init(listsFiles: Bool, maxBacklog: Int, reserve: StorageReserve, sealer: RecordingSealer? = nil,
         encryptor: RecordingEncryptor? = nil, logger: Logger, onFinished: @escaping @Sendable (RecordingResult) -> Void) {
        self.maxBacklog = maxBacklog
        self.reserve = reserve
        self.sealer = sealer
        self.encryptor = encryptor
        files = listsFiles ? RecordingFileList() : nil
        self.logger = logger
        self.onFinished = onFinished
    }

    func start() {
        let thread = Thread { [self] in
            run()
            done.signal()
        }
        thread.name = "calltap-finisher"
        thread.start()
    }

    /// Takes `recording`, which its worker no longer touches, to be finished with `end`.
    func submit(_ recording: CallRecording, _ end: RecordingEnd) {
        condition.lock()
        queue.append(Job(recording: recording, end: end))
        // Workers wait on the same condition (`waitForRoom`): wake everyone, each rechecks.
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks a worker while `maxBacklog` recordings wait: a disk that cannot keep up with closing
    /// files must not make the backlog grow without bound. Sleeping, not polling: in a replay of
    /// short calls the workers wait here often, and a poll would spend the finisher's core.
    func waitForRoom() {
        condition.lock()
        while queue.count >= maxBacklog { condition.wait() }
        condition.unlock()
    }

    /// Recordings handed over and not finished yet.
    var backlog: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    /// Finishes what was handed over, then stops the thread; the results are readable after.
    func join() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
        done.wait()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !closed {
                if unwrittenSidecars.isEmpty {
                    condition.wait()
                } else if !condition.wait(until: Date(timeIntervalSinceNow: Self.retryUnwrittenSeconds)) {
                    break
                }
            }
            if queue.isEmpty && closed {
                condition.unlock()
                writeUnwrittenSidecars()
                for (_, path) in unwrittenSidecars {
                    logger.error("sidecar lost at shutdown: storage still full", metadata: ["sidecar": "\(path)"])
                }
                return
            }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            condition.broadcast()
            condition.unlock()
            writeUnwrittenSidecars()
            for job in batch {
                finish(job)
                let now = EngineMonitor.monotonicNanos()
                if now - lastTrimNanos >= Self.trimIntervalNanos {
                    _ = malloc_trim(0)
                    lastTrimNanos = now
                }
            }
        }
    }

    private func finish(_ job: Job) {
        let setup = job.recording.setup
        do {
            let result = try job.recording.finish(job.end) { sidecar, path in
                var sidecar = sidecar
                if let encryptor { encrypt(&sidecar, besides: path, with: encryptor) }
                if !writeSidecar(sidecar, to: path) {
                    condition.withLock { unwrittenSidecars.append((sidecar, path)) }
                }
            }
            count += 1
            files?.append(start: setup.startNanos, identifier: setup.recordingIdentifier, paths: result.audioPaths)
            onFinished(result)
        } catch {
            errors.append("\(error)")
            logger.error("cannot finish recording", metadata: ["recording": "\(setup.recordingIdentifier)",
                                                                "error": "\(error)"])
        }
    }

    /// Encrypts the recording's audio files; one that cannot be (a full disk) stays plain, which
    /// its sidecar then says (no `Encryption` entry for it), and the log and `/metrics` tell.
    private func encrypt(_ sidecar: inout Sidecar, besides sidecarPath: String, with encryptor: RecordingEncryptor) {
        do {
            try encryptor.encryptAudio(of: &sidecar, in: (sidecarPath as NSString).deletingLastPathComponent)
        } catch {
            encryptionFailures.wrappingIncrement(ordering: .relaxed)
            errors.append("\(error)")
            logger.error("audio left unencrypted: it could not be encrypted", metadata: [
                "recording": "\(sidecar.recordingIdentifier)", "error": "\(error)"])
        }
    }

    /// Writes a sidecar; on a full disk, gives up the storage reserve for it and tries once more.
    /// False when it could not be written (it is then kept and written again later).
    private func writeSidecar(_ sidecar: Sidecar, to path: String) -> Bool {
        do {
            try sidecar.write(to: path, sealedBy: sealer)
            return true
        } catch where StorageReserve.isDiskFull(error) && reserve.release(for: "sidecar \((path as NSString).lastPathComponent)") {
            if (try? sidecar.write(to: path, sealedBy: sealer)) != nil { return true }
        } catch {
            errors.append("\(error)")
        }
        logger.error("sidecar not written yet: storage full; kept to be written when there is room",
                     metadata: ["sidecar": "\(path)"])
        return false
    }

    /// Sidecars a full disk held back, written as soon as there is room (in order, stopping at
    /// the first that still does not fit).
    private func writeUnwrittenSidecars() {
        while let first = unwrittenSidecars.first {
            guard (try? first.sidecar.write(to: first.path, sealedBy: sealer)) != nil else { return }
            condition.withLock { _ = unwrittenSidecars.removeFirst() }
            logger.notice("sidecar written after storage had room again", metadata: ["sidecar": "\(first.path)"])
        }
    }

    /// Sidecars waiting for room on a full disk.
    var unwrittenSidecarCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return unwrittenSidecars.count
    }
}

/// Error messages for a summary, the first hundred kept and the rest counted, so that a server
/// that fails for days does not keep every message.
struct BoundedErrors: Sendable {
    static let kept = 100
    private(set) var messages: [String] = []
    private(set) var more = 0

    mutating func append(_ message: String) {
        if messages.count < Self.kept { messages.append(message) } else { more += 1 }
    }

    mutating func append(contentsOf other: BoundedErrors) {
        for m in other.messages { append(m) }
        more += other.more
    }

    /// The kept messages, with a last line saying how many more there were.
    var lines: [String] {
        more == 0 ? messages : messages + ["… and \(more) more errors"]
    }
}

/// glibc's malloc_trim (malloc.h, which Swift's Glibc module does not import): returns the free
/// pages of every arena to the system, keeping `pad` bytes at the top of the main heap.
@_silgen_name("malloc_trim") private func malloc_trim(_ pad: Int) -> Int32
