import Foundation
import Media

/// What the HTTP API asks of the recorder. The API never reaches into the engine: reads come
/// from snapshots the control plane publishes, commands go to the one owner of agent state and
/// are answered when it has applied them.
public protocol RecorderService: Sendable {
    /// One agent's state; `agent_not_found` when no agent matches.
    func agent(_ reference: AgentReference) async throws(ControlError) -> AgentState
    /// Every agent, in id order.
    func allAgents() async -> [AgentState]
    /// `agent(_:)` as the API answers it (JSON).
    func agentAnswer(_ reference: AgentReference) async throws(ControlError) -> Data
    /// `allAgents()` as the API answers it (a JSON array).
    func allAgentsAnswer() async -> Data
    /// Applies a command at the current capture time; answers the agent's state after it.
    func perform(_ command: ControlCommand) async throws(ControlError) -> AgentState
    /// Finished and open recordings, newest first.
    func recordings(_ query: RecordingQuery) async throws(ControlError) -> RecordingPage
    /// One recording's index entry; `nil` when unknown.
    func recording(id: String) async throws(ControlError) -> RecordingIndexEntry?
    /// Places (`hold` non-nil) or lifts a legal hold; the entry after it, `nil` when unknown;
    /// `conflict` for a recording the sweeper is removing.
    func setHold(_ hold: RecordingHold?, on id: String) async throws(ControlError) -> RecordingIndexEntry?
    /// Appends to the audit trail (queued: it never waits for the disk).
    func audit(_ entry: AuditEntry)
    /// A page of the audit trail, newest first.
    func auditTrail(_ query: AuditQuery) async throws(ControlError) -> AuditPage
    /// Whether capture and storage work now.
    func readiness() async -> Readiness
    /// Counters for `/metrics`.
    func metrics() async -> MetricsSnapshot
    /// Applies a Face-to-Face API command at the current capture time; answers the recording after it.
    func faceToFace(_ command: FaceToFaceCommand) async throws(ControlError) -> FaceToFaceView
    /// One face-to-face recording; nil when unknown.
    func faceToFaceRecording(id: String) async -> FaceToFaceView?
    /// The agent's current (not closed) face-to-face recording; nil when it has none.
    func currentFaceToFace(_ agent: AgentReference) async throws(ControlError) -> FaceToFaceView?
    /// `GET /api/F2F/Application`: recording, not recording, or why not (capture, storage).
    func faceToFaceApplication() async -> FaceToFaceApplicationState
    /// Decrypts recorded audio encrypted at rest; nil when none is.
    var audioEncryption: RecordingEncryptor? { get }
}

extension RecorderService {
    public var audioEncryption: RecordingEncryptor? { nil }

    public func agentAnswer(_ reference: AgentReference) async throws(ControlError) -> Data {
        let state = try await agent(reference)
        do { return try APIJSON.encoder().encode(state) } catch {
            throw ControlError(.internalFault, "the agent's state could not be encoded")
        }
    }

    public func allAgentsAnswer() async -> Data {
        (try? APIJSON.encoder().encode(await allAgents())) ?? Data("[]".utf8)
    }
}

/// `GET /api/Recordings` filters. Times are nanoseconds since 1970 (capture time).
public struct RecordingQuery: Sendable, Equatable {
    public var agentId: Int?
    public var callInstance: String?
    public var fromNanos: Int64?
    public var toNanos: Int64?
    public var limit: Int
    /// Opaque, from a previous page's `nextCursor`.
    public var cursor: String?

    public init(agentId: Int? = nil, callInstance: String? = nil, fromNanos: Int64? = nil, toNanos: Int64? = nil,
                limit: Int = 50, cursor: String? = nil) {
        self.agentId = agentId
        self.callInstance = callInstance
        self.fromNanos = fromNanos
        self.toNanos = toNanos
        self.limit = limit
        self.cursor = cursor
    }
}

/// One page of recordings and the cursor of the next (nil on the last page).
public struct RecordingPage: Sendable, Equatable {
    public var items: [RecordingIndexEntry]
    public var nextCursor: String?

