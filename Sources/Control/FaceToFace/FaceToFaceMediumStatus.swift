/// Where one medium of a face-to-face recording (its audio, or its screen) is: each is started,
/// paused, resumed and stopped on its own, and the recording is open while either runs.
public enum FaceToFaceMediumStatus: String, Sendable, Codable {
    case active = "Active"
    case paused = "Paused"
    case stopped = "Stopped"
}
