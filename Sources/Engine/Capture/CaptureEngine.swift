import Atomics
import Foundation
import Logging
import Media
import SIP
import Wire

/// The capture thread: reads frames, decodes them to UDP, feeds SIP to the call table, maps RTP
/// to calls through the flow table and hands it to media workers over lock-free rings. It owns
/// the call and flow tables alone. Its only clock is the capture time of the packets it reads.
public final class CaptureEngine {
    public let configuration: EngineConfiguration
    let logger: Logger
    let callTable = CallTable()
    /// Unclaimed RTP watched until it proves to be a call's.
    var unsignalled = UnsignalledMedia()
    let flows = FlowTable()
    var counters = EngineCounters()
    var calls: [CallMedia] = []
    var callObjects: [Call?] = []
    let tcp = TCPReassembler()
    /// SIP framing per direction of each TCP connection that carries SIP.
    var framers: [TCPReassembler.StreamKey: SIPStreamFramer] = [:]
    let workers: [MediaWorker]
    private let rings: [Unmanaged<SPSCRing>]
    var callsStarted = 0
    /// Per call slot: what the control plane decided and what it takes to restore the call.
    var controls: [CallControl] = []
    /// Receives call events and finished recordings on the capture thread.
    public weak var observer: EngineObserver?
    /// Commands from other threads, run on the capture thread at the capture time reached.
    public let inbox = ControlInbox()
    /// Recordings the workers finished, waiting to be told to the observer on the capture thread.
    private let finished = FinishedRecordings()
    /// Closes, hashes and describes ended recordings off the workers' threads.
    private let finisher: RecordingFinisher
    /// What `/metrics` and `/readyz` read without waiting on the capture thread.
    public let monitor: EngineMonitor
    /// The free space under the storage root, and the reserve kept there for sidecars and the index.
    public let storage: StorageSpace
    /// Seals the recordings' sidecars on the server's chain; nil when nothing is sealed.
    public let sealer: RecordingSealer?
    /// Encrypts the recordings' audio at rest; nil when it stays plain.
    public let encryptor: RecordingEncryptor?
    /// New recordings refused while storage was low, already told in a warning, and when
    /// (capture time): at most one a minute.
    var storageRefusalWarned = (count: 0, atNanos: Int64.min)
    /// The statistics are due to be published (each second of capture time).
    private var publishDue = false
    /// Ring overflow already told in a warning, and when (capture time): at most one a minute.
    private var overflowWarned = (count: 0, atNanos: Int64.min)

    var firstNanos: Int64 = -1
    /// Capture times of the first and last packet read (the clock may also move without packets).
    private var packetSpan: (first: Int64, last: Int64) = (-1, -1)
    private(set) var nowNanos: Int64 = 0
    private var nextTick: Int64 = 0
    private var nextExpiry: Int64 = 0
    /// Often enough that a crash costs at most about 100 ms of audio: each tick journals what
    /// the recordings hold (live), on top of committing and moving the control clock.
    static let tickNanos: Int64 = 50_000_000
    static let expiryNanos: Int64 = 1_000_000_000
    static let maxFlowsPerCall = 64

    /// `sealer`: every sidecar the finisher writes is sealed on its chain (`storage.sealing`);
    /// `encryptor`: every audio file it closes is encrypted (`storage.encryption`).
    public init(configuration: EngineConfiguration, sealer: RecordingSealer? = nil, encryptor: RecordingEncryptor? = nil,
                logger: Logger = Logger(label: "calltap.engine"),
                onRecordingFinished: @escaping @Sendable (RecordingResult) -> Void = { _ in }) {
        self.configuration = configuration
        self.sealer = sealer
        self.encryptor = encryptor
        self.logger = logger
        callTable.limits.maxCalls = configuration.maxCalls
        let finished = finished
        storage = StorageSpace(root: configuration.storageRoot, minFreeBytes: configuration.minFreeBytes,
                               reserveBytes: configuration.reserveBytes, logger: logger)
        finisher = RecordingFinisher(listsFiles: configuration.listsFiles, maxBacklog: configuration.finisherBacklog,
                                     reserve: storage.reserve, sealer: sealer, encryptor: encryptor,
                                     logger: logger) { result in
            finished.append(result)
            onRecordingFinished(result)
        }
        workers = (0..<max(1, configuration.mediaWorkers)).map { [finisher, storage] in
            MediaWorker(index: $0, ringBytes: configuration.effectiveRingBytes, finisher: finisher, storage: storage, logger: logger)
        }
        rings = workers.map { Unmanaged.passUnretained($0.ring) }
        monitor = EngineMonitor(rings: workers.map(\.ring), finisher: finisher)
        storage.measure()
    }

