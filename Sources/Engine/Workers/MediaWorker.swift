import Foundation
import Logging
import Media

/// A thread that owns a shard of the recordings: it drains its ring in order, decodes and places
/// audio, writes files, and finishes recordings. Only this thread touches its recordings.
final class MediaWorker: @unchecked Sendable {
    let index: Int
    let ring: SPSCRing
    private var calls: [Unmanaged<WorkerCall>?] = []
    private var open: Set<Int> = []
    private let logger: Logger
    private let onFinished: @Sendable (RecordingResult) -> Void
    private var thread: Thread?
    private let done = DispatchSemaphore(value: 0)

    // Results, read by the engine after `join()`.
    private(set) var results: [RecordingResult] = []
    private(set) var counters = RecordingCounters()
    /// Packets that arrived for a recording that could not be opened or had failed.
    private(set) var storageFailures = 0
    private(set) var errors: [String] = []

    init(index: Int, ringSlots: Int, logger: Logger, onFinished: @escaping @Sendable (RecordingResult) -> Void) {
        self.index = index
        ring = SPSCRing(slots: ringSlots, slotSize: MediaMessage.slotSize)
        self.logger = logger
        self.onFinished = onFinished
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
            guard let slot = ring.peek() else {
                backoff.wait()
                continue
            }
            backoff.reset()
            let kind = MediaMessage.Kind(rawValue: slot.load(fromByteOffset: MediaMessage.kindOffset, as: UInt8.self))
            if kind == .stop {
                ring.release()
                return
            }
            handle(kind, slot)
            ring.release()
        }
    }

    @inline(__always)
    private func handle(_ kind: MediaMessage.Kind?, _ slot: UnsafeRawPointer) {
        let call = Int(slot.load(fromByteOffset: MediaMessage.callOffset, as: Int64.self))
        let nanos = slot.load(fromByteOffset: MediaMessage.nanosOffset, as: Int64.self)
        switch kind {
        case .rtp:
            guard call < calls.count, let entry = calls[call] else {
                storageFailures += 1
                return
            }
            let flow = Int(slot.load(fromByteOffset: MediaMessage.flowOffset, as: UInt16.self))
            let length = Int(slot.load(fromByteOffset: MediaMessage.lengthOffset, as: UInt16.self))
            let bytes = UnsafeRawBufferPointer(start: slot + MediaMessage.payloadOffset, count: length)
            entry._withUnsafeGuaranteedRef { workerCall in
                if workerCall.count == 0 {
                    storageFailures += 1
                    return
                }
                for i in 0..<workerCall.count {
                    do {
                        try workerCall.recordings[i]._withUnsafeGuaranteedRef {
                            try $0.receive(flow: flow, packet: bytes, captureNanos: nanos)
                        }
                    } catch {
                        fail(call, workerCall.recordings[i].takeUnretainedValue().setup.recordingIdentifier, error)
                        return
                    }
                }
            }
        case .open:
            guard let box = MediaMessage.takeObject(slot, as: MessageBox<RecordingSetup>.self) else { return }
            // The engine opens no more than a call may hold; checked again before any file is made.
            guard workerCall(call).count < WorkerCall.maxRecordings else {
                errors.append("call \(box.value.callInstance): more than \(WorkerCall.maxRecordings) recordings at once")
                return
            }
            do {
                _ = workerCall(call).add(try CallRecording(setup: box.value))
                open.insert(call)
            } catch {
                errors.append("\(error)")
                logger.error("cannot open recording", metadata: ["recording": "\(box.value.recordingIdentifier)",
                                                                  "error": "\(error)"])
            }
        case .addFlow:
            guard let box = MediaMessage.takeObject(slot, as: MessageBox<MediaFlow>.self) else { return }
            workerCall(call).addFlow(box.value)
        case .updatePayloadMaps:
            guard let box = MediaMessage.takeObject(slot, as: MessageBox<[PayloadMap]>.self) else { return }
            existing(call)?.forEach { $0.updatePayloadMaps(box.value) }
        case .moveFlow:
            guard let box = MediaMessage.takeObject(slot, as: MessageBox<Int>.self) else { return }
            let flow = Int(slot.load(fromByteOffset: MediaMessage.flowOffset, as: UInt16.self))
            existing(call)?.moveFlow(flow, toSide: box.value)
        case .dtmf:
            guard let box = MediaMessage.takeObject(slot, as: MessageBox<InfoDigitEvent>.self) else { return }
            let e = box.value
            existing(call)?.forEach {
                $0.addDigit(e.digit, atNanos: nanos, durationSeconds: e.durationSeconds, method: "sip-info", side: e.side)
            }
        case .gate:
            guard let box = MediaMessage.takeObject(slot, as: MessageBox<GateMessage>.self) else { return }
            existing(call)?.forEach(matching: box.value.recordingIdentifier) { recording in
                switch box.value.command {
                case .pause: recording.pause(atNanos: nanos)
                case .resume: recording.resume(atNanos: nanos)
                case .metadata(let changes): recording.updateMetadata(changes)
                case .blackoutStart(let origin): recording.startBlackout(atNanos: nanos, origin: origin)
                case .blackoutEnd(let reason): recording.endBlackout(atNanos: nanos, reason: reason)
                }
            }
        case .end:
            guard let box = MediaMessage.takeObject(slot, as: MessageBox<RecordingEnd>.self) else { return }
            finish(call, box.value)
        case .forget:
            if call < calls.count, let entry = calls[call] {
                finish(call, RecordingEnd(endNanos: nil, reason: "shutdown", metadata: nil))
                entry.release()
                calls[call] = nil
            }
        case .tick:
            // Each recording commits only its own audio, so the order does not matter (and
            // iterating the set allocates nothing).
            for call in open {
                guard let entry = calls[call] else { continue }
                var failed: (String, Error)?
                entry._withUnsafeGuaranteedRef { workerCall in
                    workerCall.forEach { recording in
                        guard failed == nil else { return }
                        do {
                            try recording.advance(toNanos: nanos)
                        } catch {
                            failed = (recording.setup.recordingIdentifier, error)
                        }
                    }
                }
                if let (identifier, error) = failed { fail(call, identifier, error) }
            }
        case .stop, nil:
            break
        }
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

    private func finish(_ call: Int, _ end: RecordingEnd) {
        guard let entry = existing(call) else { return }
        for recording in entry.remove(end.recordingIdentifier) {
            counters += recording.counters
            do {
                let result = try recording.finish(end)
                results.append(result)
                onFinished(result)
            } catch {
                errors.append("\(error)")
                logger.error("cannot finish recording", metadata: ["recording": "\(recording.setup.recordingIdentifier)",
                                                                    "error": "\(error)"])
            }
        }
        if entry.count == 0 { open.remove(call) }
    }

    /// A write failed (disk full, folder gone): end the recording as an error so it still closes.
    private func fail(_ call: Int, _ recordingIdentifier: String, _ error: Error) {
        logger.error("recording failed", metadata: ["recording": "\(recordingIdentifier)", "error": "\(error)"])
        finish(call, RecordingEnd(endNanos: nil, reason: "error: \(error)", metadata: nil, recordingIdentifier: recordingIdentifier))
    }
}
