import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a live recording holds but has not written yet, kept on disk beside it
/// (`<recording-id>.held`) so that a `kill -9` does not cost the commit delay's audio: each
/// tick the timeline appends the frames placed or changed since the last tick (as the gate then
/// decides them), and every few seconds a checkpoint of what the sidecar would say. Recovery
/// lays the frames past the end of the audio files onto them and takes the streams, blackouts,
/// pauses and digits from the last checkpoint. Deleted once the recording's file is closed.
///
/// The file: a 12-byte header (`CTJ1`, channels UInt16, 0 UInt16, sample rate UInt32), then
/// records of a 16-byte header (kind UInt32, frame Int64, payload bytes UInt32) and the payload:
/// interleaved 16-bit frames from `frame` for audio, a sidecar's JSON for a checkpoint. All
/// little-endian. A record torn by the crash is not read.
public final class HeldAudioJournal {
    public let path: String
    public let channels: Int
    private var descriptor: Int32
    /// Bytes in the file now.
    public private(set) var bytes = 0

    static let magic: [UInt8] = Array("CTJ1".utf8)
    static let fileHeaderBytes = 12
    static let recordHeaderBytes = 16

    enum Kind: UInt32 {
        case audio = 1
        case checkpoint = 2
        case layout = 3
    }

    /// Which of the journal's channels each audio file holds (by file name), and whether a
    /// file's one channel is their mix: recovery writes each file its own share.
    public struct Layout: Codable, Sendable, Equatable {
        public var files: [String: [Int]]
        public var mixed: Bool

        public init(files: [String: [Int]], mixed: Bool) {
            self.files = files
            self.mixed = mixed
        }
    }

    /// The journal of the recording whose sidecar is `sidecarPath`.
    public static func path(forSidecar sidecarPath: String) -> String {
        (sidecarPath as NSString).deletingPathExtension + ".held"
    }

    public init(path: String, channels: Int, sampleRate: Int) throws(SoundFileError) {
        self.path = path
        self.channels = channels
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .cannotCreate(path: path, reason: String(cString: strerror(errno))) }
        do {
            try writeHeader(sampleRate: sampleRate)
        } catch {
            Glibc.close(descriptor)
            unlink(path)
            descriptor = -1
            throw error
        }
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    private var header: [UInt8] = []

    private func writeHeader(sampleRate: Int) throws(SoundFileError) {
        var h = Self.magic
        h += withUnsafeBytes(of: UInt16(channels).littleEndian, Array.init)
        h += [0, 0]
        h += withUnsafeBytes(of: UInt32(sampleRate).littleEndian, Array.init)
        header = h
        try h.withUnsafeBytes { raw in
            Result { () throws(SoundFileError) in try append(UnsafeRawBufferPointer(start: nil, count: 0), header: raw) }
        }.get()
        bytes = h.count
    }

    /// Appends `count` interleaved frames placed from `frame` on.
    public func appendAudio(from frame: Int64, frames: UnsafePointer<Int16>, count: Int) throws(SoundFileError) {
        try appendRecord(.audio, frame: frame,
                         payload: UnsafeRawBufferPointer(start: frames, count: count * channels * 2))
    }

    /// Appends a checkpoint: the sidecar the recording would have if it ended now.
    public func appendCheckpoint(_ json: Data) throws(SoundFileError) {
        try appendJSON(.checkpoint, json)
    }

    /// Records the files' layout; written first, and again after a reset.
    public func appendLayout(_ layout: Layout) throws(SoundFileError) {
        self.layout = layout
        guard let json = try? JSONEncoder().encode(layout) else { return }
        try appendJSON(.layout, json)
    }

    private var layout: Layout?

    private func appendJSON(_ kind: Kind, _ json: Data) throws(SoundFileError) {
        try json.withUnsafeBytes { raw in
            Result { () throws(SoundFileError) in try appendRecord(kind, frame: 0, payload: raw) }
        }.get()
    }

    /// Starts over with an empty journal (what it held is in the audio file, or is journaled again).
    public func reset() throws(SoundFileError) {
        guard ftruncate(descriptor, off_t(header.count)) == 0, lseek(descriptor, off_t(header.count), SEEK_SET) >= 0 else {
            throw .writeFailed(path: path, reason: String(cString: strerror(errno)))
        }
        bytes = header.count
        if let layout { try appendLayout(layout) }
    }

