/// What a face-to-face recording captures (`Media`): the desk's audio, the agent's screen, or both.
public enum FaceToFaceMedia: String, Sendable, Codable, CaseIterable {
    case audio = "Audio"
    case screen = "Screen"
    case both = "Both"

    public var hasAudio: Bool { self != .screen }
    public var hasScreen: Bool { self != .audio }

    /// Parsed without regard to case; nil when it is none of the three.
    public init?(name: String) {
        guard let value = Self.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(name) == .orderedSame }) else { return nil }
        self = value
    }
}

/// One medium of a face-to-face recording.
public enum FaceToFaceMedium: Sendable, CaseIterable {
    case audio
    case screen
}

extension FaceToFaceMedia {
    /// The media it names.
    public var media: [FaceToFaceMedium] {
        switch self {
        case .audio: [.audio]
        case .screen: [.screen]
        case .both: [.audio, .screen]
        }
    }
}
