import Media

/// A media worker's view of one call: the flows announced for it (numbered in the order they
/// came) and the recordings open on it, the primary segment and any duplicates. The recordings
/// sit in a fixed buffer so that handing a packet to each of them allocates and retains nothing.
final class WorkerCall {
    static let maxRecordings = 16

    private(set) var flows: [MediaFlow] = []
    let recordings: UnsafeMutablePointer<Unmanaged<CallRecording>>
    private(set) var count = 0

    init() {
        recordings = .allocate(capacity: Self.maxRecordings)
    }

    deinit {
        for i in 0..<count { recordings[i].release() }
        recordings.deallocate()
    }

    /// Adds a recording and tells it every flow the call has so far. False when the call
    /// already has as many recordings as it may.
    func add(_ recording: CallRecording) -> Bool {
        guard count < Self.maxRecordings else { return false }
        for flow in flows { recording.addFlow(flow) }
        recordings[count] = Unmanaged.passRetained(recording)
        count += 1
        return true
    }

    func addFlow(_ flow: MediaFlow) {
        flows.append(flow)
        forEach { $0.addFlow(flow) }
    }

    func moveFlow(_ flow: Int, toSide side: Int) {
        if flow >= 0 && flow < flows.count { flows[flow].channel = side }
        forEach { $0.moveFlow(flow, toSide: side) }
    }

    /// A new SDP declared the flow's leg encrypted (or plain): its payloads are resolved again.
    func setFlowEncrypted(_ flow: Int, _ encrypted: Bool) {
        if flow >= 0 && flow < flows.count { flows[flow].isEncrypted = encrypted }
        forEach { $0.setFlowEncrypted(flow, encrypted) }
    }

    /// Takes the recording named `identifier` (or, with nil, every one) out of the call.
    func remove(_ identifier: String?) -> [CallRecording] {
        var removed: [CallRecording] = []
        var i = 0
        while i < count {
            let r = recordings[i].takeUnretainedValue()
            if identifier == nil || r.setup.recordingIdentifier == identifier {
                removed.append(recordings[i].takeRetainedValue())
                count -= 1
                recordings[i] = recordings[count]
            } else {
                i += 1
            }
        }
        return removed
    }

    @inline(__always)
    func forEach(_ body: (CallRecording) throws -> Void) rethrows {
        for i in 0..<count {
            try recordings[i]._withUnsafeGuaranteedRef { try body($0) }
        }
    }

    /// The recordings whose identifier is `identifier`, or all with nil.
    func forEach(matching identifier: String?, _ body: (CallRecording) -> Void) {
        forEach { r in
            if identifier == nil || r.setup.recordingIdentifier == identifier { body(r) }
        }
    }
}
