import Foundation

/// The files of every recording a replay finished, for its summary. They are spooled to an
/// unlinked temporary file as recordings finish, one line each, and only a small fixed-size
/// entry per recording stays in memory, so a replay of 40,000 calls holds no more than one of
/// 4,000: strings kept for every call would scatter over the heap and hold its pages.
/// Written by the finisher's thread alone; read once the finisher has stopped.
public final class RecordingFileList: @unchecked Sendable {
    private struct Entry {
        var start: Int64
        /// Where the recording's line starts in the spool, and its length without the newline.
        var offset: Int64
        var length: Int32
        /// Where the identifier ends in that line (the files follow it).
        var identifierEnd: Int32
    }

    private let spool: Int32
    private var entries: [Entry] = []
    private var written: Int64 = 0
    private var sorted = false
    private var failed = false

    /// Nil when no temporary file can be made (the summary then lists no files).
    init?() {
        guard let file = tmpfile() else { return nil }
        spool = dup(fileno(file))
        fclose(file)
        guard spool >= 0 else { return nil }
    }

    deinit {
        close(spool)
    }

    public var count: Int { entries.count }

    /// Notes a finished recording (none of its strings holds a tab or a newline).
    func append(start: Int64, identifier: String, paths: [String]) {
        let line = Array(([identifier] + paths).joined(separator: "\t").utf8) + [UInt8(ascii: "\n")]
        let identifierEnd = identifier.utf8.count
        var done = 0
        while done < line.count {
            let n = line.withUnsafeBytes { pwrite(spool, $0.baseAddress! + done, line.count - done, off_t(written) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                // The temporary folder is full: the recordings are written, only this list is short.
                failed = true
                return
            }
            done += n
        }
        entries.append(Entry(start: start, offset: written, length: Int32(line.count - 1), identifierEnd: Int32(identifierEnd)))
        written += Int64(line.count)
    }

    /// Calls `body` with every file, ordered by the recording's start and identifier (the order
    /// recordings finish in depends on how calls were spread over workers).
    public func forEach(_ body: (String) -> Void) {
        sortOnce()
        var buffer: [UInt8] = []
        for entry in entries {
            read(entry, into: &buffer)
            let fields = buffer.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false)
            for path in fields.dropFirst() { body(String(decoding: path, as: UTF8.self)) }
        }
    }

    /// Every file, in order (for tests and small runs; the command streams them).
    public var all: [String] {
        var files: [String] = []
        forEach { files.append($0) }
        return files
    }

    /// True when the list could not be spooled completely.
    public var isIncomplete: Bool { failed }

    private func sortOnce() {
        guard !sorted else { return }
        sorted = true
        var a: [UInt8] = [], b: [UInt8] = []
        entries.sort { x, y in
            if x.start != y.start { return x.start < y.start }
            // Starts tie rarely: only then are the identifiers read back.
            read(x, into: &a, upTo: Int(x.identifierEnd))
            read(y, into: &b, upTo: Int(y.identifierEnd))
            return a.lexicographicallyPrecedes(b)
        }
    }

    private func read(_ entry: Entry, into buffer: inout [UInt8], upTo limit: Int? = nil) {
        let length = min(Int(entry.length), limit ?? Int.max)
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: repeatElement(0, count: length))
        var done = 0
        while done < length {
            let n = buffer.withUnsafeMutableBytes { pread(spool, $0.baseAddress! + done, length - done, off_t(entry.offset) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            done += n
        }
    }
}
