import Control

/// The in-memory recorder has no face-to-face recordings: they are tested on the real control
/// plane (`FaceToFaceRouteTests`).
extension InMemoryRecorder {
    func faceToFace(_ command: FaceToFaceCommand) async throws(ControlError) -> FaceToFaceView {
        let target: FaceToFaceCommand.Target?
        switch command {
        case .start: target = nil
        case .steer(let steering): target = steering.target
        case .tag(let tagging): target = tagging.target
        }
        if case .id(let id)? = target { throw ControlError(.notFound, "no face-to-face recording '\(id)'") }
        throw ControlError(.unavailable, "the in-memory recorder records no face-to-face sessions")
    }

    func faceToFaceRecording(id: String) async -> FaceToFaceView? { nil }

    func currentFaceToFace(_ agent: AgentReference) async throws(ControlError) -> FaceToFaceView? { nil }

    func faceToFaceApplication() async -> FaceToFaceApplicationState {
        FaceToFaceApplicationState(state: .notRecording, detail: "in memory")
    }
}
