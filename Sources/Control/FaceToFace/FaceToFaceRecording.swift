import Engine
import Media

/// The tracker's record of one face-to-face recording: what was declared, who steers it, its
/// state, tags, and the audio recordings the engine made of it (one per segment: a restart
/// continues the audio in a new one). Stored with its agent, so that a restart finds it again.
struct FaceToFaceRecording: Codable, Sendable {
    var id: String
    var agentId: Int
    var media: FaceToFaceMedia
    var audioSource: FaceToFaceAudioSource
    var streams: [FaceToFaceStream]
    var startedBy: FaceToFaceController
    var status: FaceToFaceStatus
    var startNanos: Int64
    var stopNanos: Int64?
    /// When the wrap-up ends (stop + `f2f.wrapUpSeconds`).
    var wrapUpEndNanos: Int64?
    var tags: [String: String] = [:]
    /// Per tag key, the component that set it last (`TaggedByComponent`).
    var taggedBy: [String: String] = [:]
    /// The audio recordings, in order.
    var recordingIdentifiers: [String] = []
    /// The desktop-only screen session of `Media` `Screen` or `Both`.
    var screenRecordingIdentifier: String?
    /// Each medium on its own; nil for a medium never started. Records from builds before them
    /// have neither, and read them from `media` and `status` (`audio`, `screen`).
    var audioStatus: FaceToFaceMediumStatus?
    var screenStatus: FaceToFaceMediumStatus?

    /// The audio's status: nil when the recording never had audio.
    var audio: FaceToFaceMediumStatus? {
        get { audioStatus ?? (media.hasAudio ? legacyStatus : nil) }
        set { audioStatus = newValue }
    }

    /// The screen's status: nil when the recording never had a screen.
    var screen: FaceToFaceMediumStatus? {
        get { screenStatus ?? (media.hasScreen ? legacyStatus : nil) }
        set { screenStatus = newValue }
    }

    private var legacyStatus: FaceToFaceMediumStatus { status == .paused ? .paused : status.isOpen ? .active : .stopped }

    /// The audio runs (active or paused).
    var recordsAudio: Bool { audio == .active || audio == .paused }

    /// The media ever started.
    var startedMedia: FaceToFaceMedia {
        audio != nil && screen != nil ? .both : audio != nil ? .audio : .screen
    }

    /// Open while either medium runs: active when one is active, else paused. Not for a
    /// recording in wrap-up or closed.
    mutating func deriveOpenStatus() {
        let running = [audio, screen].compactMap { $0 }.filter { $0 != .stopped }
        status = running.contains(.active) ? .active : .paused
    }

    /// The name of its declared session in the engine; it is one of the agent's calls while the
    /// audio runs, so the agent's blackouts reach it as they reach calls.
    var engineIdentifier: String { Self.enginePrefix + id }
    static let enginePrefix = "f2f:"

    /// The streams recorded, microphone first: channel 0 is the microphone, 1 the speaker.
    var recordedStreams: [FaceToFaceStream] {
        FaceToFaceStream.Source.allCases.compactMap { source in
            audioSource.includes(source) ? streams.first { $0.source == source } : nil
        }
    }

    /// The declared session the engine records.
    func declaredSession(metadata: [String: String]) -> DeclaredSession {
        DeclaredSession(identifier: engineIdentifier,
                        streams: recordedStreams.map {
                            DeclaredStream(role: $0.source.channelRole, destination: $0.destination, codec: $0.decodedCodec)
                        },
                        agentId: agentId, metadata: metadata)
    }

    /// Why `controller` may not `action` this recording now (`409`), or nil when it may.
    func refusal(_ action: FaceToFaceCommand.Steering.Action, by controller: FaceToFaceController) -> ControlError? {
        if status == .closed { return conflict("is closed") }
        if controller != startedBy {
            return conflict(startedBy == .desktop
                ? "was started from the desk application: only the desk application may \(action.rawValue.lowercased()) it"
                : "was started through the API: the desk application may not steer it")
        }
        switch (action, status) {
        case (.stop, _): return nil
        case (.pause, .active), (.pause, .paused), (.resume, .active), (.resume, .paused), (.start, .active), (.start, .paused): return nil
        default: return conflict("is in wrap-up")
        }
    }

    /// Why `action` cannot apply to `media` (its media that are started) now, or nil.
    func mediumRefusal(_ action: FaceToFaceCommand.Steering.Action, _ media: [FaceToFaceMedium]) -> ControlError? {
        let states = media.map { self[$0] }
        switch action {
        case .pause where !states.contains(.active):
            return conflict(states.contains(.paused) ? "is already paused" : "has nothing running to pause")
        case .resume where !states.contains(.paused):
            return conflict("is not paused")
        default:
            return nil
        }
    }

    subscript(medium: FaceToFaceMedium) -> FaceToFaceMediumStatus? {
        get { medium == .audio ? audio : screen }
        set { if medium == .audio { audio = newValue } else { screen = newValue } }
    }

    /// Why `controller` may not tag this recording now, or nil.
    func tagRefusal(by controller: FaceToFaceController) -> ControlError? {
        if status == .closed { return conflict("is closed: tags are no longer applied") }
        if controller == .desktop && startedBy == .api {
            return conflict("was started through the API: the desk application may not tag it")
        }
        return nil
    }

    private func conflict(_ why: String) -> ControlError {
        ControlError(.conflict, "face-to-face recording '\(id)' \(why)")
    }

    /// How the agent's `DesktopOnlySessions` lists it while it is not closed.
    var desktopSession: AgentState.DesktopSession? {
        status == .closed ? nil : AgentState.DesktopSession(sessionIdentifier: id, kind: Self.sessionKind,
                                                            state: status.rawValue, startTime: CaptureTime.iso8601(startNanos))
    }
    static let sessionKind = "F2F"

    var view: FaceToFaceView {
        FaceToFaceView(id: id, status: status, media: media, audioSource: audioSource, tags: tags, startedBy: startedBy,
                       agentId: agentId, startTime: CaptureTime.iso8601(startNanos), stopTime: stopNanos.map(CaptureTime.iso8601),
                       recordingIdentifiers: recordingIdentifiers,
                       audioStatus: audio, screenStatus: screen)
    }
}
