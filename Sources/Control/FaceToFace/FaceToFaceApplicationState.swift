/// `GET /api/F2F/Application`: whether this server records face-to-face now, and why not when
/// capture or storage does not work.
public struct FaceToFaceApplicationState: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable {
        case recording = "Recording"
        case notRecording = "NotRecording"
        case error = "Error"
    }

    public var state: State
    public var detail: String

    public init(state: State, detail: String) {
        self.state = state
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case state = "State", detail = "Detail"
    }
}