    deinit {
        unsignalled.deallocate()
    }

    /// Reads the whole source, then ends every call and waits for the workers to finish their files.
    public func replay(_ source: PcapSource) -> ReplaySummary {
        run(source)
    }

    /// Reads `source` until it ends or `stop` is set, running `schedule` (sorted by time) and the
    /// inbox's commands at their capture times; then ends every call and waits for the workers.
    public func run<Source: PacketSource>(_ source: Source, schedule: [ScheduledJob] = [],
                                          stop: ManagedAtomic<Bool>? = nil) -> ReplaySummary {
        let wires = source.linkTypes.map { WireDecoder(linkType: $0, vxlanPorts: configuration.vxlanPorts) }
        // Per packet, a decoder is lent without a retain and release: `wires` keeps them alive to
        // the end of the run (the atomic reference count was 4 % of a 2,000-call replay's CPU).
        let lent = wires.map { Unmanaged.passUnretained($0) }
        try? FileManager.default.createDirectory(atPath: configuration.storageRoot, withIntermediateDirectories: true)
        storage.start()
        defer { storage.stop() }
        finisher.start()
        workers.forEach { $0.start() }
        inbox.wake(source.wakeup)
        var truncation: String?
        var pending = schedule[...]
        var due: [(nanos: Int64, job: ControlInbox.Job)] = []
        reading: while true {
            if let stop, stop.load(ordering: .relaxed) { break }
            switch source.next() {
            case .packet(let frame, let nanos, let link):
                // Resolved at this run's first packet (a restore may have started the clock before).
                if !pending.isEmpty {
                    // Relative times count from the first packet: resolve them now, stably ordered.
                    let first = nanos == Int64.min ? 0 : nanos
                    due = pending.enumerated().map { index, s in
                        switch s.when {
                        case .afterFirstPacket(let seconds): (first + Int64((seconds * 1e9).rounded()), s.job, index)
                        case .at(let at): (at, s.job, index)
                        }
                    }.sorted { ($0.0, $0.2) < ($1.0, $1.2) }.map { ($0.0, $0.1) }
                    pending = []
                }
                if !due.isEmpty { runDue(&due, before: nanos, wire: wires[link]) }
                // Before the first packet the clock reads 0: a command waiting for it is stamped with
                // that packet's time, the earliest the capture knows (never 1970).
                if inbox.hasWork { inbox.drain(at: firstNanos < 0 && nanos != Int64.min ? max(nanos, 0) : nowNanos) }
                lent[link]._withUnsafeGuaranteedRef { ingest(frame, nanos: nanos, wire: $0) }
                if publishDue { publishStatistics(source) }
            case .idle(let nanos):
                // A server without traffic has a clock too (a live source's idle time stays behind
                // any packet still in the kernel's blocks): blackouts scheduled or stopped ahead
                // of it begin and end on time, and their limits run out.
                if let nanos, nanos > nowNanos { advance(to: nanos, wire: wires.first) }
                if inbox.hasWork { inbox.drain(at: max(nowNanos, nanos ?? nowNanos)) }
                deliverFinished()
                monitor.beat()
                // Without traffic there is time to spare: what /metrics shows is never a second old then.
                publishStatistics(source)
            case .end:
                break reading
            case .truncated(let reason):
                truncation = reason
                break reading
            }
        }
        // Commands stamped after the last packet still run, at their own times.
        if !due.isEmpty { runDue(&due, before: Int64.max, wire: wires.first) }
        inbox.close(at: nowNanos)
        // Fragments still waiting for the rest of their datagram will never complete now, nor
        // will TCP streams: what they hold is delivered before the calls end.
        for wire in wires {
            wire.expireAllFragments()
            collectEvictions(wire)
        }
        expireStreams(now: Int64.max)
        finish()
        publishStatistics(source)
        var errors = BoundedErrors()
        for worker in workers { errors.append(contentsOf: worker.errors) }
        errors.append(contentsOf: finisher.errors)
        if finisher.files?.isIncomplete == true {
            errors.append("the summary lists only some files: the temporary folder is full (the recordings are complete)")
        }
        return ReplaySummary(
            calls: callTable.callsSeen,
            callsEvicted: callTable.callsEvicted,
            recordings: finisher.count,
            packets: counters.packets,
            notUsed: allCounters.notUsed,
            truncated: truncation != nil,
            truncation: truncation,
            seconds: packetSpan.first < 0 ? 0 : Double(packetSpan.last - packetSpan.first) / 1e9,
            elapsedSeconds: 0,
            timeWentBackwards: counters.timeWentBackwards,
            errors: errors.lines.sorted(),
            fileList: finisher.files)
    }

