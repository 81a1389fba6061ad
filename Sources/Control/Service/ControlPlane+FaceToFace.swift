import Engine
import Foundation

/// The Face-to-Face API over the control plane: commands through the engine's inbox to the
/// tracker, reads from the snapshots it publishes.
extension ControlPlane {
    public func faceToFace(_ command: FaceToFaceCommand) async throws(ControlError) -> FaceToFaceView {
        // A start needs somewhere to write: with storage unusable it is refused (503), not
        // answered 201 for a recording that cannot be written.
        if case .start(let start) = command, start.media.hasAudio, let problem = storageProblem {
            throw ControlError(.unavailable, "storage: \(problem)")
        }
        let tracker = tracker
        return try await onCaptureThread { nanos in tracker.performFaceToFace(command, at: nanos) }
    }

    public func faceToFaceRecording(id: String) async -> FaceToFaceView? {
        tracker.faceToFaceSnapshots.recording(id: id)
    }

    public func currentFaceToFace(_ agent: AgentReference) async throws(ControlError) -> FaceToFaceView? {
        guard let profile = directory.agent(agent) else { throw .agentNotFound(agent) }
        return tracker.faceToFaceSnapshots.current(agentId: profile.id)
    }

    public func faceToFaceApplication() async -> FaceToFaceApplicationState {
        // Capture and storage: a broker outage does not stop a desk from being recorded here.
        let readiness = await readiness()
        guard readiness.capture && readiness.storage else {
            return FaceToFaceApplicationState(state: .error, detail: readiness.detail)
        }
        return tracker.faceToFaceSnapshots.anyRecording
            ? FaceToFaceApplicationState(state: .recording, detail: "a face-to-face recording is running")
            : FaceToFaceApplicationState(state: .notRecording, detail: "no face-to-face recording is running")
    }
}
