import CSndfile

/// The container and encoding of a recording's audio files (`storage.format`).
public enum AudioFileFormat: String, Sendable, Codable, CaseIterable {
    /// WAV, 16-bit linear PCM.
    case wav
    /// WAV, G.711 µ-law (narrowband recordings only; a 16 kHz recording is written as 16-bit PCM).
    case wavMuLaw = "wav-ulaw"
    /// WAV, G.711 A-law (narrowband only, likewise).
    case wavALaw = "wav-alaw"
    /// FLAC, lossless 16-bit.
    case flac
    /// Ogg/Opus (at the rates Opus takes: 8, 12, 16, 24, 48 kHz).
    case oggOpus = "ogg-opus"

    public var fileExtension: String {
        switch self {
        case .wav, .wavMuLaw, .wavALaw: "wav"
        case .flac: "flac"
        case .oggOpus: "opus"
        }
    }

    /// The format a recording at `sampleRate` is actually written in: G.711 exists at 8 kHz only.
    public func effective(sampleRate: Int) -> AudioFileFormat {
        (self == .wavMuLaw || self == .wavALaw) && sampleRate != 8000 ? .wav : self
    }

    /// How the sidecar names it.
    public var sidecarName: String {
        switch self {
        case .wav: "wav/pcm16"
        case .wavMuLaw: "wav/ulaw"
        case .wavALaw: "wav/alaw"
        case .flac: "flac/pcm16"
        case .oggOpus: "ogg/opus"
        }
    }

    /// libsndfile's format code.
    var libsndfileFormat: Int32 {
        switch self {
        case .wav: Int32(SF_FORMAT_WAV | SF_FORMAT_PCM_16)
        case .wavMuLaw: Int32(SF_FORMAT_WAV | SF_FORMAT_ULAW)
        case .wavALaw: Int32(SF_FORMAT_WAV | SF_FORMAT_ALAW)
        case .flac: Int32(SF_FORMAT_FLAC | SF_FORMAT_PCM_16)
        case .oggOpus: Int32(SF_FORMAT_OGG | SF_FORMAT_OPUS)
        }
    }
}

/// How a recording's two directions are laid out in files (`storage.channels`).
public enum ChannelLayout: String, Sendable, Codable, CaseIterable {
    /// One file, one channel per side.
    case stereo
    /// One file, both sides mixed into one channel.
    case mono
    /// One mono file per side.
    case separate
}

/// Which sides are kept (`storage.side`): both, or only one (by channel role).
public enum SideSelection: Sendable, Equatable {
    case both
    /// Only the channel with this role (`caller`, `callee`; `agent`, `customer` once agents are known).
    case only(String)
}
