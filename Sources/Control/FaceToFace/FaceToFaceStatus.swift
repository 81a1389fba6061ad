/// Where a face-to-face recording is in its life: recording, paused (silence, the timeline goes
/// on), stopped but still taking tags for the wrap-up time, and closed with its sidecar final.
public enum FaceToFaceStatus: String, Sendable, Codable {
    case active = "Active"
    case paused = "Paused"
    case wrapUp = "WrapUp"
    case closed = "Closed"

    /// Active or paused: the audio is still being recorded, and a new recording for the agent is refused.
    public var isOpen: Bool { self == .active || self == .paused }
}
