import Media

/// A media worker's view of one call: the flows announced for it (numbered in the order they
/// came) and the recordings open on it, the primary segment and any duplicates. The recordings
/// sit in a fixed buffer so that handing a packet to each of them allocates and retains nothing.
final class WorkerCall {
    static let maxRecordings = 16

    private(set) var flows: [MediaFlow] = []
    /// Per flow, the SRTP decryptor of a flow with SDES keys: one per flow, shared by the
    /// call's recordings, so that each packet is decrypted once.
    private var decryptors: [SRTPDecryptor?] = []
    /// Some flow has a decryptor: plain calls skip the lookup.
    private var decrypts = false
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
        decryptors.append(nil)
        setDecryptor(flows.count - 1, flow.encryption)
        forEach { $0.addFlow(flow) }
    }

    func moveFlow(_ flow: Int, toSide side: Int) {
        if flow >= 0 && flow < flows.count { flows[flow].channel = side }
        forEach { $0.moveFlow(flow, toSide: side) }
    }

    /// A new SDP declared the flow's leg encrypted or plain, or gave new keys: its payloads
    /// are resolved again.
    func setFlowEncryption(_ flow: Int, _ encryption: FlowEncryption) {
        guard flow >= 0 && flow < flows.count else { return }
        flows[flow].encryption = encryption
        setDecryptor(flow, encryption)
        forEach { $0.setFlowEncryption(flow, encryption) }
    }

    private func setDecryptor(_ flow: Int, _ encryption: FlowEncryption) {
        if case .srtp(let keys) = encryption {
            if let existing = decryptors[flow] {
                existing.replaceKeys(keys)
            } else {
                decryptors[flow] = SRTPDecryptor(keys: keys)
            }
        } else {
            decryptors[flow] = nil
        }
        decrypts = decryptors.contains { $0 != nil }
    }

    /// The packet the recordings are to see: `bytes` itself on a plain flow, else its plain
    /// form decrypted into `scratch`. Nil when it cannot be decrypted; the recordings have then
    /// counted it.
    @inline(__always)
    func plainPacket(flow: Int, _ bytes: UnsafeRawBufferPointer, captureNanos: Int64,
                     scratch: UnsafeMutableRawPointer) -> UnsafeRawBufferPointer? {
        guard decrypts, flow < decryptors.count, let decryptor = decryptors[flow] else { return bytes }
        let outcome = decryptor.unprotect(bytes, into: scratch)
        guard case .decrypted(let length, let newKey) = outcome else {
            forEach { $0.noteUndecrypted(flow: flow, packet: bytes, captureNanos: captureNanos, outcome: outcome) }
            return nil
        }
        if newKey {
            let ssrc = RTPPacket.ssrc(of: bytes)
            if let suite = decryptor.suite(of: ssrc) {
                forEach { $0.noteDecryption(flow: flow, ssrc: ssrc, suite: suite) }
            }
        }
        return UnsafeRawBufferPointer(start: scratch, count: length)
    }

    /// An RTCP packet that came with `flow`'s sender, for every recording of the call: as it is
    /// on a plain flow, decrypted once on an SRTP one (into `scratch`); SRTCP that does not
    /// authenticate is counted and goes no further, and that of a leg whose keys cannot be known
    /// is not read.
    func receiveRTCP(flow: Int, _ bytes: UnsafeRawBufferPointer, captureNanos: Int64, scratch: UnsafeMutableRawPointer) {
        guard flow >= 0, flow < flows.count else { return }
        if case .undecryptable = flows[flow].encryption { return }
        var plain = bytes
        if let decryptor = decryptors[flow] {
            guard let length = decryptor.unprotectRTCP(bytes, into: scratch) else {
                forEach { $0.noteUnauthenticatedRTCP(flow: flow, captureNanos: captureNanos) }
                return
            }
            plain = UnsafeRawBufferPointer(start: scratch, count: length)
        }
        forEach { $0.receiveRTCP(flow: flow, packet: plain, captureNanos: captureNanos) }
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
