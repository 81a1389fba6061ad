import CSndfile

/// Writes interleaved 16-bit frames to a sound file through libsndfile. It blocks on disk: it is
/// used from a media worker thread, never from a shared pool.
public final class SoundFileWriter {
    public let path: String
    public let sampleRate: Int
    public let channels: Int
    public private(set) var framesWritten: Int64 = 0
    private var handle: OpaquePointer?

    public init(path: String, sampleRate: Int, channels: Int, format: AudioFileFormat) throws(SoundFileError) {
        self.path = path
        self.sampleRate = sampleRate
        self.channels = channels
        var info = SF_INFO()
        info.samplerate = Int32(sampleRate)
        info.channels = Int32(channels)
        info.format = format.libsndfileFormat
        guard let h = sf_open(path, Int32(SFM_WRITE), &info) else {
            throw .cannotCreate(path: path, reason: String(cString: sf_strerror(nil)))
        }
        handle = h
    }

    deinit {
        if let handle { sf_close(handle) }
    }

    public func write(frames: UnsafePointer<Int16>, count: Int) throws(SoundFileError) {
        guard let handle else { throw .writeFailed(path: path, reason: "file already closed") }
        let n = sf_writef_short(handle, frames, sf_count_t(count))
        guard n == sf_count_t(count) else {
            throw .writeFailed(path: path, reason: String(cString: sf_strerror(handle)))
        }
        framesWritten += Int64(count)
    }

    /// Closes the file; libsndfile writes the final header here.
    public func close() throws(SoundFileError) {
        guard let h = handle else { return }
        handle = nil
        let status = sf_close(h)
        guard status == 0 else {
            throw .closeFailed(path: path, reason: String(cString: sf_error_number(status)))
        }
    }
}
