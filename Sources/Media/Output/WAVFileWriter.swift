import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes interleaved 16-bit frames as a PCM WAV file with plain system calls: an 80-byte header
/// (RIFF, a `JUNK` chunk reserved for `ds64`, `fmt `, `data`) written at open with sizes 8 and 0
/// and completed at close, as plain WAV while it fits 4 GiB and as RF64 past that
/// (`WAVSizeFields`). libsndfile keeps about 9 KiB per open file; a server with thousands of
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
        let header = Self.header(sampleRate: sampleRate, channels: channels)
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
        // 16-bit samples: the data chunk is even and needs no pad byte.
        let dataBytes = UInt64(framesWritten) * UInt64(channels) * 2
        let sizes = WAVSizeFields.head(fileSize: UInt64(Self.headerSize) + dataBytes, dataBytes: dataBytes,
                                       frames: UInt64(framesWritten))
        var dataSizeField = sizes.dataSizeField.littleEndian
        var reason: String?
        if sizes.bytes.withUnsafeBytes({ pwrite(fd, $0.baseAddress, $0.count, 0) }) != sizes.bytes.count
            || pwrite(fd, &dataSizeField, 4, off_t(Self.headerSize - 4)) != 4 {
            reason = String(cString: strerror(errno))
        }
        let closed = Glibc.close(fd)
        if let reason { throw .closeFailed(path: path, reason: reason) }
        guard closed == 0 else { throw .closeFailed(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Bytes before the audio.
    static let headerSize = WAVSizeFields.headSize + 24 + 8

    /// The header at open: sizes 8 and 0, which a killed writer leaves and recovery rewrites.
    static func header(sampleRate: Int, channels: Int) -> [UInt8] {
        var h = WAVSizeFields.head(fileSize: 16, dataBytes: 0, frames: 0).bytes
        h.reserveCapacity(headerSize)
        func u32(_ v: UInt32) { h += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)] }
        func u16(_ v: UInt16) { h += [UInt8(v & 0xFF), UInt8(v >> 8)] }
        h += Array("fmt ".utf8)
        u32(16)
        u16(1)   // PCM
        u16(UInt16(channels))
        u32(UInt32(sampleRate))
        u32(UInt32(sampleRate * channels * 2))
        u16(UInt16(channels * 2))
        u16(16)
        h += Array("data".utf8)
        u32(0)
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
