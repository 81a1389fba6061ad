/// Who steers a face-to-face recording (`StartedBy` on start, `Controller` on later commands): the
/// desk application's own interface, or the API (the default). A recording started from the desk
/// can only be tagged through the API; one started through the API cannot be steered or tagged from the desk.
public enum FaceToFaceController: String, Sendable, Codable, CaseIterable {
    case api = "Api"
    case desktop = "Desktop"

    public init?(name: String) {
        guard let value = Self.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(name) == .orderedSame }) else { return nil }
        self = value
    }
}
