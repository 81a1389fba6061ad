#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension InterruptedRecording {
    /// A file opened for reading and patching in place by offset (pread/pwrite): recovery
    /// rewrites a few header bytes and never copies the audio.
    final class RawFile {
        let path: String
        private let descriptor: Int32
        private(set) var lastError = ""

        init(path: String, writable: Bool) throws(RecoveryProblem) {
            self.path = path
            let fd = open(path, writable ? O_RDWR : O_RDONLY)
            guard fd >= 0 else {
                throw RecoveryProblem("cannot be opened\(writable ? " for repair" : "") (\(String(cString: strerror(errno))))")
            }
            descriptor = fd
        }

        deinit { close(descriptor) }

        var size: UInt64 {
            var info = stat()
            return fstat(descriptor, &info) == 0 ? UInt64(info.st_size) : 0
        }

        func read(at offset: UInt64, count: Int) -> [UInt8]? {
            var bytes = [UInt8](repeating: 0, count: count)
            let n = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
            guard n >= 0 else {
                lastError = String(cString: strerror(errno))
                return nil
            }
            return Array(bytes.prefix(n))
        }

        func write(_ bytes: [UInt8], at offset: UInt64) -> Bool {
            let n = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, bytes.count, off_t(offset)) }
            if n != bytes.count { lastError = n < 0 ? String(cString: strerror(errno)) : "short write" }
            return n == bytes.count
        }

        func truncate(to length: UInt64) -> Bool {
            if ftruncate(descriptor, off_t(length)) == 0 { return true }
            lastError = String(cString: strerror(errno))
            return false
        }

        /// On disk before the sidecar says the file is final.
        func synchronize() -> Bool {
            if fsync(descriptor) == 0 { return true }
            lastError = String(cString: strerror(errno))
            return false
        }
    }
}
