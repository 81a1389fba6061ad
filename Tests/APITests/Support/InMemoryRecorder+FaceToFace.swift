import Control

/// The in-memory recorder has no face-to-face recordings: they are tested on the real control
/// plane (`FaceToFaceRouteTests`).
extension InMemoryRecorder {
    func faceToFace(_ command: FaceToFaceCommand) async throws(ControlError) -> FaceToFaceView {
        throw ControlError(.unavailable, "the in-memory recorder records no face-to-face sessions")
    }

    func faceToFaceRecording(id: String) async -> FaceToFaceView? { nil }

    func currentFaceToFace(_ agent: AgentReference) async throws(ControlError) -> FaceToFaceView? { nil }

    func faceToFaceApplication() async -> FaceToFaceApplicationState {
        FaceToFaceApplicationState(state: .notRecording, detail: "in memory")
    }
}
