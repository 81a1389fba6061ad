import Engine
import Foundation
import Logging
import Media

/// The recorder as the API sees it: agent reads from the tracker's published snapshots,
/// commands through the engine's inbox to the tracker on the capture thread, recordings from
/// the store. The one `RecorderService` of `calltap serve` and of a replay with `--http`.
public final class ControlPlane: RecorderService, @unchecked Sendable {
    public let tracker: AgentTracker
    public let engine: CaptureEngine
    public let snapshots: AgentSnapshots
    let store: TrackerStore?
    let storageRoot: String
    private let lock = NSLock()
    private var captureState: (running: Bool, detail: String) = (false, "capture not started")
    private let stallSeconds: Double
    /// The couriers of announcements, once `startAnnouncements` ran.
    private var announcements: RecordingAnnouncements?
    /// Wall time minus capture time in a paced replay (API times are wall-clock); nil live and
    /// in a replay at full speed, where capture time is what the API shows.
    private var wallOffset: () -> Int64? = { nil }
    /// How a command's time is read when its request is accepted.
    private var commandClock = CommandClock.capture
    /// The retention sweeper `serve` runs, for `/metrics`.
    private var sweeper: RetentionSweeper?

    /// Where the time a command takes effect comes from.
    public enum CommandClock: Sendable {
        /// The capture time the engine has reached when it runs the command: a replay at full
        /// speed and control scripts, which must be deterministic.
        case capture
        /// The wall clock when the request was accepted, which the kernel also stamps packets
        /// with: live capture. The engine's packet clock lags it by the kernel's block delivery,
        /// and a server without traffic has only an estimate; the accepted time is exact.
        case wall
        /// The wall clock through the paced replay's offset (`setWallOffset`).
        case paced
    }

    public init(configuration: ServerConfiguration, engine: CaptureEngine, store: TrackerStore?,
                logger: Logger = Logger(label: "calltap.control")) {
        tracker = AgentTracker(configuration: configuration, store: store, sealer: engine.sealer, encryptor: engine.encryptor,
                               logger: logger)
        snapshots = tracker.snapshots
        self.engine = engine
        self.store = store
        storageRoot = configuration.engine.storageRoot
        stallSeconds = configuration.capture.stallSeconds
        tracker.attach(to: engine)
        tracker.publishAll()
    }

    /// The sweeper whose counts `/metrics` shows.
    public func attach(sweeper: RetentionSweeper) {
        lock.withLock { self.sweeper = sweeper }
    }

    /// What the capture loop says about itself (`/readyz`).
    public func setCapture(running: Bool, detail: String) {
        lock.lock()
        captureState = (running, detail)
        lock.unlock()
    }

    /// Joins the cluster: this server's blackouts and screen commands go to the broker, the other
    /// servers' blackouts come from it to the tracker on the capture thread. Live only: the bus
    /// speaks wall-clock time, which is capture time on a live interface. Call before the capture
    /// runs; the connection is made (and remade) in the background.
    public func joinCluster(_ settings: BrokerSettings, logger: Logger = Logger(label: "calltap.cluster")) throws(BrokerError) {
        let bus = try ClusterBus(settings: settings, logger: logger, onMessage: { [weak self] message in
            guard let self else { return }
            let tracker = self.tracker
            _ = self.engine.inbox.submit { nanos in tracker.received(message, at: nanos) }
        }, onStateChange: { [weak self] state in
            logger.notice("broker", metadata: ["state": "\(state)"])
            // What this server decided while away goes out unasked (the bus asks the others too).
            guard state == .connected, let self else { return }
            let tracker = self.tracker
            _ = self.engine.inbox.submit { _ in tracker.announceState() }
        })
        tracker.join(bus)
        bus.start()
    }

    /// Starts announcing finished recordings to the broker (when `broker` is given) and to the
    /// webhooks of `notify`, from the store's outbox. Call before the capture runs.
    public func startAnnouncements(notify: NotifySettings, broker: BrokerSettings?, outbox: any AnnouncementOutbox,
                                   logger: Logger = Logger(label: "calltap.announce")) throws {
        let rewriter = tracker.sidecarRewriter
        let announcements = try RecordingAnnouncements(notify: notify, broker: broker, outbox: outbox,
                                                       readSidecar: { try rewriter.read($0) }, logger: logger)
        tracker.announce(to: announcements.destinations)
        lock.withLock { self.announcements = announcements }
        announcements.start()
    }

    /// Leaves the cluster after publishing what is queued (bounded by the broker settings' drain time).
    public func leaveCluster() {
        tracker.cluster?.stop()
    }

    /// A paced replay's offset from capture time to wall time, once known; commands then take
    /// effect at their accepted wall time through it.
    public func setWallOffset(_ read: @escaping () -> Int64?) {
        lock.withLock {
            wallOffset = read
            commandClock = .paced
        }
    }

