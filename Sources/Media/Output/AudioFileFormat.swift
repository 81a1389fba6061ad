/// The container and encoding of a recording's audio file.
public enum AudioFileFormat: String, Sendable, Codable, CaseIterable {
    /// WAV, 16-bit linear PCM.
    case wav

    public var fileExtension: String {
        switch self {
        case .wav: "wav"
        }
    }

    /// How the sidecar names it.
    public var sidecarName: String {
        switch self {
        case .wav: "wav/pcm16"
        }
    }
}