    public init(items: [RecordingIndexEntry], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// A recording as the index knows it: identity, who and which call, when, where its files are,
/// and its state (`Recording`, `Paused`, `Stopped`) and end reason once finished.
public struct RecordingIndexEntry: Sendable, Equatable, Codable {
    public var recordingIdentifier: String
    public var callInstance: String
    public var agentId: Int?
    public var isDuplicate: Bool
    public var segment: Int
    public var startNanos: Int64
    public var endNanos: Int64?
    public var state: String
    public var endReason: String?
    /// Absolute paths: the sidecar, and each audio file (one per channel in the `separate` layout).
    public var sidecarPath: String
    public var audioPaths: [String]
    /// How the file was written, so that an interrupted one can be repaired: format, layout,
    /// sample rate, channel roles, metadata at open.
    public var format: String
    public var sampleRate: Int
    public var channelRoles: [String]
    public var metadata: [String: String]
    /// How long it is kept once finished (nil: for ever), set when it finishes.
    public var retention: RecordingRetention?
    /// The legal hold on it, if any: it is never swept while held. The store owns it (the
    /// tracker's writes of an entry leave it as it is).
    public var hold: RecordingHold?

    public init(recordingIdentifier: String, callInstance: String, agentId: Int?, isDuplicate: Bool, segment: Int,
                startNanos: Int64, endNanos: Int64?, state: String, endReason: String?, sidecarPath: String,
                audioPaths: [String], format: String, sampleRate: Int, channelRoles: [String], metadata: [String: String],
                retention: RecordingRetention? = nil, hold: RecordingHold? = nil) {
        self.recordingIdentifier = recordingIdentifier
        self.callInstance = callInstance
        self.agentId = agentId
        self.isDuplicate = isDuplicate
        self.segment = segment
        self.startNanos = startNanos
        self.endNanos = endNanos
        self.state = state
        self.endReason = endReason
        self.sidecarPath = sidecarPath
        self.audioPaths = audioPaths
        self.format = format
        self.sampleRate = sampleRate
        self.channelRoles = channelRoles
        self.metadata = metadata
        self.retention = retention
        self.hold = hold
    }

    /// When its retention runs out (nil: kept for ever, or not finished).
    public var expiresNanos: Int64? {
        guard let retention, let endNanos else { return nil }
        return retention.expiry(afterEnd: endNanos)
    }
}

/// `/readyz`: each part and why it is not usable.
public struct Readiness: Sendable, Equatable {
    public var capture: Bool
    public var storage: Bool
    /// Whether the cluster's broker is connected; nil when the server runs alone.
    public var broker: Bool?
    public var detail: String

    public init(capture: Bool, storage: Bool, broker: Bool? = nil, detail: String) {
        self.capture = capture
        self.storage = storage
        self.broker = broker
        self.detail = detail
    }

    public var ready: Bool { capture && storage && broker != false }
}

/// Counters the engine and control plane publish for `/metrics`.
public struct MetricsSnapshot: Sendable, Equatable {
    public var packets: Int = 0
    /// Packets not used, by cause (the sidecar's and replay summary's `NotUsed` names).
    public var notUsed: [String: Int] = [:]
    /// libpcap's counters: received by the filter, dropped by the kernel, dropped by the interface.
    public var pcapReceived: Int = 0
    public var pcapDropped: Int = 0
    public var pcapInterfaceDropped: Int = 0
    public var callsSeen: Int = 0
    public var callsActive: Int = 0
    /// Live calls given up for newer ones in a full call table (`limits.maxCalls`).
    public var callsEvicted: Int = 0
    public var recordingsOpen: Int = 0
    public var recordingsFinished: Int = 0
    public var bytesWritten: Int = 0
    /// Per media worker, the share of its ring from the capture thread in use, now and at its peak.
    public var ringFill: [Double] = []
    public var ringPeakFill: [Double] = []
    /// Ended recordings waiting for their files to be closed and sidecars written.
    public var finisherBacklog: Int = 0
    /// Bytes of held audio in use by open recordings, and mapped for it in all (`HeldAudioPool`).
    public var heldAudioBytes: Int = 0
    public var heldAudioMappedBytes: Int = 0
    /// Recordings left unencrypted although `storage.encryption` is on (the encryption failed).
    public var audioEncryptionFailures: Int = 0
    /// Seconds since the capture thread last made progress; nil before it started.
    public var heartbeatAgeSeconds: Double?
    /// Bytes free under the storage root at the last measurement (nil before one).
    public var storageFreeBytes: Int64?
    /// A write found the disk full and space has not come back above `storage.minFreeMiB`.
    public var storageFull = false
    /// Recordings that did not start because storage was low.
    public var recordingsRefusedForStorage = 0
    /// Times the storage reserve was given up for a sidecar or the index on a full disk.
    public var storageReserveReleases = 0
    /// Sidecars and index writes waiting for room on a full disk.
    public var sidecarsWaitingForSpace = 0
    public var indexWritesWaitingForSpace = 0
    /// The cluster's broker: whether it is connected and what the connection counted; nil when
    /// the server runs alone.
    public var broker: BrokerMetrics?
    /// What the retention sweeper did since start; nil when it does not run (a replay).
    public var sweep: RetentionSweeper.Totals?
    /// Each announcement destination's outbox and deliveries; empty when nothing is announced.
    public var announcements: [AnnouncementMetrics] = []

    public init() {}
}