    /// Commands take effect when their request is accepted, by the wall clock (`serve`).
    public func stampCommandsWithWallClock() {
        lock.withLock { commandClock = .wall }
    }

    /// The time a command accepted now takes effect at, or nil for the capture time the engine
    /// will have reached when it runs the command.
    func acceptedNanos() -> Int64? {
        let (clock, offset) = lock.withLock { (commandClock, wallOffset) }
        switch clock {
        case .capture: return nil
        case .wall: return RequestArrival.wallNanos ?? LiveCapture.wallNanos()
        case .paced: return offset().map { (RequestArrival.wallNanos ?? LiveCapture.wallNanos()) - $0 }
        }
    }

    /// The agents as the tracker last published them.
    var directory: AgentDirectory { snapshots.directory }

    // MARK: RecorderService

    public func agent(_ reference: AgentReference) async throws(ControlError) -> AgentState {
        guard let profile = directory.agent(reference), let state = snapshots.state(of: profile.id) else {
            throw .agentNotFound(reference)
        }
        return state
    }

    public func allAgents() async -> [AgentState] {
        snapshots.all()
    }

    /// From the snapshot, encoded once per change of the agent.
    public func agentAnswer(_ reference: AgentReference) async throws(ControlError) -> Data {
        guard let profile = directory.agent(reference), let json = snapshots.answer(of: profile.id) else {
            throw .agentNotFound(reference)
        }
        return json
    }

    public func allAgentsAnswer() async -> Data {
        snapshots.allAnswer()
    }

    public func perform(_ command: ControlCommand) async throws(ControlError) -> AgentState {
        let tracker = tracker
        let command = inCaptureTime(command)
        return try await onCaptureThread { nanos in tracker.perform(command, at: nanos) }
    }

    /// In a paced replay an explicit blackout time is the client's wall-clock time; the tracker
    /// works in capture time, which the replay's offset gives.
    private func inCaptureTime(_ command: ControlCommand) -> ControlCommand {
        guard case .blackout(var blackout) = command, let time = blackout.time,
              let offset = lock.withLock({ wallOffset })() else { return command }
        blackout.time = time - offset
        return .blackout(blackout)
    }

    /// Runs `work` on the capture thread, where the tracker lives, at the time the command was
    /// accepted (`CommandClock`), and answers what it decided. The engine holds audio for the
    /// commit delay, so a time a little ahead of or behind its packet clock still applies exactly.
    func onCaptureThread<T>(_ work: @escaping (Int64) -> Result<T, ControlError>) async throws(ControlError) -> T {
        let stamp = acceptedNanos()
        let result: Result<T, ControlError> = await withCheckedContinuation { continuation in
            let accepted = engine.inbox.submit { nanos in continuation.resume(returning: work(stamp ?? nanos)) }
            if !accepted {
                continuation.resume(returning: .failure(ControlError(.unavailable, "capture has stopped")))
            }
        }
        return try result.get()
    }

    public func recordings(_ query: RecordingQuery) async throws(ControlError) -> RecordingPage {
        guard let store else { return RecordingPage(items: [], nextCursor: nil) }
        let offset = lock.withLock { wallOffset }() ?? 0
        var query = query
        query.fromNanos = query.fromNanos.map { $0 - offset }
        query.toNanos = query.toNanos.map { $0 - offset }
        let captureQuery = query
        let result: Result<RecordingPage, ControlError> = await blocking {
            do {
                var page = try store.recordings(captureQuery)
                for i in page.items.indices { page.items[i].shift(by: offset) }
                return .success(page)
            } catch let error as ControlError {
                return .failure(error)
            } catch {
                return .failure(ControlError(.internalFault, "recordings index: \(error)"))
            }
        }
        return try result.get()
    }

    public func recording(id: String) async throws(ControlError) -> RecordingIndexEntry? {
        guard let store else { return nil }
        let offset = lock.withLock { wallOffset }() ?? 0
        let result: Result<RecordingIndexEntry?, ControlError> = await blocking {
            do {
                var entry = try store.recording(id: id)
                entry?.shift(by: offset)
                return .success(entry)
            } catch {
                return .failure(ControlError(.internalFault, "recordings index: \(error)"))
            }
        }
        return try result.get()
    }

    public func setHold(_ hold: RecordingHold?, on id: String) async throws(ControlError) -> RecordingIndexEntry? {
        guard let store else { throw ControlError(.unavailable, "this server keeps no recordings index") }
        let offset = lock.withLock { wallOffset }() ?? 0
        let result: Result<RecordingIndexEntry?, ControlError> = await blocking {
            do {
                var entry = try store.setHold(hold, on: id)
                entry?.shift(by: offset)
                return .success(entry)
            } catch let error as ControlError {
                return .failure(error)
            } catch where StorageReserve.isDiskFull(error) {
                return .failure(ControlError(.unavailable, "the recordings index cannot be written: the disk is full"))
            } catch {
                return .failure(ControlError(.internalFault, "recordings index: \(error)"))
            }
        }
        return try result.get()
    }

