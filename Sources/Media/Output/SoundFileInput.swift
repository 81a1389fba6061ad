import CSndfile

/// Reads a sound file through libsndfile (WAV of any rate, channel count and sample format, and
/// whatever else libsndfile reads) as 16-bit mono, channels averaged. It blocks on disk: for tools
/// and threads of their own, never a shared pool.
public final class SoundFileInput {
    /// Why a file cannot be read, with libsndfile's own words.
    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot read \(path): \(reason)" }
    }

    public let path: String
    public let sampleRate: Int
    public let channels: Int
    /// Frames the header announces.
    public let frames: Int

    private var handle: OpaquePointer?
    /// Interleaved frames as libsndfile hands them over, `chunkFrames` long.
    private let interleaved: UnsafeMutablePointer<Int16>
    private static let chunkFrames = 1024

    public init(path: String) throws(ReadError) {
        var info = SF_INFO()
        guard let h = sf_open(path, Int32(SFM_READ), &info) else {
            throw ReadError(path: path, reason: String(cString: sf_strerror(nil)))
        }
        guard info.samplerate > 0, info.channels > 0 else {
            sf_close(h)
            throw ReadError(path: path, reason: "no audio (rate \(info.samplerate), \(info.channels) channels)")
        }
        self.path = path
        handle = h
        sampleRate = Int(info.samplerate)
        channels = Int(info.channels)
        frames = Int(info.frames)
        interleaved = .allocate(capacity: Self.chunkFrames * channels)
    }

    deinit {
        if let handle { sf_close(handle) }
        interleaved.deallocate()
    }

    /// Reads up to `capacity` frames into `output` as mono (the mean of the channels); returns the
    /// frames read, 0 at the end of the file (or after a read error, which libsndfile reports as
    /// an end).
    public func readMono(into output: UnsafeMutablePointer<Int16>, capacity: Int) -> Int {
        guard let handle, capacity > 0 else { return 0 }
        if channels == 1 { return Int(max(0, sf_readf_short(handle, output, sf_count_t(capacity)))) }
        var done = 0
        while done < capacity {
            let want = min(Self.chunkFrames, capacity - done)
            let n = Int(max(0, sf_readf_short(handle, interleaved, sf_count_t(want))))
            for f in 0..<n {
                var sum = 0
                for c in 0..<channels { sum += Int(interleaved[f * channels + c]) }
                output[done + f] = Int16(sum / channels)
            }
            done += n
            if n < want { break }
        }
        return done
    }

    /// Closes the file; later reads return 0.
    public func close() {
        guard let h = handle else { return }
        handle = nil
        sf_close(h)
    }
}
