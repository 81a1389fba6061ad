import CSndfile
import Foundation

/// Overwrites a stretch of a finished sound file with silence on every channel, keeping its
/// length: how a blackout that arrives after its audio was written (`Late`) still reaches the
/// file. A WAV file is changed in place; FLAC and Ogg/Opus cannot be, so they are decoded,
/// silenced and encoded again into a new file that then takes the old one's place. It blocks on
/// disk: call it from a thread of its own.
public enum AudioFileSilencer {
    /// Silences frames `frames` (clamped to the file) of the file at `path`; returns how many
    /// frames it silenced.
    @discardableResult
    public static func silence(path: String, frames: Range<Int64>) throws(SoundFileError) -> Int64 {
        var info = SF_INFO()
        guard let probe = sf_open(path, Int32(SFM_READ), &info) else {
            throw .cannotOpen(path: path, reason: String(cString: sf_strerror(nil)))
        }
        sf_close(probe)
        let clamped = max(0, frames.lowerBound)..<min(Int64(info.frames), frames.upperBound)
        guard !clamped.isEmpty, info.channels > 0 else { return 0 }
        let container = info.format & Int32(SF_FORMAT_TYPEMASK)
        if container == Int32(SF_FORMAT_RF64) || container == Int32(SF_FORMAT_WAV),
           info.format & Int32(SF_FORMAT_SUBMASK) == Int32(SF_FORMAT_PCM_16) {
            try zeroInPlace(path: path, frames: clamped)
        } else if container == Int32(SF_FORMAT_WAV) {
            try inPlace(path: path, frames: clamped)
        } else {
            try rewrite(path: path, info: info, frames: clamped)
        }
        return clamped.upperBound - clamped.lowerBound
    }

    /// 16-bit PCM silence is zero bytes: written straight over the audio, the header untouched.
    /// (libsndfile, opening an RF64 file to write, rewrites its header with a longer 'fmt ' chunk
    /// over the first frames.)
    private static func zeroInPlace(path: String, frames: Range<Int64>) throws(SoundFileError) {
        let file: InterruptedRecording.RawFile
        do { file = try InterruptedRecording.RawFile(path: path, writable: true) } catch {
            throw .cannotOpen(path: path, reason: error.description)
        }
        let header: InterruptedRecording.WAVHeader
        switch InterruptedRecording.WAVHeader.read(file) {
        case .success(let h): header = h
        case .failure(let problem): throw .cannotOpen(path: path, reason: problem.description)
        }
        let chunkFrames = 4096
        let zeros = [UInt8](repeating: 0, count: chunkFrames * header.blockAlign)
        var frame = frames.lowerBound
        while frame < frames.upperBound {
            let n = Int(min(Int64(chunkFrames), frames.upperBound - frame))
            let offset = header.dataStart + UInt64(frame) * UInt64(header.blockAlign)
            guard file.write(Array(zeros.prefix(n * header.blockAlign)), at: offset) else {
                throw .writeFailed(path: path, reason: file.lastError)
            }
            frame += Int64(n)
        }
    }

    private static func inPlace(path: String, frames: Range<Int64>) throws(SoundFileError) {
        var info = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_RDWR), &info) else {
            throw .cannotOpen(path: path, reason: String(cString: sf_strerror(nil)))
        }
        guard sf_seek(handle, sf_count_t(frames.lowerBound), SEEK_SET) == sf_count_t(frames.lowerBound) else {
            let reason = String(cString: sf_strerror(handle))
            sf_close(handle)
            throw .writeFailed(path: path, reason: "seek: \(reason)")
        }
        let chunk = 4096
        let zeros = UnsafeMutablePointer<Int16>.allocate(capacity: chunk * Int(info.channels))
        defer { zeros.deallocate() }
        zeros.initialize(repeating: 0, count: chunk * Int(info.channels))
        var left = frames.upperBound - frames.lowerBound
        while left > 0 {
            let n = min(Int64(chunk), left)
            guard sf_writef_short(handle, zeros, sf_count_t(n)) == sf_count_t(n) else {
                let reason = String(cString: sf_strerror(handle))
                sf_close(handle)
                throw .writeFailed(path: path, reason: reason)
            }
            left -= n
        }
        let status = sf_close(handle)
        guard status == 0 else { throw .closeFailed(path: path, reason: String(cString: sf_error_number(status))) }
    }

    private static func rewrite(path: String, info original: SF_INFO, frames: Range<Int64>) throws(SoundFileError) {
        var info = original
        guard let input = sf_open(path, Int32(SFM_READ), &info) else {
            throw .cannotOpen(path: path, reason: String(cString: sf_strerror(nil)))
        }
        defer { sf_close(input) }
        let temporary = path + ".silencing"
        var outInfo = SF_INFO()
        outInfo.samplerate = info.samplerate
        outInfo.channels = info.channels
        outInfo.format = info.format
        guard let output = sf_open(temporary, Int32(SFM_WRITE), &outInfo) else {
            throw .cannotCreate(path: temporary, reason: String(cString: sf_strerror(nil)))
        }
        let channels = Int(info.channels), chunk = 4096
        let buffer = UnsafeMutablePointer<Int16>.allocate(capacity: chunk * channels)
        defer { buffer.deallocate() }
        var position: Int64 = 0
        var failure: String?
        while failure == nil {
            let n = Int64(sf_readf_short(input, buffer, sf_count_t(chunk)))
            if n <= 0 { break }
            // Zero the part of this chunk that falls inside the stretch.
            let from = max(frames.lowerBound, position), to = min(frames.upperBound, position + n)
            if from < to {
                (buffer + Int(from - position) * channels).update(repeating: 0, count: Int(to - from) * channels)
            }
            if sf_writef_short(output, buffer, sf_count_t(n)) != sf_count_t(n) {
                failure = String(cString: sf_strerror(output))
            }
            position += n
        }
        let status = sf_close(output)
        if failure == nil, status != 0 { failure = String(cString: sf_error_number(status)) }
        if let failure {
            unlink(temporary)
            throw .writeFailed(path: temporary, reason: failure)
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw .writeFailed(path: path, reason: "cannot replace the file: \(String(cString: strerror(errno)))")
        }
    }
}
