import Foundation

/// Where the tracker keeps what must survive a restart (also after `kill -9`): each agent's and
/// each live call's state as JSON documents the tracker owns, and the index of recordings.
/// Writes are queued and done on the store's own thread (SQLite blocks); `flush` waits for them.
public protocol TrackerStore: AnyObject, Sendable {
    /// Everything stored, read once at startup.
    func load() throws -> StoredTracker
    func saveAgent(id: Int, document: StoredDocument)
    /// Inserts or replaces the agent directory's entry for the agent (`DirectoryEntry`).
    func saveDirectoryEntry(id: Int, document: StoredDocument)
    func saveCall(callInstance: String, document: StoredDocument)
    func removeCall(callInstance: String)
    /// Inserts or replaces the recording's row.
    func saveRecording(_ entry: RecordingIndexEntry)
    /// Merges metadata keys into a finished recording's row (an update after it ended) and sets
    /// the retention they give it.
    func updateFinishedMetadata(_ recordingIdentifier: String, changes: [String: String], retention: RecordingRetention?)
    /// Places (`hold` non-nil) or lifts the legal hold on a recording; answers its entry after,
    /// nil when there is no such recording. Throws `ControlError(.conflict)` for one the sweeper
    /// is removing. Committed before it returns.
    func setHold(_ hold: RecordingHold?, on recordingIdentifier: String) throws -> RecordingIndexEntry?
    /// Inserts or replaces the recording's row and, in the same transaction, queues the
    /// announcement of its next revision to each of `destinations` (the outbox).
    func saveRecording(_ entry: RecordingIndexEntry, announcingTo destinations: [String])
    /// Queues the announcement of the recording's next revision (its sidecar was rewritten).
    func announce(recordingIdentifier: String, to destinations: [String])
    /// Appends to the audit trail.
    func audit(_ entry: AuditEntry)
    /// A page of the audit trail, newest first.
    func auditTrail(_ query: AuditQuery) throws -> AuditPage
    /// Waits until every queued write is on disk.
    func flush()
    func recordings(_ query: RecordingQuery) throws -> RecordingPage
    func recording(id: String) throws -> RecordingIndexEntry?
    /// Writes waiting for space on a full disk.
    var writesWaitingForSpace: Int { get }
}

extension TrackerStore {
    public var writesWaitingForSpace: Int { 0 }
}

/// What the store held at startup.
public struct StoredTracker: Sendable {
    public var agents: [Int: Data]
    /// The agent directory's entries by agent id (empty before the agents API existed).
    public var directory: [Int: Data]
    public var calls: [String: Data]
    /// Recordings whose row still says they are open: the server stopped before finishing them.
    public var openRecordings: [RecordingIndexEntry]

    public init(agents: [Int: Data] = [:], directory: [Int: Data] = [:], calls: [String: Data] = [:],
                openRecordings: [RecordingIndexEntry] = []) {
        self.agents = agents
        self.directory = directory
        self.calls = calls
        self.openRecordings = openRecordings
    }
}
