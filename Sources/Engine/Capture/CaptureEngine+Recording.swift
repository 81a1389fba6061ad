import Foundation
import Media
import SIP
import Wire

/// The recording commands the control plane gives, on the capture thread, each taking effect at
/// the capture time the engine has reached (or the time given).
extension CaptureEngine {
    /// The live (not yet purged) call with this Call-ID.
    public func call(_ callInstance: String) -> Call? {
        callTable.call(id: callInstance)
    }

    /// Sets how a call is recorded. Call it from `callStarted` to decide before the first packet.
    public func setProfile(_ profile: CallProfile, of callInstance: String) {
        guard let call = callTable.call(id: callInstance) else { return }
        controls[call.slot].profile = profile
        calls[call.slot].recordFromStart = profile.recordFromStart
        if let next = profile.nextSegment { calls[call.slot].segment = max(calls[call.slot].segment, next) }
    }

    /// The identifiers of the call's open recordings: the primary (if open) and the duplicates.
    public func openRecordings(of callInstance: String) -> (primary: String?, duplicates: [String]) {
        guard let call = callTable.call(id: callInstance) else { return (nil, []) }
        return (controls[call.slot].primary, controls[call.slot].duplicates)
    }

    /// Starts the call's primary recording at `nanos` unless it runs; returns its identifier.
    /// After a stop this makes a new segment.
    @discardableResult
    public func startPrimary(_ callInstance: String, at nanos: Int64) -> String? {
        guard let call = callTable.call(id: callInstance), call.state != .ended else { return nil }
        if let primary = controls[call.slot].primary { return primary }
        guard calls[call.slot].openRecordings < WorkerCall.maxRecordings, storageAdmitsRecording(slot: call.slot) else { return nil }
        return openRecording(call, nanos: nanos, duplicate: false).recordingIdentifier
    }

    /// Whether a new recording of the call in `slot` may start now: not while storage is below
    /// `storage.minFreeMiB`. A refusal is counted once per call until a recording of it starts,
    /// and told in a warning at most once a minute.
    func storageAdmitsRecording(slot: Int) -> Bool {
        guard storage.isLow else {
            calls[slot].refusedForStorage = false
            return true
        }
        guard !calls[slot].refusedForStorage else { return false }
        calls[slot].refusedForStorage = true
        counters.recordingsRefusedForStorage += 1
        if storageRefusalWarned.atNanos == Int64.min || nowNanos - storageRefusalWarned.atNanos >= 60_000_000_000 {
            logger.warning("recordings not started: storage is low", metadata: [
                "refused": "\(counters.recordingsRefusedForStorage - storageRefusalWarned.count)",
                "detail": "\(storage.problem ?? "storage low")"])
            storageRefusalWarned = (counters.recordingsRefusedForStorage, nowNanos)
        }
        return false
    }

    /// Stops the call's primary recording at `nanos`; it stays stopped until started again.
    public func stopPrimary(_ callInstance: String, at nanos: Int64) {
        guard let call = callTable.call(id: callInstance) else { return }
        calls[call.slot].primaryDone = true
        guard let primary = controls[call.slot].primary else { return }
        endRecording(call, identifier: primary, at: nanos, reason: "stopped")
    }

    /// Starts an extra recording of the call from `nanos`; returns its identifier, or nil when the
    /// call is over or already has as many recordings open as a call may.
    public func startDuplicate(_ callInstance: String, at nanos: Int64) -> String? {
        guard let call = callTable.call(id: callInstance), call.state != .ended,
              calls[call.slot].openRecordings < WorkerCall.maxRecordings, storageAdmitsRecording(slot: call.slot) else { return nil }
        return openRecording(call, nanos: nanos, duplicate: true).recordingIdentifier
    }

    /// Stops every duplicate of the call at `nanos`; the primary runs on.
    public func stopDuplicates(_ callInstance: String, at nanos: Int64) {
        guard let call = callTable.call(id: callInstance) else { return }
        for identifier in controls[call.slot].duplicates {
            endRecording(call, identifier: identifier, at: nanos, reason: "stopped")
        }
    }

    /// Silences (`paused: true`) or resumes the call's open recordings (or only `recording`)
    /// from `nanos` on. The engine keeps no pause of its own: Control gives a recording opened
    /// later what silences it (`AgentTracker.recordingOpened`).
    public func setPaused(_ paused: Bool, _ callInstance: String, at nanos: Int64, recording: String? = nil) {
        guard let call = callTable.call(id: callInstance), calls[call.slot].openRecordings > 0 else { return }
        sendGate(paused ? .pause : .resume, call: call, at: nanos, recording: recording)
    }