    /// Runs the scheduled commands due before a packet captured at `nanos`, each at its own time.
    private func runDue(_ due: inout [(nanos: Int64, job: ControlInbox.Job)], before nanos: Int64, wire: WireDecoder?) {
        var taken = 0
        while taken < due.count, due[taken].nanos <= nanos {
            let at = due[taken].nanos
            if at > nowNanos { advance(to: at, wire: wire) }
            due[taken].job(max(at, nowNanos))
            taken += 1
        }
        if taken > 0 { due.removeFirst(taken) }
    }

    /// Moves the capture clock to `nanos` without a packet: ticks and expiry run as if one came.
    func advance(to nanos: Int64, wire: WireDecoder?) {
        guard nanos > nowNanos else { return }
        if firstNanos < 0 { startClock(at: nanos) }
        nowNanos = nanos
        if nanos >= nextTick { tick(wire) }
    }

    /// The capture clock's first reading: from here ticks and expiry count.
    private func startClock(at nanos: Int64) {
        firstNanos = nanos
        nowNanos = nanos
        nextTick = nanos + Self.tickNanos
        nextExpiry = nanos + Self.expiryNanos
    }

    /// One frame captured at `nanos`.
    @inline(__always)
    func ingest(_ frame: UnsafeRawBufferPointer, nanos captured: Int64, wire: WireDecoder) {
        counters.packets += 1
        var nanos = captured
        if nanos == Int64.min {
            counters.timeWentBackwards += 1
            nanos = max(nowNanos, 0)
        }
        if firstNanos < 0 {
            startClock(at: nanos)
        } else if nanos < nowNanos {
            counters.timeWentBackwards += 1
            nanos = nowNanos
        }
        nowNanos = nanos
        if packetSpan.first < 0 { packetSpan.first = nanos }
        packetSpan.last = nanos
        if nanos >= nextTick { tick(wire) }

        switch wire.decode(frame, timestampNanos: nanos) {
        case .udp(let datagram):
            handleUDP(datagram, nanos: nanos)
        case .tcp(let segment):
            handleTCP(segment, nanos: nanos)
        case .held:
            break
        case .dropped(let reason):
            counters.wire[reason, default: 0] += 1
        }
    }

    /// Every 100 ms of capture time the workers commit audio older than the commit delay; every
    /// second the call table looks for dead calls.
    private func tick(_ wire: WireDecoder?) {
        nextTick = nowNanos - (nowNanos - nextTick) % Self.tickNanos + Self.tickNanos
        // Dead calls end before the workers hear the new time: after a jump in capture time, a
        // recording ends at its last audio instead of being stretched to the new time.
        if nowNanos >= nextExpiry {
            nextExpiry = nowNanos + Self.expiryNanos
            publishDue = true
            if let wire { collectEvictions(wire) }
            expireStreams(now: nowNanos)
            counters.rtpWithoutCall += unsignalled.expire(before: nowNanos - 2_000_000_000)
            let idle = Int64(configuration.idleTimeoutSeconds * 1e9)
            let events = callTable.expire(now: nowNanos, holdTimeoutNanos: Int64(configuration.holdTimeoutSeconds * 1e9)) { call in
                nowNanos - max(call.lastSIPNanos, calls[call.slot].lastRTPNanos) >= idle
            }
            apply(events)
            if storage.isFull { closeRecordingsForFullStorage() }
        }
        deliverFinished()
        observer?.clockAdvanced(to: nowNanos)
        monitor.sampleRings()
        for w in workers.indices {
            sendControl(to: w, .tick, call: 0, object: nil)
        }
        monitor.beat()
    }

