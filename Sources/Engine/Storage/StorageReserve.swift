import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Room kept on the storage's file system for the last words of recordings: a file of
/// `storage.reserveMiB` allocated while there is space, and deleted when a sidecar or the
/// index cannot be written because the disk is full. What it held is then free for exactly
/// those writes, even when something else filled the disk. `StorageSpace` makes it again once
/// there is room for it above `storage.minFreeMiB`.
public final class StorageReserve: @unchecked Sendable {
    // @unchecked: `held` and `releases` are only touched with `lock` held.
    public let path: String
    public let bytes: Int64
    private let lock = NSLock()
    private var held = false
    private var releases = 0
    private let logger: Logger

    /// The name of the reserve file in the storage root.
    public static let fileName = ".calltap-reserve"

    public init(root: String, bytes: Int64, logger: Logger) {
        path = (root as NSString).appendingPathComponent(Self.fileName)
        self.bytes = bytes
        self.logger = logger
    }

    /// Whether the reserve's space is allocated now.
    public var isHeld: Bool { lock.withLock { held } }

    /// Times the reserve was given up for a write that found the disk full.
    public var releaseCount: Int { lock.withLock { releases } }

    /// Allocates the reserve (blocks, not a sparse file) unless it is held; false when the file
    /// system has no room for it.
    @discardableResult
    public func make() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !held, bytes > 0 else { return held }
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        let status = posix_fallocate(fd, 0, off_t(bytes))
        close(fd)
        guard status == 0 else {
            unlink(path)
            return false
        }
        held = true
        return true
    }

    /// Frees the reserve for a write that failed on a full disk; false when it was not held
    /// (nothing more to give).
    @discardableResult
    public func release(for write: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard held else { return false }
        unlink(path)
        held = false
        releases += 1
        logger.warning("storage full: reserve released", metadata: ["for": "\(write)", "reserve_mib": "\(bytes >> 20)"])
        return true
    }

    /// Deletes the reserve when the recorder stops (not a release: nothing was short of space).
    public func remove() {
        lock.lock()
        defer { lock.unlock() }
        guard held else { return }
        unlink(path)
        held = false
    }

    /// Whether `error` says the file system is full (ENOSPC, or EDQUOT for a quota).
    public static func isDiskFull(_ error: any Error) -> Bool {
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return ns.code == Int(ENOSPC) || ns.code == Int(EDQUOT) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return underlying.code == Int(ENOSPC) || underlying.code == Int(EDQUOT)
        }
        let text = "\(error)"
        return text.contains("No space left on device") || text.contains("Disk quota exceeded")
            || text.contains("SQLITE_FULL") || text.contains("database or disk is full")
            || (ns.domain == NSCocoaErrorDomain && ns.code == NSFileWriteOutOfSpaceError)
    }
}
