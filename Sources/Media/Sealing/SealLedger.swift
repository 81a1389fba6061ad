import Foundation

/// The seal ledger, `seal-ledger.jsonl` in the storage root: one `SealLedgerEntry` per line, each
/// linked to the line before by its digest. Appended under an exclusive `flock`, so that `serve`
/// and a `calltap sweep` beside it never take the same place; the tail is read again whenever
/// another process has appended. Only `RecordingSealer` writes it.
final class SealLedger {
    static let fileName = "seal-ledger.jsonl"

    /// The last line: where the next one goes and what it links to.
    struct Tail: Equatable {
        var sequence = 0
        var lineSha256 = SealDigest.none
        var sidecarSha256 = SealDigest.none
    }

    let path: String
    private let fd: Int32
    private(set) var tail = Tail()
    /// The file's size when this process last read or wrote it.
    private var knownSize: off_t = -1
    /// Lines sealed whose append failed (a full disk): written first on the next append. Their
    /// sidecars are on disk already, so the chain goes on from them.
    private var unwritten: [Data] = []

    init(path: String) throws(SealLedgerError) {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw .cannotOpen(path, String(cString: strerror(errno))) }
        do {
            try locked { try refresh() }
        } catch let error as SealLedgerError {
            throw error
        } catch {
            throw .cannotOpen(path, "\(error)")
        }
    }

    deinit { close(fd) }

    /// Runs `body` with the tail while holding the file lock; appends the entry it returns (none
    /// for nil).
    @discardableResult
    func append(_ body: (Tail) throws -> SealLedgerEntry?) throws -> SealLedgerEntry? {
        try locked {
            if unwritten.isEmpty { try refresh() }
            guard let entry = try body(tail) else { return nil }
            let line = try entry.line()
            unwritten.append(line + Data([0x0a]))
            tail = Tail(sequence: entry.sequence, lineSha256: SealDigest.sha256(line), sidecarSha256: entry.sidecarSha256)
            writeUnwritten()
            return entry
        }
    }

    /// Writes the lines a full disk held back, in order, stopping at the first that still fails.
    private func writeUnwritten() {
        while let first = unwritten.first {
            let n = first.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n == first.count else {
                if n > 0 {
                    // Half a line: take it back, so that the file never holds a torn one.
                    _ = ftruncate(fd, knownSize)
                }
                return
            }
            knownSize += off_t(n)
            unwritten.removeFirst()
        }
    }

    /// Runs `body` holding the file lock; its errors pass through as they are (a full disk must
    /// still read as one to the finisher).
    private func locked<T>(_ body: () throws -> T) throws -> T {
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw SealLedgerError.cannotLock(path, String(cString: strerror(errno))) }
        }
        defer { _ = flock(fd, LOCK_UN) }
        return try body()
    }

    /// Reads the tail again when the file changed size since this process last saw it; a last
    /// line without its newline (a crash in the middle of a write) is cut off.
    private func refresh() throws(SealLedgerError) {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .cannotOpen(path, String(cString: strerror(errno))) }
        guard info.st_size != knownSize else { return }
        let size = info.st_size
        let window = min(size, 64 << 10)
        var bytes = [UInt8](repeating: 0, count: Int(window))
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, Int(window), size - window) }
        guard n == Int(window) else { throw .cannotOpen(path, "cannot read its end") }
        var end = bytes.count
        if let lastNewline = bytes.lastIndex(of: 0x0a) {
            if lastNewline != bytes.count - 1 {
                // A torn last line.
                guard ftruncate(fd, size - off_t(bytes.count - lastNewline - 1)) == 0 else {
                    throw .cannotWrite(path, "cannot cut off a torn last line: \(String(cString: strerror(errno)))")
                }
                end = lastNewline + 1
            }
        } else if !bytes.isEmpty {
            guard ftruncate(fd, 0) == 0 else { throw .cannotWrite(path, String(cString: strerror(errno))) }
            end = 0
        }
        knownSize = size - off_t(bytes.count - end)
        guard end > 0 else {
            tail = Tail()
            return
        }
        let start = bytes[..<(end - 1)].lastIndex(of: 0x0a).map { $0 + 1 } ?? 0
        let line = Data(bytes[start..<(end - 1)])
        guard let entry = try? JSONDecoder().decode(SealLedgerEntry.self, from: line) else {
            throw .unreadableTail(path)
        }
        tail = Tail(sequence: entry.sequence, lineSha256: SealDigest.sha256(line), sidecarSha256: entry.sidecarSha256)
    }
}

public enum SealLedgerError: Error, CustomStringConvertible {
    case cannotOpen(String, String)
    case cannotLock(String, String)
    case cannotWrite(String, String)
    case unreadableTail(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let why): "cannot open the seal ledger '\(path)': \(why)"
        case .cannotLock(let path, let why): "cannot lock the seal ledger '\(path)': \(why)"
        case .cannotWrite(let path, let why): "cannot write the seal ledger '\(path)': \(why)"
        case .unreadableTail(let path): "the last line of the seal ledger '\(path)' is not a ledger entry; `calltap verify` tells what happened to it"
        }
    }
}
