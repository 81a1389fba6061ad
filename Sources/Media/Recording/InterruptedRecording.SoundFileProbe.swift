import CSndfile

extension InterruptedRecording {
    /// What libsndfile makes of a file: whether it opens, and how many frames it really decodes.
    struct SoundFileProbe {
        var frames: Int64
        var channels: Int
        var sampleRate: Int
        /// The frame count the header declares (`SF_COUNT_MAX` when the file does not say).
        var declaredFrames: Int64

        /// Opens the file and, when `decodeAll`, reads it to the end: a cut FLAC or Ogg stream
        /// declares no length (or a wrong one), and only decoding says how much audio it holds.
        static func run(path: String, decodeAll: Bool) -> Result<SoundFileProbe, RecoveryProblem> {
            var info = SF_INFO()
            guard let handle = sf_open(path, Int32(SFM_READ), &info) else {
                return .failure(RecoveryProblem("cannot be read by libsndfile (\(String(cString: sf_strerror(nil))))"))
            }
            defer { sf_close(handle) }
            let channels = Int(info.channels)
            guard channels > 0, info.samplerate > 0 else {
                return .failure("reads as \(channels) channels at \(info.samplerate) Hz")
            }
            var frames = Int64(info.frames)
            if decodeAll {
                let chunk = 4096
                let buffer = UnsafeMutablePointer<Int16>.allocate(capacity: chunk * channels)
                defer { buffer.deallocate() }
                frames = 0
                while true {
                    let n = sf_readf_short(handle, buffer, sf_count_t(chunk))
                    if n <= 0 { break }
                    frames += Int64(n)
                }
            }
            return .success(SoundFileProbe(frames: frames, channels: channels, sampleRate: Int(info.samplerate),
                                           declaredFrames: Int64(info.frames)))
        }
    }
}