    /// Closes and deletes the journal: the recording's files hold everything it did.
    public func remove() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
        unlink(path)
    }

    private func appendRecord(_ kind: Kind, frame: Int64, payload: UnsafeRawBufferPointer) throws(SoundFileError) {
        // The record's header on the stack: every live recording appends each tick, and a
        // heap buffer per append was two allocations each time.
        var h: (UInt64, UInt64) = (0, 0)
        try withUnsafeMutableBytes(of: &h) { (raw) throws(SoundFileError) in
            raw.storeBytes(of: kind.rawValue.littleEndian, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: frame.littleEndian, toByteOffset: 4, as: Int64.self)
            raw.storeBytes(of: UInt32(payload.count).littleEndian, toByteOffset: 12, as: UInt32.self)
            try append(payload, header: UnsafeRawBufferPointer(raw))
        }
        bytes += Self.recordHeaderBytes + payload.count
    }

    /// One `writev` of a record's header and payload.
    private func append(_ payload: UnsafeRawBufferPointer, header head: UnsafeRawBufferPointer) throws(SoundFileError) {
        guard descriptor >= 0 else { throw .writeFailed(path: path, reason: "journal closed") }
        let total = head.count + payload.count
        var vectors = (iovec(iov_base: UnsafeMutableRawPointer(mutating: head.baseAddress), iov_len: head.count),
                       iovec(iov_base: UnsafeMutableRawPointer(mutating: payload.baseAddress), iov_len: payload.count))
        let written = withUnsafeMutablePointer(to: &vectors) { pair in
            pair.withMemoryRebound(to: iovec.self, capacity: 2) { writev(descriptor, $0, payload.count > 0 ? 2 : 1) }
        }
        guard written == total else {
            // A regular file written short has met the end of its disk: say so as the kernel
            // would on the next write, so that it counts as a full disk (which closes every
            // recording), not as this recording's own failure.
            var stats = statvfs()
            let full = written >= 0 && fstatvfs(descriptor, &stats) == 0 && stats.f_bavail == 0
            let reason = written < 0 ? String(cString: strerror(errno)) : full ? String(cString: strerror(ENOSPC)) : "short write"
            // A partial record is cut off again, so that the next one starts where a reader expects it.
            _ = ftruncate(descriptor, off_t(bytes))
            _ = lseek(descriptor, off_t(bytes), SEEK_SET)
            throw .writeFailed(path: path, reason: reason)
        }
    }

    // MARK: Reading (recovery)

    /// What a journal holds: its channel count, its audio records in order, and the last checkpoint.
    public struct Contents {
        public var channels: Int
        public var sampleRate: Int
        public var audio: [(frame: Int64, samples: [Int16])] = []
        public var checkpoint: Data?
        public var layout: Layout?
    }

    /// Reads the journal at `path`; nil when there is none or it is not one.
    public static func read(path: String) -> Contents? {
        guard let data = FileManager.default.contents(atPath: path), data.count >= fileHeaderBytes,
              Array(data.prefix(4)) == magic else { return nil }
        return data.withUnsafeBytes { raw -> Contents? in
            let channels = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt16.self)))
            let rate = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
            guard channels > 0 else { return nil }
            var contents = Contents(channels: channels, sampleRate: rate)
            var offset = fileHeaderBytes
            while offset + recordHeaderBytes <= raw.count {
                let kind = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                let frame = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4, as: Int64.self))
                let length = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)))
                let start = offset + recordHeaderBytes
                guard start + length <= raw.count else { break }
                switch Kind(rawValue: kind) {
                case .audio:
                    let count = length / 2
                    guard count % channels == 0, frame >= 0 else { break }
                    let samples = [Int16](unsafeUninitializedCapacity: count) { buffer, initialized in
                        for i in 0..<count {
                            buffer[i] = Int16(littleEndian: raw.loadUnaligned(fromByteOffset: start + 2 * i, as: Int16.self))
                        }
                        initialized = count
                    }
                    contents.audio.append((frame, samples))
                case .checkpoint:
                    contents.checkpoint = Data(raw[start..<(start + length)])
                case .layout:
                    contents.layout = try? JSONDecoder().decode(Layout.self, from: Data(raw[start..<(start + length)]))
                case nil:
                    break
                }
                offset = start + length
            }
            return contents
        }
    }
}
