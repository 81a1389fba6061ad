import Foundation

/// Ends a source's wait for packets from another thread (a pipe the source polls beside its
/// interfaces), so that a command queued for the capture thread runs now, not when the kernel
/// next hands over a block of packets.
public final class SourceWakeup: @unchecked Sendable {
    /// The end the source polls.
    let fd: Int32
    private let writeEnd: Int32

    init() throws(CaptureError) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else {
            throw .liveCapture(interface: "wakeup pipe", reason: String(cString: strerror(errno)))
        }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        fd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        close(fd)
        close(writeEnd)
    }

    /// Wakes the source (any thread). A full pipe is already a wakeup pending.
    public func signal() {
        var one: UInt8 = 1
        _ = write(writeEnd, &one, 1)
    }

    /// Clears the signal (the capture thread, after its poll saw it).
    func clear() {
        var bytes = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        while withUnsafeMutableBytes(of: &bytes, { read(fd, $0.baseAddress, $0.count) }) == 64 {}
    }
}
