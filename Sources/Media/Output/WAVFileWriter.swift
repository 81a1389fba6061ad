import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes interleaved 16-bit frames as a canonical 44-byte-header PCM WAV file, byte for byte
/// what libsndfile writes (the header it writes at open, sizes 8 and 0, completed at close), with
/// plain system calls. libsndfile keeps about 9 KiB per open file; a server with thousands of
/// live calls keeps one file open per call, so the most common format is written here. It blocks
/// on disk: it is used from a media worker or the finisher, never from a shared pool.
final class WAVFileWriter: AudioFileWriter {
    let path: String
    let sampleRate: Int
    let channels: Int
    private(set) var framesWritten: Int64 = 0
    private var descriptor: Int32

    init(path: String, sampleRate: Int, channels: Int) throws(SoundFileError) {
        self.path = path
        self.sampleRate = sampleRate
        self.channels = channels
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .cannotCreate(path: path, reason: String(cString: strerror(errno))) }
        let header = Self.header(sampleRate: sampleRate, channels: channels, riffSize: 8, dataSize: 0)
        guard header.withUnsafeBytes({ Glibc.write(descriptor, $0.baseAddress, $0.count) }) == header.count else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            descriptor = -1
            throw .cannotCreate(path: path, reason: reason)
        }
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    func write(frames: UnsafePointer<Int16>, count: Int) throws(SoundFileError) {
        guard descriptor >= 0 else { throw .writeFailed(path: path, reason: "file already closed") }
        // Little-endian samples on a little-endian machine: the bytes go as they are.
        var bytes = UnsafeRawPointer(frames)
        var left = count * channels * 2
        while left > 0 {
            let n = Glibc.write(descriptor, bytes, left)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
            bytes += n
            left -= n
        }
        framesWritten += Int64(count)
    }

    /// Writes the final sizes into the header and closes the file.
    func close() throws(SoundFileError) {
        guard descriptor >= 0 else { return }
        let fd = descriptor
        descriptor = -1
        // Sizes a 32-bit RIFF header cannot hold saturate instead of wrapping round.
        let data = UInt32(clamping: framesWritten * Int64(channels) * 2)
        let header = Self.header(sampleRate: sampleRate, channels: channels, riffSize: UInt32(clamping: UInt64(data) + 36),
                                 dataSize: data)
        let written = header.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        let reason = written == header.count ? nil : String(cString: strerror(errno))
        let closed = Glibc.close(fd)
        if let reason { throw .closeFailed(path: path, reason: reason) }
        guard closed == 0 else { throw .closeFailed(path: path, reason: String(cString: strerror(errno))) }
    }

    static func header(sampleRate: Int, channels: Int, riffSize: UInt32, dataSize: UInt32) -> [UInt8] {
        var h: [UInt8] = []
        h.reserveCapacity(44)
        func u32(_ v: UInt32) { h += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)] }
        func u16(_ v: UInt16) { h += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        h += Array("RIFF".utf8)
        u32(riffSize)
        h += Array("WAVEfmt ".utf8)
        u32(16)
        u16(1)   // PCM
        u16(UInt16(channels))
        u32(UInt32(sampleRate))
        u32(UInt32(sampleRate * channels * 2))
        u16(UInt16(channels * 2))
        u16(16)
        h += Array("data".utf8)
        u32(dataSize)
        return h
    }
}

/// Where a recording's frames go: a WAV file written here, or any format through libsndfile.
protocol AudioFileWriter: AnyObject {
    var path: String { get }
    var framesWritten: Int64 { get }
    func write(frames: UnsafePointer<Int16>, count: Int) throws(SoundFileError)
    func close() throws(SoundFileError)
}

extension SoundFileWriter: AudioFileWriter {}
