/// Which declared streams a face-to-face recording keeps (`AudioSource`), one channel each.
public enum FaceToFaceAudioSource: String, Sendable, Codable, CaseIterable {
    case microphone = "Microphone"
    case speaker = "Speaker"
    case both = "Both"

    /// Whether a stream from `source` is recorded.
    public func includes(_ source: FaceToFaceStream.Source) -> Bool {
        switch self {
        case .microphone: source == .microphone
        case .speaker: source == .speaker
        case .both: true
        }
    }

    public init?(name: String) {
        guard let value = Self.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(name) == .orderedSame }) else { return nil }
        self = value
    }
}
