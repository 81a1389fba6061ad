import Glibc

/// What a finished recording left behind.
public struct RecordingResult: Sendable {
    public var sidecar: Sidecar
    /// The audio files (one, or one per side).
    public var audioPaths: [String]
    public var sidecarPath: String
    /// The audio files' bytes on disk once the sidecar was written (after any encryption).
    /// Measured by the thread that finished the recording, so that whoever is told of it (the
    /// capture thread) does not wait on the file system.
    public var audioBytes: Int

    /// Reads the sizes of `audioPaths` as they are now.
    public init(sidecar: Sidecar, audioPaths: [String], sidecarPath: String) {
        self.sidecar = sidecar
        self.audioPaths = audioPaths
        self.sidecarPath = sidecarPath
        audioBytes = audioPaths.reduce(0) { sum, path in
            var st = stat()
            return sum + (stat(path, &st) == 0 ? Int(st.st_size) : 0)
        }
    }
}
