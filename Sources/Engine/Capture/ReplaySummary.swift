/// What a replay did, as `calltap replay` prints it (`--json` keys are the contract of
/// docs/API.md, "Command line").
public struct ReplaySummary: Encodable, Sendable {
    /// Distinct calls (Call-IDs with an INVITE) the call table took.
    public var calls: Int
    /// Of those, unanswered calls without media given up for newer ones when the table was full
    /// (`limits.maxCalls`); the INVITEs it refused are `NotUsed.tooManyCalls`.
    public var callsEvicted: Int
    /// Recordings written.
    public var recordings: Int
    /// Packets read from the capture.
    public var packets: Int
    /// Packets that did not become audio, by cause.
    public var notUsed: [String: Int]
    /// The capture stopped in the middle of a packet.
    public var truncated: Bool
    public var truncation: String?
    /// Capture time from the first packet to the last.
    public var seconds: Double
    /// Wall-clock time the replay took (measured by the command around the engine, which reads no wall clock).
    public var elapsedSeconds: Double
    /// Packets whose time went backwards (treated as the previous time).
    public var timeWentBackwards: Int
    public var errors: [String]
    /// The recordings' files, ordered by the recording's start (nil when none could be listed).
    /// Not encoded with the rest: `calltap replay --json` streams them as `Files`.
    public var fileList: RecordingFileList?

    /// Every file of `fileList`, in memory at once: for tests and small runs.
    public var files: [String] { fileList?.all ?? [] }

    enum CodingKeys: String, CodingKey {
        case calls = "Calls", callsEvicted = "CallsEvicted", recordings = "Recordings", packets = "Packets", notUsed = "NotUsed"
        case truncated = "Truncated", truncation = "Truncation", seconds = "Seconds"
        case elapsedSeconds = "ElapsedSeconds", timeWentBackwards = "TimeWentBackwards", errors = "Errors"
    }
}
