import CPrefetch
import Foundation
import Logging
import Media

/// A thread that owns a shard of the recordings: it drains its ring in order, decodes and places
/// audio and commits it to the files. Only this thread touches its recordings until it hands an
/// ended one to the finisher, which does the rest of the disk work.
final class MediaWorker: @unchecked Sendable {
    let index: Int
    let ring: SPSCRing
    private var calls: [Unmanaged<WorkerCall>?] = []
    private var open: Set<Int> = []
    /// Stops accepted ahead of the packets seen (live, a command's time is its request's): the
    /// recording takes nothing captured from then on, and is finished once the clock passes it.
    private var pendingEnds: [(call: Int, end: RecordingEnd)] = []
    private let logger: Logger
    private let finisher: RecordingFinisher
    /// Told when a write finds the disk full.
    private let storage: StorageSpace
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)
    /// Where SRTP packets are decrypted, one at a time: room for the largest packet a record
    /// holds, aligned as libsrtp needs.
    private let scratch = UnsafeMutableRawPointer.allocate(byteCount: MediaMessage.maxPayload, alignment: 16)

    // Read by the engine after `join()`.
    private(set) var counters = RecordingCounters()
    /// Packets that arrived for a recording that could not be opened or had failed.
    private(set) var storageFailures = 0
    private(set) var errors = BoundedErrors()
    /// Live: audio was placed since the held audio was last journaled, and when that was
    /// (monotonic clock). A worker that has caught up journals at once rather than at the next
    /// tick, at most every `catchUpJournalNanos` and only while it records few calls (with
    /// many, the ticks journal them: a write per recording each time would cost too much).
    private var placedSinceJournal = false
    private var lastCatchUpJournal: Int64 = 0
    static let catchUpJournalNanos: Int64 = 10_000_000
    static let catchUpJournalMaxCalls = 64

    init(index: Int, ringBytes: Int, finisher: RecordingFinisher, storage: StorageSpace, logger: Logger) {
        self.index = index
        self.storage = storage
        ring = SPSCRing(bytes: ringBytes)
        self.logger = logger
        self.finisher = finisher
    }

    deinit {
        scratch.deallocate()
    }

    func start() {
        let t = Thread { [self] in
            run()
            done.signal()
        }
        t.name = "calltap-media-\(index)"
        t.stackSize = 1 << 20
        thread = t
        t.start()
    }

    func join() {
        done.wait()
    }

    private func run() {
        var backoff = Backoff()
        while true {
            guard let record = ring.peek() else {
                if placedSinceJournal { journalOnCatchingUp() }
                backoff.wait()
                continue
            }
            backoff.reset()
            fetchAhead()
            let kind = MediaMessage.Kind(rawValue: record.load(fromByteOffset: MediaMessage.kindOffset, as: UInt8.self))
            if kind == .stop {
                ring.release()
                return
            }
            handle(kind, record)
            ring.release()
        }
    }

    /// Records ahead of the one handled whose state is fetched: at 2,000 calls every packet's
    /// call, recording, stream, timeline, plane and held audio lie in memory no cache holds,
    /// one behind the other, and each load waited for the one before. A packet's state is now
    /// asked for a stage at a time, one stage a record, as it comes nearer: the call (6), its
    /// list of recordings (5), the first recording (4), its stream and timeline (3), the
    /// channel's plane (2), and the held audio the packet will write (1).
    static let fetchDistance = 6

    @inline(__always)
    private func fetchAhead() {
        ring.forEachAhead(Self.fetchDistance) { distance, record in
            guard record.load(fromByteOffset: MediaMessage.kindOffset, as: UInt8.self) == MediaMessage.Kind.rtp.rawValue
            else { return }
            let call = Int(record.load(fromByteOffset: MediaMessage.callOffset, as: Int64.self))
            guard call >= 0, call < calls.count, let entry = calls[call] else { return }
            if distance == 6 {
                calltap_prefetch_read(entry.toOpaque())
                return
            }
            entry._withUnsafeGuaranteedRef { workerCall in
                if distance == 5 {
                    calltap_prefetch_read(workerCall.recordings)
                    return
                }
                // The primary recording's (a duplicate's state waits as before).
                guard workerCall.count > 0 else { return }
                let recording = workerCall.recordings[0]
                let flow = Int(record.load(fromByteOffset: MediaMessage.flowOffset, as: UInt16.self))
                let length = Int(record.load(fromByteOffset: MediaMessage.lengthOffset, as: UInt16.self))
                switch distance {
                case 4:
                    let object = UnsafeRawPointer(recording.toOpaque())
                    calltap_prefetch_read(object)
                    calltap_prefetch_read(object + 64)
                case 3: recording._withUnsafeGuaranteedRef { $0.fetchAhead(.stream, flow: flow, payloadBytes: length) }
                case 2: recording._withUnsafeGuaranteedRef { $0.fetchAhead(.plane, flow: flow, payloadBytes: length) }
                default: recording._withUnsafeGuaranteedRef { $0.fetchAhead(.placement, flow: flow, payloadBytes: length) }
                }
            }
        }
    }

    @inline(__always)
    private func handle(_ kind: MediaMessage.Kind?, _ record: UnsafeRawPointer) {
        let call = Int(record.load(fromByteOffset: MediaMessage.callOffset, as: Int64.self))
        let nanos = record.load(fromByteOffset: MediaMessage.nanosOffset, as: Int64.self)
        switch kind {
        case .rtp:
            guard call < calls.count, let entry = calls[call] else {
                storageFailures += 1
                return
            }
            let flow = Int(record.load(fromByteOffset: MediaMessage.flowOffset, as: UInt16.self))
            let length = Int(record.load(fromByteOffset: MediaMessage.lengthOffset, as: UInt16.self))
            let dropped = Int(record.load(fromByteOffset: MediaMessage.droppedOffset, as: Int64.self))
            let packet = UnsafeRawBufferPointer(start: record + MediaMessage.payloadOffset, count: length)
            entry._withUnsafeGuaranteedRef { workerCall in
                if workerCall.count == 0 {
                    storageFailures += 1
                    return
                }
                if dropped > 0 { workerCall.forEach { $0.noteRingOverflow(flow: flow, count: dropped) } }
                guard let bytes = workerCall.plainPacket(flow: flow, packet, captureNanos: nanos, scratch: scratch) else {
                    return
                }
                for i in 0..<workerCall.count {
                    do {
                        try workerCall.recordings[i]._withUnsafeGuaranteedRef {
                            try $0.receive(flow: flow, packet: bytes, captureNanos: nanos)
                            if $0.journalsHeldAudio { placedSinceJournal = true }
                        }
                    } catch {
                        fail(call, workerCall.recordings[i].takeUnretainedValue().setup.recordingIdentifier, error)
                        return
                    }
                }
            }
        case .open:
            guard let box = MediaMessage.takeObject(record, as: MessageBox<RecordingSetup>.self) else { return }
            // The engine opens no more than a call may hold; checked again before any file is made.
            guard workerCall(call).count < WorkerCall.maxRecordings else {
                errors.append("call \(box.value.callInstance): more than \(WorkerCall.maxRecordings) recordings at once")
                return
            }
            do {
                _ = workerCall(call).add(try CallRecording(setup: box.value))
                open.insert(call)
            } catch {
                if StorageReserve.isDiskFull(error) { storage.noteFull() }
                errors.append("\(error)")
                logger.error("cannot open recording", metadata: ["recording": "\(box.value.recordingIdentifier)",
                                                                  "error": "\(error)"])
            }
        case .addFlow:
            guard let box = MediaMessage.takeObject(record, as: MessageBox<MediaFlow>.self) else { return }
            workerCall(call).addFlow(box.value)
        case .updatePayloadMaps:
            guard let box = MediaMessage.takeObject(record, as: MessageBox<[PayloadMap]>.self) else { return }
            existing(call)?.forEach { $0.updatePayloadMaps(box.value) }
        case .moveFlow:
            guard let box = MediaMessage.takeObject(record, as: MessageBox<Int>.self) else { return }
            let flow = Int(record.load(fromByteOffset: MediaMessage.flowOffset, as: UInt16.self))
            existing(call)?.moveFlow(flow, toSide: box.value)
        case .flowEncryption:
            guard let box = MediaMessage.takeObject(record, as: MessageBox<FlowEncryption>.self) else { return }
            let flow = Int(record.load(fromByteOffset: MediaMessage.flowOffset, as: UInt16.self))
            existing(call)?.setFlowEncryption(flow, box.value)
        case .dtmf:
            guard let box = MediaMessage.takeObject(record, as: MessageBox<InfoDigitEvent>.self) else { return }
            let e = box.value
            existing(call)?.forEach {
                $0.addDigit(e.digit, atNanos: nanos, durationSeconds: e.durationSeconds, method: Sidecar.Digit.Method.sipInfo,
                           side: e.side)
            }
        case .gate:
            guard let box = MediaMessage.takeObject(record, as: MessageBox<GateMessage>.self) else { return }
            existing(call)?.forEach(matching: box.value.recordingIdentifier) { recording in
                switch box.value.command {
                case .pause: recording.pause(atNanos: nanos)
                case .resume: recording.resume(atNanos: nanos)
                case .metadata(let changes): recording.updateMetadata(changes)
                case .blackoutStart(let origin): recording.startBlackout(atNanos: nanos, origin: origin)
                case .blackoutEnd(let reason): recording.endBlackout(atNanos: nanos, reason: reason)
                }
            }
        case .rtcp:
            let flow = Int(record.load(fromByteOffset: MediaMessage.flowOffset, as: UInt16.self))
            let length = Int(record.load(fromByteOffset: MediaMessage.lengthOffset, as: UInt16.self))
            existing(call)?.receiveRTCP(flow: flow, UnsafeRawBufferPointer(start: record + MediaMessage.payloadOffset, count: length),
                                        captureNanos: nanos, scratch: scratch)
        case .ringDropped:
            let flow = Int(record.load(fromByteOffset: MediaMessage.flowOffset, as: UInt16.self))
            let dropped = Int(record.load(fromByteOffset: MediaMessage.droppedOffset, as: Int64.self))
            existing(call)?.forEach { $0.noteRingOverflow(flow: flow, count: dropped) }
        case .end:
            guard let box = MediaMessage.takeObject(record, as: MessageBox<RecordingEnd>.self) else { return }
            let end = box.value
            if let identifier = end.recordingIdentifier, let at = end.endNanos, at > nanos {
                existing(call)?.forEach(matching: identifier) { $0.cutOff(atNanos: at) }
                pendingEnds.append((call, end))
            } else {
                finish(call, end)
            }
        case .forget:
            if call < calls.count, let entry = calls[call] {
                pendingEnds.removeAll { $0.call == call }
                finish(call, RecordingEnd(endNanos: nil, reason: "shutdown", metadata: nil))
                entry.release()
                calls[call] = nil
            }
        case .tick:
            // A full disk: every open recording closes now with what its file holds, before
            // the space a sidecar needs is taken by audio (the capture thread learns it too).
            if storage.isFull, !open.isEmpty {
                for call in open { finish(call, RecordingEnd(endNanos: nanos, reason: "error: storage full", metadata: nil)) }
            }
            // Each recording commits only its own audio, so the order does not matter (and
            // iterating the set allocates nothing).
            forEachOpenRecording { (recording) throws(SoundFileError) in try recording.advance(toNanos: nanos) }
            if !pendingEnds.isEmpty { finishPendingEnds(at: nanos) }
        case .stop, nil:
            break
        }
    }

    /// The ring is empty: journals what the open recordings placed since the last tick.
    private func journalOnCatchingUp() {
        let now = EngineMonitor.monotonicNanos()
        guard now - lastCatchUpJournal >= Self.catchUpJournalNanos else { return }
        lastCatchUpJournal = now
        placedSinceJournal = false
        guard open.count <= Self.catchUpJournalMaxCalls else { return }
        forEachOpenRecording { (recording) throws(SoundFileError) in try recording.journalHeld() }
    }

    /// Runs `body` on every open recording; one whose write fails ends as an error (the call's
    /// other recordings wait for the next time).
    private func forEachOpenRecording(_ body: (CallRecording) throws(SoundFileError) -> Void) {
        for call in open {
            guard let entry = calls[call] else { continue }
            var failed: (String, Error)?
            entry._withUnsafeGuaranteedRef { workerCall in
                workerCall.forEach { recording in
                    guard failed == nil else { return }
                    do {
                        try body(recording)
                    } catch {
                        failed = (recording.setup.recordingIdentifier, error)
                    }
                }
            }
            if let (identifier, error) = failed { fail(call, identifier, error) }
        }
    }

    /// Finishes the stops whose time the clock has reached (a recording the call's end took
    /// already is simply not found).
    private func finishPendingEnds(at nanos: Int64) {
        let due = pendingEnds.filter { $0.end.endNanos! <= nanos }
        guard !due.isEmpty else { return }
        pendingEnds.removeAll { $0.end.endNanos! <= nanos }
        for (call, end) in due { finish(call, end) }
    }

    /// The worker's state of a call, made when the call's first flow or recording arrives.
    private func workerCall(_ call: Int) -> WorkerCall {
        while calls.count <= call { calls.append(nil) }
        if let entry = calls[call] { return entry.takeUnretainedValue() }
        let entry = WorkerCall()
        calls[call] = Unmanaged.passRetained(entry)
        return entry
    }

    private func existing(_ call: Int) -> WorkerCall? {
        call < calls.count ? calls[call]?.takeUnretainedValue() : nil
    }

    /// Hands the call's ended recordings (one, or all) to the finisher.
    private func finish(_ call: Int, _ end: RecordingEnd) {
        guard let entry = existing(call) else { return }
        for recording in entry.remove(end.recordingIdentifier) {
            counters += recording.counters
            // The held audio is written here, in order with the rest of this worker's writes, and
            // its memory freed; a write error shows again when the finisher closes the file.
            recording.writeHeldAudio(end)
            finisher.submit(recording, end)
        }
        if entry.count == 0 { open.remove(call) }
        // The worker waits for a finisher that is behind, and its ring (counted, visible) takes the strain.
        finisher.waitForRoom()
    }

    /// A write failed (disk full, folder gone): end the recording as an error so it still closes.
    private func fail(_ call: Int, _ recordingIdentifier: String, _ error: Error) {
        // On a full disk every recording's next write fails too: the next tick closes them all.
        if StorageReserve.isDiskFull(error) { storage.noteFull() }
        logger.error("recording failed", metadata: ["recording": "\(recordingIdentifier)", "error": "\(error)"])
        finish(call, RecordingEnd(endNanos: nil, reason: "error: \(error)", metadata: nil, recordingIdentifier: recordingIdentifier))
    }
}
