import Engine
import Foundation
import Logging
import Media
import SIP

/// The one writer of agent state. It runs on the capture thread: SIP events come from the
/// engine as callbacks, API commands come through the engine's inbox, both stamped with capture
/// time. It decides how each call is recorded, tells the engine, publishes each changed agent's
/// state for the API, and persists what must survive a restart.
public final class AgentTracker {
    let configuration: ServerConfiguration
    /// The agents: the configuration's, and what the agents API and other servers changed
    /// (AgentTracker+Directory.swift). Replaced as a whole on a change, then published.
    public internal(set) var directory: AgentDirectory
    /// The agents' states and the directory, published for the API.
    public let snapshots: AgentSnapshots
    let store: TrackerStore?
    let logger: Logger
    /// Set once the engine exists; the tracker only runs on the engine's capture thread.
    unowned(unsafe) var engine: CaptureEngine!

    var agents: [Int: TrackedAgent] = [:]
    var calls: [String: TrackedCall] = [:]
    /// Calls stored before a restart, waiting for their signalling to be replayed.
    var restoring: [String: TrackedCall] = [:]
    /// The recordings opened here and where their sidecars are.
    var recordingIndex: RecordingIndex
    /// The destinations finished and rewritten recordings are announced to (none until `serve` sets them).
    let announcer: RewriteAnnouncer
    let sidecarRewriter: SidecarRewriter
    let lateWriter: LateBlackoutWriter

    // Cluster (AgentTracker+Cluster.swift).
    /// The other servers, when `cluster.broker` is configured; set before the capture runs.
    public internal(set) var cluster: ClusterBus?
    /// The cluster's blackout decisions as this server knows them.
    var ledger = ClusterBlackoutLedger()
    /// The latest time the tracker has seen (capture clock or a command's accepted time): what
    /// the views show scheduled blackouts against.
    var clockNanos = Int64.min

    /// Which agent holds each face-to-face recording, and their views (AgentTracker+FaceToFace.swift).
    var faceToFaceSessions = FaceToFaceSessions()
    /// Face-to-face recordings as the API reads them.
    public var faceToFaceSnapshots: FaceToFaceSnapshots { faceToFaceSessions.snapshots }
    /// Recordings finished so far and the bytes of their audio, for `/metrics` on any thread.
    public let finishedTotals = FinishedTotals()

    /// `sealer`: sidecars rewritten later (late blackouts, metadata, tags) are sealed again on it;
    /// `encryptor`: audio a late blackout rewrites is decrypted and encrypted again with it.
    public init(configuration: ServerConfiguration, store: TrackerStore?, sealer: RecordingSealer? = nil,
                encryptor: RecordingEncryptor? = nil, logger: Logger = Logger(label: "calltap.control")) {
        self.configuration = configuration
        directory = AgentDirectory(agents: configuration.agents, policies: configuration.policies,
                                   dialPlan: configuration.engine.dialPlan, origin: configuration.engine.serverId)
        snapshots = AgentSnapshots(directory: directory)
        self.store = store
        self.logger = logger
        recordingIndex = RecordingIndex(store: store)
        announcer = RewriteAnnouncer(store: store)
        sidecarRewriter = SidecarRewriter(announcer: announcer, sealer: sealer)
        lateWriter = LateBlackoutWriter(store: store, announcer: announcer, sealer: sealer, encryptor: encryptor,
                                        logger: logger, queue: sidecarRewriter.queue)
        for profile in directory.agents {
            agents[profile.id] = TrackedAgent(agentId: profile.id)
        }
    }

    /// Connects the tracker to the engine it observes and commands.
    public func attach(to engine: CaptureEngine) {
        self.engine = engine
        engine.observer = self
    }

    // MARK: Views

    /// The agent's state as the API shows it.
    func view(of agentId: Int) -> AgentState? {
        guard directory.isListed(agentId), let profile = directory.agent(id: agentId), let agent = agents[agentId] else {
            return nil
        }
        var state = AgentState(profile: profile)
        let live = agent.calls.compactMap { calls[$0] }
        let active = activeCall(of: agent)
        state.activeCall = active.map(callView)
        state.inactiveCalls = live.filter { $0.callInstance != active?.callInstance }.map(callView)
        state.desktopOnlySessions = agent.desktopSessions + (agent.faceToFace ?? []).compactMap(\.desktopSession)
        state.blackout = blackoutView(agent.blackout)
        return state
    }

    /// The call commands act on: the latest one talking, else the latest ringing, else the
    /// latest on hold.
    func activeCall(of agent: TrackedAgent) -> TrackedCall? {
        let live = agent.calls.compactMap { calls[$0] }
        return live.last { $0.state == .onCall } ?? live.last { $0.state == .ringing } ?? live.last
    }

    func callView(_ call: TrackedCall) -> AgentState.CallView {
        AgentState.CallView(callInstance: call.callInstance, metadata: call.metadata, callState: call.state,
                                   recordings: call.recordings, screenRecordings: call.screenRecordings)
    }

    /// Publishes and stores the state of these agents after a change.
    func changed(agents ids: [Int]) {
        for id in Set(ids) {
            guard let state = view(of: id) else { continue }
            snapshots.publish(state)
            if let store, let agent = agents[id] {
                store.saveAgent(id: id, document: StoredDocument(encoding: agent))
            }
        }
    }

    /// Stores a live call (or forgets an ended one).
    func persist(_ call: TrackedCall) {
        guard let store else { return }
        if call.ended {
            store.removeCall(callInstance: call.callInstance)
        } else {
            store.saveCall(callInstance: call.callInstance, document: StoredDocument(encoding: call))
        }
    }

    /// Waits until sidecar updates and queued database writes are done (at the end of a run).
    public func flush() {
        sidecarRewriter.flush()
        lateWriter.flush()
        store?.flush()
    }

    /// Announces each recording that finishes from now on, and each rewrite of a finished
    /// sidecar, to these outbox destinations (`RecordingAnnouncements.destinations`). Set before the capture runs.
    public func announce(to destinations: [String]) {
        announcer.destinations = destinations
    }

    /// Publishes every agent (at startup).
    public func publishAll() {
        for profile in directory.agents {
            if let state = view(of: profile.id) { snapshots.publish(state) }
        }
    }
}