    public func audit(_ entry: AuditEntry) {
        store?.audit(entry)
    }

    public func auditTrail(_ query: AuditQuery) async throws(ControlError) -> AuditPage {
        guard let store else { return AuditPage(items: [], nextCursor: nil) }
        let result: Result<AuditPage, ControlError> = await blocking {
            do {
                return .success(try store.auditTrail(query))
            } catch {
                return .failure(ControlError(.internalFault, "audit trail: \(error)"))
            }
        }
        return try result.get()
    }

    /// Why recordings cannot start under the storage root now (not writable, below
    /// `storage.minFreeMiB`, full), or nil. `/readyz`, the F2F application state and an F2F
    /// start all ask this.
    var storageProblem: String? {
        if let problem = StorageCheck.writable(storageRoot) { return problem }
        if let problem = engine.storage.problem { return problem }
        if let failing = store?.writesWaitingForSpace, failing > 0 {
            return "the index is full: \(failing) writes wait for space"
        }
        return nil
    }

    /// Whether the capture loop runs and has made progress within `capture.stallSeconds`, and
    /// if not, why. `/readyz` and systemd's watchdog (`calltap serve`) both judge capture by it.
    public var captureHealth: (running: Bool, detail: String) {
        let capture = lock.withLock { captureState }
        if capture.running, let age = engine.monitor.heartbeatAgeSeconds, age >= stallSeconds {
            return (false, String(format: "stalled: no progress for %.1f s", age))
        }
        return capture
    }

    public var audioEncryption: RecordingEncryptor? { engine.encryptor }

    public func readiness() async -> Readiness {
        let capture = captureHealth
        let storage = storageProblem
        var detail: [String] = []
        if !capture.running { detail.append("capture: \(capture.detail)") }
        if let problem = storage { detail.append("storage: \(problem)") }
        let broker = tracker.cluster?.state
        if let broker, !broker.isConnected { detail.append(broker.description) }
        return Readiness(capture: capture.running, storage: storage == nil, broker: broker.map(\.isConnected),
                         detail: detail.isEmpty ? (broker == nil ? "capture and storage usable" : "capture, storage and broker usable")
                                                : detail.joined(separator: "; "))
    }

    /// Read from what the engine and the tracker publish: a stalled capture thread does not
    /// stall `/metrics`, it shows there.
    public func metrics() async -> MetricsSnapshot {
        let monitor = engine.monitor
        let s = monitor.statistics
        var m = MetricsSnapshot()
        m.packets = s.packets
        m.notUsed = s.notUsed
        m.callsSeen = s.callsSeen
        m.callsActive = s.callsActive
        m.callsEvicted = s.callsEvicted
        m.recordingsOpen = s.recordingsOpen
        let totals = tracker.finishedTotals.read()
        m.recordingsFinished = totals.recordings
        m.bytesWritten = totals.bytes
        if let pcap = monitor.sourceStatistics {
            m.pcapReceived = pcap.received
            m.pcapDropped = pcap.dropped
            m.pcapInterfaceDropped = pcap.interfaceDropped
        }
        m.ringFill = monitor.ringFill.map(\.now)
        m.ringPeakFill = monitor.ringFill.map(\.peak)
        m.finisherBacklog = monitor.finisherBacklog
        m.heldAudioBytes = HeldAudioPool.shared.inUseBytes
        m.heldAudioMappedBytes = HeldAudioPool.shared.mappedBytes
        m.audioEncryptionFailures = monitor.encryptionFailures
        m.heartbeatAgeSeconds = monitor.heartbeatAgeSeconds
        m.storageFreeBytes = engine.storage.freeBytes
        m.storageFull = engine.storage.isFull
        m.recordingsRefusedForStorage = s.recordingsRefusedForStorage
        m.storageReserveReleases = engine.storage.reserve.releaseCount
        m.sidecarsWaitingForSpace = monitor.sidecarsWaitingForSpace
        m.indexWritesWaitingForSpace = store?.writesWaitingForSpace ?? 0
        if let cluster = tracker.cluster {
            m.broker = BrokerMetrics(connected: cluster.state.isConnected, counters: cluster.counters)
        }
        m.sweep = lock.withLock { sweeper }?.counts
        m.announcements = lock.withLock { announcements }?.metrics ?? []
        return m
    }

    /// Runs blocking work (SQLite) on a dispatch queue, never on the cooperative pool.
    private func blocking<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }
}

extension RecordingIndexEntry {
    /// Moves the entry's times from capture time to wall time (a paced replay).
    mutating func shift(by offset: Int64) {
        guard offset != 0 else { return }
        startNanos += offset
        endNanos = endNanos.map { $0 + offset }
    }
}