    /// Publishes the statistics for other threads, and warns (at most once a minute) when the
    /// rings dropped packets since the last warning.
    private func publishStatistics<Source: PacketSource>(_ source: Source) {
        publishDue = false
        monitor.publish(statistics, source: source.captureStatistics())
        let overflow = counters.ringOverflow
        if overflow > overflowWarned.count,
           overflowWarned.atNanos == Int64.min || nowNanos - overflowWarned.atNanos >= 60_000_000_000 {
            logger.warning("media workers behind: packets dropped before decoding",
                           metadata: ["dropped": "\(overflow - overflowWarned.count)", "droppedTotal": "\(overflow)",
                                      "ringFill": "\(monitor.ringFill.map { ($0.now * 100).rounded() })"])
            overflowWarned = (overflow, nowNanos)
        }
    }

    private func collectEvictions(_ wire: WireDecoder) {
        let evicted = wire.takeEvictedCounts()
        if evicted.expired > 0 { counters.wire[.fragmentExpired, default: 0] += evicted.expired }
        if evicted.overflow > 0 { counters.wire[.fragmentOverflow, default: 0] += evicted.overflow }
    }

    /// End of input: every live call ends as at a shutdown, then the workers drain and stop.
    private func finish() {
        counters.rtpWithoutCall += unsignalled.watched
        apply(callTable.endAll(now: nowNanos, reason: .shutdown))
        for w in workers.indices {
            sendControl(to: w, .tick, call: 0, object: nil)
            sendControl(to: w, .stop, call: 0, object: nil)
        }
        workers.forEach { $0.join() }
        finisher.join()
        deliverFinished()
        for worker in workers {
            counters.recording += worker.counters
            counters.storageFailure += worker.storageFailures
        }
    }

    /// The counters with the call table's own filled in.
    var allCounters: EngineCounters {
        var all = counters
        all.sipWithoutCall = callTable.messagesWithoutCall
        all.tooManyCalls = callTable.invitesRefused
        return all
    }

    /// Tells the observer, on this thread, about recordings the workers finished.
    func deliverFinished() {
        guard finished.hasResults else { return }
        // Taken also without an observer, so that a replay does not keep every result.
        let results = finished.take()
        guard let observer else { return }
        for result in results { observer.recordingFinished(result) }
    }

    /// Counters for `/metrics`, read on the capture thread (other threads read `monitor`).
    public var statistics: EngineStatistics {
        EngineStatistics(packets: counters.packets, notUsed: allCounters.notUsed, callsSeen: callTable.callsSeen,
                         callsActive: callTable.liveCalls, callsEvicted: callTable.callsEvicted,
                         recordingsOpen: calls.reduce(0) { $0 + $1.openRecordings },
                         recordingsRefusedForStorage: counters.recordingsRefusedForStorage)
    }

    // MARK: Rings

    /// Room for a record of `bytes` on worker `w`'s ring. Control messages always wait for room;
    /// RTP waits in a replay and is dropped (and counted) live, where the capture thread must not stall.
    @inline(__always)
    func reserve(_ w: Int, bytes: Int, mayDrop: Bool) -> UnsafeMutableRawPointer? {
        rings[w]._withUnsafeGuaranteedRef { ring in
            if let record = ring.reserve(bytes: bytes) { return record }
            if mayDrop && configuration.dropWhenBehind { return nil }
            // Wait until a quarter of the ring is free, not for one record's room: a producer that
            // wakes for every record the worker releases spends its core yielding. That takes the
            // worker milliseconds in a replay; a live control message waits for less.
            var backoff = configuration.dropWhenBehind ? Backoff() : .forDrain
            while true {
                backoff.wait()
                if ring.usedUnits <= ring.capacityUnits - ring.capacityUnits / 4,
                   let record = ring.reserve(bytes: bytes) { return record }
            }
        }
    }

    @inline(__always)
    func publish(_ w: Int) {
        rings[w]._withUnsafeGuaranteedRef { $0.publish() }
    }

    /// A control message for worker `w`, stamped with the capture time reached unless `nanos` says
    /// otherwise (a gate decision may take effect a little in the past or the future).
    func sendControl(to w: Int, _ kind: MediaMessage.Kind, call: Int, flow: Int = 0, object: AnyObject?,
                     nanos: Int64? = nil, dropped: Int = 0) {
        let record = reserve(w, bytes: MediaMessage.recordBytes(length: 0), mayDrop: false)!
        MediaMessage.writeHeader(record, kind: kind, call: call, flow: flow, nanos: nanos ?? nowNanos)
        if let object {
            MediaMessage.attach(object, to: record)
        } else if dropped > 0 {
            record.storeBytes(of: Int64(dropped), toByteOffset: MediaMessage.droppedOffset, as: Int64.self)
        }
        publish(w)
    }
}
