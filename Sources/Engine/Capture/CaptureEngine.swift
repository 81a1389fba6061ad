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

    private var firstNanos: Int64 = -1
    private(set) var nowNanos: Int64 = 0
    private var nextTick: Int64 = 0
    private var nextExpiry: Int64 = 0
    static let tickNanos: Int64 = 100_000_000
    static let expiryNanos: Int64 = 1_000_000_000
    static let maxFlowsPerCall = 64

    public init(configuration: EngineConfiguration, logger: Logger = Logger(label: "calltap.engine"),
                onRecordingFinished: @escaping @Sendable (RecordingResult) -> Void = { _ in }) {
        self.configuration = configuration
        self.logger = logger
        workers = (0..<max(1, configuration.mediaWorkers)).map {
            MediaWorker(index: $0, ringSlots: configuration.ringSlots, logger: logger, onFinished: onRecordingFinished)
        }
        rings = workers.map { Unmanaged.passUnretained($0.ring) }
    }

    /// Reads the whole source, then ends every call and waits for the workers to finish their files.
    public func replay(_ source: PcapSource) -> ReplaySummary {
        let wire = WireDecoder(linkType: source.linkType, vxlanPorts: configuration.vxlanPorts)
        workers.forEach { $0.start() }
        var truncation: String?
        reading: while true {
            switch source.next() {
            case .packet(let frame, let nanos):
                ingest(frame, nanos: nanos, wire: wire)
            case .end:
                break reading
            case .truncated(let reason):
                truncation = reason
                break reading
            }
        }
        // Fragments still waiting for the rest of their datagram will never complete now, nor
        // will TCP streams: what they hold is delivered before the calls end.
        wire.expireAllFragments()
        expireStreams(now: Int64.max)
        collectEvictions(wire)
        finish()
        // Finished order depends on how calls were spread over workers: sort for a stable summary.
        let results = workers.flatMap(\.results).sorted {
            ($0.sidecar.startTime, $0.sidecar.recordingIdentifier) < ($1.sidecar.startTime, $1.sidecar.recordingIdentifier)
        }
        return ReplaySummary(
            calls: callTable.callsSeen,
            recordings: results.count,
            packets: counters.packets,
            notUsed: counters.notUsed,
            truncated: truncation != nil,
            truncation: truncation,
            seconds: firstNanos < 0 ? 0 : Double(nowNanos - firstNanos) / 1e9,
            elapsedSeconds: 0,
            timeWentBackwards: counters.timeWentBackwards,
            errors: workers.flatMap(\.errors).sorted(),
            files: results.flatMap(\.audioPaths))
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
            firstNanos = nanos
            nowNanos = nanos
            nextTick = nanos + Self.tickNanos
            nextExpiry = nanos + Self.expiryNanos
        } else if nanos < nowNanos {
            counters.timeWentBackwards += 1
            nanos = nowNanos
        }
        nowNanos = nanos
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
    private func tick(_ wire: WireDecoder) {
        nextTick = nowNanos - (nowNanos - nextTick) % Self.tickNanos + Self.tickNanos
        // Dead calls end before the workers hear the new time: after a jump in capture time, a
        // recording ends at its last audio instead of being stretched to the new time.
        if nowNanos >= nextExpiry {
            nextExpiry = nowNanos + Self.expiryNanos
            collectEvictions(wire)
            expireStreams(now: nowNanos)
            let idle = Int64(configuration.idleTimeoutSeconds * 1e9)
            let events = callTable.expire(now: nowNanos, holdTimeoutNanos: Int64(configuration.holdTimeoutSeconds * 1e9)) { call in
                nowNanos - max(call.lastSIPNanos, calls[call.slot].lastRTPNanos) >= idle
            }
            apply(events)
        }
        for w in workers.indices {
            sendControl(to: w, .tick, call: 0, object: nil)
        }
    }

    private func collectEvictions(_ wire: WireDecoder) {
        let evicted = wire.takeEvictedCounts()
        if evicted.expired > 0 { counters.wire[.fragmentExpired, default: 0] += evicted.expired }
        if evicted.overflow > 0 { counters.wire[.fragmentOverflow, default: 0] += evicted.overflow }
    }

    /// End of input: every live call ends as at a shutdown, then the workers drain and stop.
    private func finish() {
        apply(callTable.endAll(now: nowNanos, reason: .shutdown))
        for w in workers.indices {
            sendControl(to: w, .tick, call: 0, object: nil)
            sendControl(to: w, .stop, call: 0, object: nil)
        }
        workers.forEach { $0.join() }
        for worker in workers {
            counters.recording += worker.counters
            counters.storageFailure += worker.storageFailures
        }
        counters.sipWithoutCall = callTable.messagesWithoutCall
    }

    // MARK: Rings

    /// A slot on worker `w`'s ring. Control messages always wait for room; RTP waits in a replay
    /// and is dropped (and counted) live, where the capture thread must not stall.
    @inline(__always)
    func reserve(_ w: Int, mayDrop: Bool) -> UnsafeMutableRawPointer? {
        rings[w]._withUnsafeGuaranteedRef { ring in
            if let slot = ring.reserve() { return slot }
            if mayDrop && configuration.dropWhenBehind { return nil }
            var backoff = Backoff()
            while true {
                backoff.wait()
                if let slot = ring.reserve() { return slot }
            }
        }
    }

    @inline(__always)
    func publish(_ w: Int) {
        rings[w]._withUnsafeGuaranteedRef { $0.publish() }
    }

    func sendControl(to w: Int, _ kind: MediaMessage.Kind, call: Int, flow: Int = 0, object: AnyObject?) {
        let slot = reserve(w, mayDrop: false)!
        MediaMessage.writeHeader(slot, kind: kind, call: call, flow: flow, nanos: nowNanos)
        if let object { MediaMessage.attach(object, to: slot) }
        publish(w)
    }
}
