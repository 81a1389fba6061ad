import Atomics
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The free space under the storage root, measured each second on a thread of its own: below
/// `storage.minFreeMiB` no new recording starts (the capture thread reads one flag), `/readyz`
/// answers 503 and a face-to-face start is refused; above it again, recordings start by
/// themselves. It also keeps the `StorageReserve` made whenever there is room for it.
public final class StorageSpace: @unchecked Sendable {
    // @unchecked: the atomics are shared; `thread` and `stopping` are set under `lock`.
    public let root: String
    public let minFreeBytes: Int64
    public let reserve: StorageReserve
    private let free = ManagedAtomic<Int64>(-1)
    private let low = ManagedAtomic<Bool>(false)
    private let full = ManagedAtomic<Bool>(false)
    private let lock = NSCondition()
    private var running = false
    private var stopping = false
    private let logger: Logger
    static let intervalSeconds = 1.0

    public init(root: String, minFreeBytes: Int64, reserveBytes: Int64, logger: Logger) {
        self.root = root
        self.minFreeBytes = minFreeBytes
        self.logger = logger
        reserve = StorageReserve(root: root, bytes: reserveBytes, logger: logger)
    }

    /// Below `storage.minFreeMiB` at the last measurement, or full since: new recordings do not start.
    @inline(__always)
    public var isLow: Bool { low.load(ordering: .relaxed) || isFull }

    /// A recording's write found the disk full, and space has not come back above the minimum
    /// since: the capture thread closes every open recording (each would fail at its next write).
    @inline(__always)
    public var isFull: Bool { full.load(ordering: .relaxed) }

    /// A write failed for want of space (any thread).
    public func noteFull() {
        if !full.exchange(true, ordering: .relaxed) {
            logger.error("storage full: open recordings are closed, new ones do not start", metadata: ["root": "\(root)"])
        }
    }

    /// Bytes free to this process at the last measurement; nil before the first, or when the
    /// root cannot be measured (it does not exist yet).
    public var freeBytes: Int64? {
        let value = free.load(ordering: .relaxed)
        return value < 0 ? nil : value
    }

    /// Why new recordings do not start, or nil while they do.
    public var problem: String? {
        let free = freeBytes.map { "\($0 >> 20) MiB free" } ?? "free space unknown"
        if isFull { return "full (\(free)): recordings closed, new ones do not start" }
        guard low.load(ordering: .relaxed) else { return nil }
        return "\(free), below storage.minFreeMiB (\(minFreeBytes >> 20) MiB): new recordings do not start"
    }

    /// Measures now; logs when the space goes below the minimum or back above it, and makes the
    /// reserve again when it was given up and there is room for it above the minimum.
    public func measure() {
        // A root not made yet is measured where it will be: its nearest existing folder.
        var stats = statvfs()
        var path = root
        while statvfs(path, &stats) != 0 {
            var parent = (path as NSString).deletingLastPathComponent
            if parent.isEmpty { parent = "." }
            guard parent != path else {
                free.store(-1, ordering: .relaxed)
                return
            }
            path = parent
        }
        let bytes = Int64(stats.f_bavail) * Int64(stats.f_frsize)
        free.store(bytes, ordering: .relaxed)
        let isLow = bytes < minFreeBytes
        // A disk found full has room again at the minimum, and never with less than the reserve
        // or a MiB (with `minFreeMiB: 0`, recordings would otherwise start into a full disk).
        if bytes >= max(minFreeBytes, reserve.bytes, 1 << 20), full.exchange(false, ordering: .relaxed) {
            logger.notice("storage has room again after being full", metadata: ["free_mib": "\(bytes >> 20)"])
        }
        if low.exchange(isLow, ordering: .relaxed) != isLow {
            if isLow {
                logger.warning("storage below its minimum: new recordings do not start",
                               metadata: ["free_mib": "\(bytes >> 20)", "min_free_mib": "\(minFreeBytes >> 20)"])
            } else {
                logger.notice("storage above its minimum again: recordings start", metadata: ["free_mib": "\(bytes >> 20)"])
            }
        }
        if !reserve.isHeld, bytes >= minFreeBytes + reserve.bytes, reserve.make() {
            logger.info("storage reserve made", metadata: ["reserve_mib": "\(reserve.bytes >> 20)"])
        }
    }

    /// Measures once a second until `stop()`.
    public func start() {
        lock.lock()
        defer { lock.unlock() }
        guard !running else { return }
        running = true
        stopping = false
        let thread = Thread { [self] in
            while true {
                measure()
                lock.lock()
                if !stopping { _ = lock.wait(until: Date(timeIntervalSinceNow: Self.intervalSeconds)) }
                let done = stopping
                lock.unlock()
                if done { return }
            }
        }
        thread.name = "calltap-storage"
        thread.start()
    }

    /// Stops measuring and gives the reserve back: a stopped recorder leaves no file behind.
    public func stop() {
        lock.lock()
        stopping = true
        running = false
        lock.broadcast()
        lock.unlock()
        reserve.remove()
    }
}