    /// Merges metadata keys into the call's metadata and into every open recording of it.
    public func updateMetadata(_ changes: [String: String], of callInstance: String) {
        guard let call = callTable.call(id: callInstance) else { return }
        var profile = controls[call.slot].profile ?? CallProfile(recordFromStart: calls[call.slot].recordFromStart)
        profile.metadata.merge(changes) { _, new in new }
        controls[call.slot].profile = profile
        if calls[call.slot].openRecordings > 0 {
            sendGate(.metadata(changes), call: call, at: nowNanos)
        }
    }

    /// The metadata the engine would give a recording of the call now.
    public func currentMetadata(of callInstance: String) -> [String: String]? {
        callTable.call(id: callInstance).map(metadata)
    }

    /// Silences the call's open recordings (or only `recording`) from `nanos` (which may lie in
    /// the past, within the commit delay) on: the agent's blackout. A recording already in one
    /// keeps it (its gate takes the first start).
    public func startBlackout(_ callInstance: String, at nanos: Int64, origin: String, recording: String? = nil) {
        guard let call = callTable.call(id: callInstance), calls[call.slot].openRecordings > 0 else { return }
        sendGate(.blackoutStart(origin: origin), call: call, at: nanos, recording: recording)
    }

    /// Ends the blackout of the call's open recordings (or only `recording`) at `nanos`; `reason`
    /// says how (`stopped`, `maxAgentBlackout`).
    public func endBlackout(_ callInstance: String, at nanos: Int64, reason: String, recording: String? = nil) {
        guard let call = callTable.call(id: callInstance), calls[call.slot].openRecordings > 0 else { return }
        sendGate(.blackoutEnd(reason: reason), call: call, at: nanos, recording: recording)
    }

    func sendGate(_ command: GateCommand, call: Call, at nanos: Int64, recording: String? = nil) {
        sendControl(to: calls[call.slot].worker, .gate, call: call.slot,
                    object: MessageBox(GateMessage(command: command, recordingIdentifier: recording)), nanos: nanos)
    }

    // MARK: Restart

    /// The kept signalling of a call, to store for a restart.
    public func signalling(of callInstance: String) -> [StoredSIPMessage] {
        guard let call = callTable.call(id: callInstance) else { return [] }
        return controls[call.slot].signalling.sorted { ($0.value.nanos, $0.key) < ($1.value.nanos, $1.key) }.map(\.value)
    }

    /// Rebuilds a call from its kept signalling (after a restart). Its media counts as seen at
    /// `now`, so that a call whose end was missed is closed by the idle timeout from now on.
    public func restoreCall(_ messages: [StoredSIPMessage], now: Int64) {
        if firstNanos < 0 { advance(to: now, wire: nil) }
        var callID: String?
        for m in messages.sorted(by: { $0.nanos < $1.nanos }) {
            m.bytes.withUnsafeBytes { raw in
                if callID == nil, let parsed = try? SIPParser.parse(raw) { callID = parsed.callID }
                handleSIPMessage(raw, source: m.source.endpoint, destination: m.destination.endpoint, nanos: m.nanos)
            }
        }
        if let callID, let call = callTable.call(id: callID) {
            calls[call.slot].lastRTPNanos = max(now, calls[call.slot].lastRTPNanos)
        }
    }

    /// Keeps the messages that rebuild a call: the first INVITE, each side's latest SDP, the answer.
    func keepSignalling(_ message: SIPMessage, bytes: UnsafeRawBufferPointer, call: Call, nanos: Int64,
                        source: Endpoint, destination: Endpoint) {
        var role: String?
        if message.method == .invite, controls[call.slot].signalling["invite"] == nil {
            role = "invite"
        } else if let status = message.statusCode, (200...299).contains(status), message.cseq.method == .invite,
                  controls[call.slot].signalling["answer"] == nil {
            role = "answer"
        } else if message.sdp != nil {
            role = "sdp-\(call.sender(of: message) == .caller ? "caller" : "callee")"
        }
        guard let role else { return }
        controls[call.slot].signalling[role] = StoredSIPMessage(bytes: Data(bytes), nanos: nanos, source: source, destination: destination)
    }
}
