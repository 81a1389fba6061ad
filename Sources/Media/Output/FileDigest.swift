import Crypto
import Foundation

/// SHA-256 of a finished file, read back once it is closed (the header is rewritten at close, so
/// the bytes are only final then).
public enum FileDigest {
    /// Bytes read at a time, into the thread's scratch room. A buffer made per file was given
    /// back to the system when freed (glibc trims a thread's heap whose top grows past its
    /// threshold) and faulted in again for the next: in a replay of 2,000 calls those faults were
    /// 43 % of the run's page faults, 14 a recording.
    static let chunkBytes = ThreadScratch.samples * MemoryLayout<Int16>.size

    public static func sha256(path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer(start: ThreadScratch.buffer(.fileRead), count: chunkBytes)
        var hasher = SHA256()
        while true {
            let n = read(fd, buffer.baseAddress, chunkBytes)
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        }
        return hasher.finalize().map { byte in
            let s = String(byte, radix: 16)
            return byte < 16 ? "0" + s : s
        }.joined()
    }
}
