import Engine

/// The tracker's record of one live call: which agents are on it and on which side, its state,
/// the metadata the API added, its recordings, and the signalling that restores it after a
/// restart. Stored as a JSON document per call.
struct TrackedCall: Codable, Sendable {
    var callInstance: String
    /// The agents on the call and the side each is on.
    var parties: [Party]
    var state: AgentState.CallStateName
    var startNanos: Int64
    /// The metadata as the API shows it and sidecars carry it.
    var metadata: [String: String]
    /// What the tracker adds to the engine's metadata: the agent's keys (direction, device,
    /// station) and those the API set.
    var overrides: [String: String]
    var recordings: [AgentState.RecordingView]
    /// Screen recordings linked to the call.
    var screenRecordings: [AgentState.ScreenRecordingView] = []
    /// The primary recording was stopped by a command: a restart does not resume it.
    var primaryStopped = false
    var paused = false
    var nextSegment = 0
    var signalling: [StoredSIPMessage] = []
    var ended = false

    struct Party: Codable, Sendable, Equatable {
        var agentId: Int
        var isCaller: Bool
    }

    var agentIds: [Int] { parties.map(\.agentId) }

    /// `I` when the agent was called, `O` when it called, `X` when agents are on both ends.
    var direction: String {
        let callers = parties.contains { $0.isCaller }, callees = parties.contains { !$0.isCaller }
        if callers && callees { return "X" }
        if callers { return "O" }
        if callees { return "I" }
        return ""
    }

    var openRecordingIds: [String] {
        recordings.filter { $0.recordingState != .stopped }.map(\.recordingIdentifier)
    }
}

/// The tracker's record of one agent: the agent's live calls in the order they started, the call
/// that last ended (which `UpdateForAgent` may still change), and desktop-only sessions.
struct TrackedAgent: Codable, Sendable {
    var agentId: Int
    var calls: [String] = []
    var lastCall: String?
    /// Recordings of the call that last ended, for a late `UpdateForAgent`.
    var lastCallRecordings: [String] = []
    /// Desktop-only screen sessions (face-to-face recordings are listed from `faceToFace`).
    var desktopSessions: [AgentState.DesktopSession] = []
    /// Screen recordings without a call.
    var desktopScreenRecordings: [AgentState.ScreenRecordingView] = []
    /// The agent's blackout while active, else the last one (for the agent's state).
    var blackout: TrackedBlackout?
    /// Face-to-face recordings not yet closed and the last closed ones (nil in documents stored
    /// before face-to-face recording existed).
    var faceToFace: [FaceToFaceRecording]?
}

/// An agent's blackout: when it started, when it ends by itself, who started it, and (once
/// over) when and how it ended.
struct TrackedBlackout: Codable, Sendable {
    var startNanos: Int64
    /// `blackout.maxAgentBlackoutSeconds` after the start.
    var limitNanos: Int64
    var origin: String
    var stopNanos: Int64?
    var ended: String?
    /// The deciding server's sequence number of the start (absent in documents of older builds).
    var sequence: UInt64?

    /// Decided and not stopped: running, or scheduled to start.
    var isOpen: Bool { stopNanos == nil }

    /// Whether the audio at `nanos` is silenced by it: what `Active` says. A scheduled start is
    /// not active yet, a stop with a future time leaves it active until then.
    func isSilencing(at nanos: Int64) -> Bool {
        startNanos <= nanos && (stopNanos.map { nanos < $0 } ?? true)
    }
}
