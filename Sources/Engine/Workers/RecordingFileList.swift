import Foundation

/// The files of every recording a replay finished, for its summary, in a memory that does not
/// grow with the number of recordings: a replay of 40,000 calls holds no more than one of 4,000.
/// Each recording's line goes to an unlinked temporary file as it finishes; a fixed-size entry
/// (start, where its line is) goes to a run in memory, and every `runLength` entries the run is
/// sorted and spilled to a second temporary file. Reading merges the sorted runs. Written by the
/// finisher's thread alone; read once the finisher has stopped.
public final class RecordingFileList: @unchecked Sendable {
    private struct Entry {
        var start: Int64
        /// Where the recording's line starts in the spool, and its length without the newline.
        var offset: Int64
        var length: Int32
        /// Where the identifier ends in that line (the files follow it).
        var identifierEnd: Int32
    }

    /// Entries sorted in memory before they are spilled: 96 KiB.
    static let runLength = 4096

    private let lines: Int32
    private let runs: Int32
    private var run: [Entry] = []
    /// Where each spilled run starts in `runs`, in entries; the last one ends at `spilled`.
    private var runStarts: [Int] = []
    private var spilled = 0
    private var written: Int64 = 0
    private var failed = false
    public private(set) var count = 0

    /// Nil when no temporary file can be made (the summary then lists no files).
    init?() {
        guard let lines = Self.temporaryFile() else { return nil }
        guard let runs = Self.temporaryFile() else {
            close(lines)
            return nil
        }
        self.lines = lines
        self.runs = runs
        run.reserveCapacity(Self.runLength)
    }

    deinit {
        close(lines)
        close(runs)
    }

    private static func temporaryFile() -> Int32? {
        guard let file = tmpfile() else { return nil }
        let fd = dup(fileno(file))
        fclose(file)
        return fd >= 0 ? fd : nil
    }

    /// True when the list could not be spooled completely (the temporary folder is full).
    public var isIncomplete: Bool { failed }

    /// Notes a finished recording (none of its strings holds a tab or a newline).
    func append(start: Int64, identifier: String, paths: [String]) {
        let line = Array(([identifier] + paths).joined(separator: "\t").utf8) + [UInt8(ascii: "\n")]
        guard line.withUnsafeBytes({ Self.write(lines, $0, at: written) }) else {
            failed = true
            return
        }
        run.append(Entry(start: start, offset: written, length: Int32(line.count - 1), identifierEnd: Int32(identifier.utf8.count)))
        written += Int64(line.count)
        count += 1
        if run.count == Self.runLength { spill() }
    }

    /// Sorts the run in memory and appends it to the runs file.
    private func spill() {
        sortRun()
        let stride = MemoryLayout<Entry>.stride
        guard run.withUnsafeBytes({ Self.write(runs, $0, at: Int64(spilled * stride)) }) else {
            failed = true
            count -= run.count
            run.removeAll(keepingCapacity: true)
            return
        }
        runStarts.append(spilled)
        spilled += run.count
        run.removeAll(keepingCapacity: true)
    }

    private func sortRun() {
        var a: [UInt8] = [], b: [UInt8] = []
        run.sort { precedes($0, $1, &a, &b) }
    }

    /// Ordered by start, then identifier: starts tie rarely, and only then are identifiers read back.
    private func precedes(_ x: Entry, _ y: Entry, _ a: inout [UInt8], _ b: inout [UInt8]) -> Bool {
        if x.start != y.start { return x.start < y.start }
        read(x, into: &a, upTo: Int(x.identifierEnd))
        read(y, into: &b, upTo: Int(y.identifierEnd))
        return a.lexicographicallyPrecedes(b)
    }

    /// Calls `body` with every file, ordered by the recording's start and identifier (the order
    /// recordings finish in depends on how calls were spread over workers). The spilled runs and
    /// the one in memory are merged, each read in small pieces.
    public func forEach(_ body: (String) -> Void) {
        sortRun()
        var cursors: [RunCursor] = runStarts.indices.map { i in
            RunCursor(file: runs, next: runStarts[i], end: i + 1 < runStarts.count ? runStarts[i + 1] : spilled)
        }
        var memory = run[...]
        var a: [UInt8] = [], b: [UInt8] = [], line: [UInt8] = []
        while true {
            // A handful of runs (one per 4,096 recordings): a linear scan for the smallest head is enough.
            var best: Entry? = memory.first
            var from = -1
            for i in cursors.indices {
                guard let head = cursors[i].head else { continue }
                if best == nil || precedes(head, best!, &a, &b) {
                    best = head
                    from = i
                }
            }
            guard let entry = best else { break }
            if from < 0 { memory = memory.dropFirst() } else { cursors[from].advance() }
            read(entry, into: &line)
            for path in line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false).dropFirst() {
                body(String(decoding: path, as: UTF8.self))
            }
        }
    }

    /// Every file, in order (for tests and small runs; the command streams them).
    public var all: [String] {
        var files: [String] = []
        forEach { files.append($0) }
        return files
    }

    /// One spilled run being read, 64 entries at a time.
    private struct RunCursor {
        let file: Int32
        var next: Int
        let end: Int
        var buffer: [Entry] = []
        var position = 0

        init(file: Int32, next: Int, end: Int) {
            self.file = file
            self.next = next
            self.end = end
            fill()
        }

        var head: Entry? { position < buffer.count ? buffer[position] : nil }

        mutating func advance() {
            position += 1
            if position == buffer.count { fill() }
        }

        private mutating func fill() {
            let n = min(64, end - next)
            buffer = [Entry](unsafeUninitializedCapacity: max(n, 0)) { storage, initialized in
                let stride = MemoryLayout<Entry>.stride
                let bytes = UnsafeMutableRawBufferPointer(start: storage.baseAddress, count: max(n, 0) * stride)
                initialized = n > 0 && RecordingFileList.read(file, into: bytes, at: Int64(next * stride)) ? n : 0
            }
            next += buffer.count
            position = 0
        }
    }

    private func read(_ entry: Entry, into buffer: inout [UInt8], upTo limit: Int? = nil) {
        let length = min(Int(entry.length), limit ?? Int.max)
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: repeatElement(0, count: length))
        let complete = buffer.withUnsafeMutableBytes { Self.read(lines, into: $0, at: entry.offset) }
        if !complete { buffer.removeAll() }
    }

    private static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }

    private static func read(_ fd: Int32, into bytes: UnsafeMutableRawBufferPointer, at offset: Int64) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = pread(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }
}
