import Foundation
import Logging
import Media

/// A thread that owns a shard of the recordings: it drains its ring in order, decodes and places
/// audio, writes files, and finishes recordings. Only this thread touches its recordings.
final class MediaWorker: @unchecked Sendable {
    let index: Int
    let ring: SPSCRing
    private var recordings: [Unmanaged<CallRecording>?] = []
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
            guard call < recordings.count, let recording = recordings[call] else {
                storageFailures += 1
                return
            }
            let flow = Int(slot.load(fromByteOffset: MediaMessage.flowOffset, as: UInt16.self))
            let length = Int(slot.load(fromByteOffset: MediaMessage.lengthOffset, as: UInt16.self))
            let bytes = UnsafeRawBufferPointer(start: slot + MediaMessage.payloadOffset, count: length)
            do {
                try recording._withUnsafeGuaranteedRef { try $0.receive(flow: flow, packet: bytes, captureNanos: nanos) }
            } catch {
                fail(call, error)
            }
        case .open:
            guard let box = MediaMessage.takeObject(slot, as: MessageBox<RecordingSetup>.self) else { return }
            while recordings.count <= call { recordings.append(nil) }
            do {
                let recording = try CallRecording(setup: box.value)
                recordings[call] = Unmanaged.passRetained(recording)
                open.insert(call)
            } catch {
                errors.append("\(error)")
                logger.error("cannot open recording", metadata: ["recording": "\(box.value.recordingIdentifier)",
                                                                  "error": "\(error)"])
            }
        case .addFlow:
            guard let box = MediaMessage.takeObject(slot, as: MessageBox<MediaFlow>.self) else { return }
            if call < recordings.count, let recording = recordings[call] {
                recording.takeUnretainedValue().addFlow(box.value)
            }
        case .updatePayloadMaps:
            guard let box = MediaMessage.takeObject(slot, as: MessageBox<[PayloadMap]>.self) else { return }
            if call < recordings.count, let recording = recordings[call] {
                recording.takeUnretainedValue().updatePayloadMaps(box.value)
            }
        case .moveFlow:
            guard let box = MediaMessage.takeObject(slot, as: MessageBox<Int>.self) else { return }
            let flow = Int(slot.load(fromByteOffset: MediaMessage.flowOffset, as: UInt16.self))
            if call < recordings.count, let recording = recordings[call] {
                recording.takeUnretainedValue().moveFlow(flow, toChannel: box.value)
            }
        case .dtmf:
            guard let box = MediaMessage.takeObject(slot, as: MessageBox<InfoDigitEvent>.self) else { return }
            if call < recordings.count, let recording = recordings[call] {
                let e = box.value
                recording.takeUnretainedValue().addDigit(e.digit, atNanos: nanos, durationSeconds: e.durationSeconds,
                                                         method: "sip-info", channel: e.channel)
            }
        case .end:
            guard let box = MediaMessage.takeObject(slot, as: MessageBox<RecordingEnd>.self) else { return }
            finish(call, box.value)
        case .tick:
            // Each recording commits only its own audio, so the order does not matter (and
            // iterating the set allocates nothing).
            for call in open {
                guard let recording = recordings[call] else { continue }
                do {
                    try recording.takeUnretainedValue().advance(toNanos: nanos)
                } catch {
                    fail(call, error)
                }
            }
        case .stop, nil:
            break
        }
    }

    private func finish(_ call: Int, _ end: RecordingEnd) {
        guard call < recordings.count, let unmanaged = recordings[call] else { return }
        recordings[call] = nil
        open.remove(call)
        let recording = unmanaged.takeRetainedValue()
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

    /// A write failed (disk full, folder gone): end the recording as an error so it still closes.
    private func fail(_ call: Int, _ error: Error) {
        logger.error("recording failed", metadata: ["error": "\(error)"])
        finish(call, RecordingEnd(endNanos: nil, reason: "error: \(error)", metadata: nil))
    }
}
