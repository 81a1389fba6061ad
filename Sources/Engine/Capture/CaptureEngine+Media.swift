import Media
import SIP
import Wire

extension CaptureEngine {
    /// The call, sending side and kind of media for an address pair no flow holds yet, from the
    /// addresses the calls' SDPs declared. With several candidates (a peer that uses one port for
    /// every call), a live call wins over an ended one, and a call that signalling describes over
    /// one known only from its media; then the call whose SDPs allow both addresses of the pair;
    /// then the newest SDP. The claim chosen says whether the flow is encrypted.
    func resolve(_ key: FlowTable.Key) -> (call: Int, sender: CallSide, claim: FlowTable.Claim, weak: Bool)? {
        var best: (call: Int, sender: CallSide, claim: FlowTable.Claim, rank: (Int, Int, Int, Int))?
        func consider(_ claim: FlowTable.Claim, sender: CallSide, score: Int) {
            let call = claim.call
            guard call < callObjects.count, let object = callObjects[call] else { return }
            // A call known only from its media comes after every call that signalling describes.
            let rank = (calls[call].ended ? 0 : 1, object.isUnsignalled ? 0 : 1, score, object.mediaGeneration)
            if best == nil || rank > best!.rank { best = (call, sender, claim, rank) }
        }
        for claim in flows.claims(on: key.destination) {
            let sender = claim.side.other
            var score = 2
            if let call = callObjects[claim.call] {
                let declared = call.media[sender.rawValue]
                if declared.contains(where: { $0.endpoint == key.source }) {
                    score = 4
                } else if declared.contains(where: { $0.connection == key.source.address }) {
                    score = 3
                }
            }
            consider(claim, sender: sender, score: score)
        }
        // Symmetric RTP: a side sends from the address it receives on. Not for declared sessions:
        // their streams are known by where they are sent, and a session may have one side only.
        for claim in flows.claims(on: key.source) where callObjects[claim.call]?.isDeclared != true {
            consider(claim, sender: claim.side, score: 1)
        }
        return best.map { ($0.call, $0.sender, $0.claim, $0.rank.2 == 1) }
    }

    /// Binds a new flow. A flow bound by where it was sent, whose source is where a weakly bound
    /// flow of the same call sends to, is that flow's reverse: the weak one belongs to the other side.
    func bind(_ key: FlowTable.Key, call: Int, sender: CallSide, claim: FlowTable.Claim, weak: Bool) -> Int {
        if !weak {
            for reverse in flows.weakBindings(of: call, sendingTo: key.source) where flows.bindings[reverse].sender == sender {
                flows.setSender(reverse, sender.other)
                let flow = flows.bindings[reverse].flow
                if flow >= 0 {
                    sendControl(to: calls[call].worker, .moveFlow, call: call, flow: flow, object: MessageBox(sender.other.rawValue))
                }
            }
        }
        return flows.bind(key, FlowTable.Binding(key: key, call: call, sender: sender, isAudio: claim.isAudio,
                                                 encryption: encryption(call: call, sender: sender, source: key.source,
                                                                        declaredEncrypted: claim.isEncrypted),
                                                 weak: weak))
    }

    /// A flow's encryption from the call's SDPs as they stand: the claim says whether its leg
    /// is SRTP, the sender's own SDP holds its keys.
    private func encryption(call: Int, sender: CallSide, source: Endpoint, declaredEncrypted: Bool) -> FlowEncryption {
        guard declaredEncrypted, let object = callObjects[call] else { return .none }
        return FlowEncryption(sender: object.media[sender.rawValue], receiver: object.media[sender.other.rawValue],
                              earlier: object.earlierCrypto[sender.rawValue], source: source, declaredEncrypted: true)
    }

    /// After a new SDP of the call, its flows follow what the SDPs now say of encryption: a
    /// re-INVITE that turns SRTP on or off on the same addresses, or that brings new keys.
    func updateEncryption(ofCall call: Int) {
        for i in flows.bindings(of: call) {
            let binding = flows.bindings[i]
            // Bound by where it is sent, or (symmetric RTP) by where it is sent from.
            let claim = binding.weak
                ? flows.claims(on: binding.key.source).first { $0.call == call && $0.side == binding.sender }
                : flows.claims(on: binding.key.destination).first { $0.call == call && $0.side == binding.sender.other }
            guard let claim else { continue }
            let now = encryption(call: call, sender: binding.sender, source: binding.key.source,
                                 declaredEncrypted: claim.isEncrypted)
            guard now != binding.encryption else { continue }
            flows.setEncryption(i, now)
            if binding.flow >= 0 {
                sendControl(to: calls[call].worker, .flowEncryption, call: call, flow: binding.flow,
                            object: MessageBox(now))
            }
        }
    }

    /// Hands one packet of a bound flow to its call's worker.
    @inline(__always)
    func forward(_ bindingIndex: Int, _ payload: UnsafeRawBufferPointer, nanos: Int64) {
        // Field by field: a copy of the binding would retain its encryption's keys per packet.
        guard flows.bindings[bindingIndex].isAudio else {
            counters.notAudio += 1
            return
        }
        if RTPPacket.isRTCP(payload) {
            forwardRTCP(bindingIndex, payload, nanos: nanos)
            return
        }
        let call = flows.bindings[bindingIndex].call
        if calls[call].ended {
            counters.afterCallEnd += 1
            return
        }
        calls[call].lastRTPNanos = nanos
        if calls[call].openRecordings == 0 {
            guard !calls[call].primaryDone, calls[call].recordFromStart, let object = callObjects[call] else {
                counters.notRecorded += 1
                return
            }
            // Below the storage minimum the call waits: its recording starts with the first
            // packet after space returned.
            guard storageAdmitsRecording(slot: call) else {
                counters.storageLow += 1
                return
            }
            _ = openRecording(object, nanos: nanos, duplicate: false)
        }
        var flow = flows.bindings[bindingIndex].flow
        if flow < 0 {
            flow = announceFlow(bindingIndex)
        }
        guard payload.count <= MediaMessage.maxPayload else {
            counters.oversizedRtp += 1
            return
        }
        let w = calls[call].worker
        guard let record = reserve(w, bytes: MediaMessage.recordBytes(length: payload.count), mayDrop: true) else {
            // The worker is behind: the packet is the recorder's own loss, told to the stream
            // with its flow's next record so that the sidecar can tell it from network loss.
            counters.ringOverflow += 1
            flows.noteRingDrop(bindingIndex)
            return
        }
        MediaMessage.writeHeader(record, kind: .rtp, call: call, flow: flow, length: payload.count, nanos: nanos)
        record.storeBytes(of: Int64(flows.takeRingDrops(bindingIndex)), toByteOffset: MediaMessage.droppedOffset, as: Int64.self)
        if let base = payload.baseAddress {
            (record + MediaMessage.payloadOffset).copyMemory(from: base, byteCount: payload.count)
        }
        publish(w)
    }

    /// Hands an RTCP packet from the sender of a bound flow (on the flow itself with rtcp-mux,
    /// else from the next port up) to the worker, for the receiver reports of the call's
    /// recordings. RTCP that no open recording's flow can take is only counted.
    func forwardRTCP(_ bindingIndex: Int, _ payload: UnsafeRawBufferPointer, nanos: Int64) {
        let call = flows.bindings[bindingIndex].call
        let flow = flows.bindings[bindingIndex].flow
        guard flows.bindings[bindingIndex].isAudio, flow >= 0, !calls[call].ended, calls[call].openRecordings > 0,
              payload.count <= MediaMessage.maxPayload,
              let record = reserve(calls[call].worker, bytes: MediaMessage.recordBytes(length: payload.count), mayDrop: true)
        else {
            counters.rtcp += 1
            return
        }
        MediaMessage.writeHeader(record, kind: .rtcp, call: call, flow: flow, length: payload.count, nanos: nanos)
        if let base = payload.baseAddress {
            (record + MediaMessage.payloadOffset).copyMemory(from: base, byteCount: payload.count)
        }
        publish(calls[call].worker)
    }

    /// The bound flow whose sender sends RTCP from `key`: RTCP goes from and to the port after
    /// RTP's (RFC 3550 §11) when the SDP does not multiplex them.
    func rtcpBinding(_ key: FlowTable.Key) -> Int? {
        guard key.source.port > 0, key.destination.port > 0 else { return nil }
        var rtp = key
        rtp.source.port -= 1
        rtp.destination.port -= 1
        return flows.lookup(rtp)
    }

    /// Tells the worker the ring drops of `call`'s flows that no later packet carried (the call's
    /// recordings are about to end).
    func flushRingDrops(of call: Int) {
        for binding in flows.bindingsWithRingDrops(of: call) {
            let dropped = flows.takeRingDrops(binding)
            sendControl(to: calls[call].worker, .ringDropped, call: call, flow: flows.bindings[binding].flow,
                        object: nil, dropped: dropped)
        }
    }

    /// Tells the worker about a new flow of an open recording; returns its number there.
    private func announceFlow(_ bindingIndex: Int) -> Int {
        let binding = flows.bindings[bindingIndex]
        let flow = calls[binding.call].flows
        calls[binding.call].flows += 1
        flows.setFlow(bindingIndex, flow)
        let media = MediaFlow(channel: binding.sender.rawValue, source: "\(binding.key.source)",
                              destination: "\(binding.key.destination)", encryption: binding.encryption)
        sendControl(to: calls[binding.call].worker, .addFlow, call: binding.call, object: MessageBox(media))
        return flow
    }

    /// Opens a recording of `call` from capture time `nanos`: the primary segment or a duplicate.
    /// Each takes the call's next segment number, so each has its own identifier.
    func openRecording(_ call: Call, nanos: Int64, duplicate: Bool) -> RecordingSetup {
        let maps = payloadMaps(call)
        let segment = calls[call.slot].segment
        let profile = controls[call.slot].profile
        var setup = RecordingSetup(
            recordingIdentifier: RecordingIdentifier.make(serverId: configuration.serverId, callInstance: call.callID, segment: segment),
            callInstance: call.callID,
            segment: segment,
            isDuplicate: duplicate,
            agentId: profile?.agentId,
            serverId: configuration.serverId,
            startNanos: nanos,
            sampleRate: RecordingRate.choose(for: maps),
            channelRoles: profile?.channelRoles ?? ["caller", "callee"],
            directory: configuration.storageRoot + "/" + CaptureTime.datePath(nanos),
            format: configuration.format,
            layout: configuration.channels,
            side: configuration.side,
            commitDelayNanos: Int64(configuration.commitDelaySeconds * 1e9),
            metadata: metadata(call),
            payloadMaps: maps)
        setup.sideToChannel = profile?.sideToChannel ?? [0, 1]
        if call.isUnsignalled { setup.signalling = "none" }
        setup.detectsInbandDTMF = configuration.inbandDTMF
        setup.journalsHeldAudio = configuration.journalsHeldAudio
        calls[call.slot].segment += 1
        calls[call.slot].openRecordings += 1
        if duplicate {
            controls[call.slot].duplicates.append(setup.recordingIdentifier)
        } else {
            controls[call.slot].primary = setup.recordingIdentifier
        }
        sendControl(to: calls[call.slot].worker, .open, call: call.slot, object: MessageBox(setup))
        observer?.recordingOpened(setup)
        return setup
    }

    /// Ends every recording of a call that ended.
    func endRecording(_ call: Call) {
        let reason = call.endReason ?? .shutdown
        // BYE and CANCEL end the file at their capture time; a dead or unfinished call ends at its last audio.
        let endNanos: Int64? = (reason == .bye || reason == .cancel || reason == .rejected || reason == .stopped) ? call.endNanos : nil
        var end = RecordingEnd(endNanos: endNanos, reason: reason.rawValue, metadata: metadata(call))
        end.callInstance = call.signalledCallID
        flushRingDrops(of: call.slot)
        sendControl(to: calls[call.slot].worker, .end, call: call.slot, object: MessageBox(end))
        calls[call.slot].openRecordings = 0
        calls[call.slot].primaryDone = true
        controls[call.slot].primary = nil
        controls[call.slot].duplicates = []
    }

    /// The disk is full: every open recording ends now as an error, its file closed with what it
    /// holds and described in its sidecar. A call that records from its start opens a new segment
    /// at its first packet once storage has room again; one started by a command stays stopped.
    func closeRecordingsForFullStorage() {
        for slot in calls.indices where calls[slot].openRecordings > 0 && !calls[slot].ended {
            guard let call = callObjects[slot] else { continue }
            var end = RecordingEnd(endNanos: nowNanos, reason: "error: storage full", metadata: metadata(call))
            end.callInstance = call.signalledCallID
            flushRingDrops(of: slot)
            sendControl(to: calls[slot].worker, .end, call: slot, object: MessageBox(end))
            calls[slot].openRecordings = 0
            calls[slot].primaryDone = !calls[slot].recordFromStart
            controls[slot].primary = nil
            controls[slot].duplicates = []
        }
    }

    /// Ends one recording of a live call at `nanos` (a stop command).
    func endRecording(_ call: Call, identifier: String, at nanos: Int64, reason: String) {
        let end = RecordingEnd(endNanos: nanos, reason: reason, metadata: metadata(call), recordingIdentifier: identifier)
        flushRingDrops(of: call.slot)
        sendControl(to: calls[call.slot].worker, .end, call: call.slot, object: MessageBox(end))
        calls[call.slot].openRecordings -= 1
        if controls[call.slot].primary == identifier {
            controls[call.slot].primary = nil
            calls[call.slot].primaryDone = true
        }
        controls[call.slot].duplicates.removeAll { $0 == identifier }
    }

    /// Per channel, what the payload types sent by that side mean: the receiving side's SDP
    /// declared them, the sender's own SDP fills in.
    func payloadMaps(_ call: Call) -> [PayloadMap] {
        if let declared = controls[call.slot].declaredPayloadMaps { return declared }
        func map(_ side: CallSide) -> PayloadMap {
            var m = PayloadMap()
            for media in call.media[side.rawValue] where media.media == "audio" {
                for (pt, r) in media.rtpmaps {
                    m[pt] = Codec(encoding: r.encoding, clockRate: r.clockRate, channels: r.channels)
                }
            }
            return m
        }
        return CallSide.allCases.map { sender in map(sender).merging(map(sender.other)) }
    }

    /// The keys every call's metadata has (docs/API.md, "Agent state"). A client's keys
    /// are matched to them without regard to case, and these do not count against the keys a
    /// client may add.
    public static let documentedMetadataKeys: Set<String> = Set([
        "deviceid", "devicealias", "gate", "sgroup", "station", "istrunk", "sessionid", "callsegmentid", "keepdays",
        "archiveaction", "ani", "dnis", "callid", "callinstance", "calldirection", "starttime", "endtime",
    ] + (1...15).map { "user\($0)" })

    /// Every documented key with its value before the call sets any. Built once: building it
    /// each time (32 keys hashed and inserted) was 9 % of the capture thread's samples in a
    /// replay of 2,000 six-second calls, 200 at a time; a copy of it costs one allocation.
    private static let blankMetadata: [String: String] = {
        var m = Dictionary(uniqueKeysWithValues: documentedMetadataKeys.map { ($0, "") })
        m["keepdays"] = "-1"
        m["archiveaction"] = "-1"
        return m
    }()

    /// The call's metadata in the Recording API's shape (docs/API.md, "Agent state").
    func metadata(_ call: Call) -> [String: String] {
        let dial = configuration.dialPlan
        var m = Self.blankMetadata
        m["ani"] = call.ani(dialPlan: dial)
        m["dnis"] = call.dnis(dialPlan: dial)
        m["callid"] = call.signalledCallID ?? call.callID
        m["callinstance"] = call.signalledCallID ?? call.callID
        // Direction is relative to an agent; with no agent on the call it is unknown (the
        // control plane sets it through the call's profile).
        m["starttime"] = CaptureTime.legacy(call.inviteNanos, offsetSeconds: configuration.timeZoneOffset(at: call.inviteNanos))
        if call.state == .ended, let reason = call.endReason {
            let end = (reason == .timeout || reason == .shutdown)
                ? max(call.lastSIPNanos, calls[call.slot].lastRTPNanos)
                : (call.endNanos ?? nowNanos)
            m["endtime"] = CaptureTime.legacy(end, offsetSeconds: configuration.timeZoneOffset(at: end))
        }
        if let extra = controls[call.slot].profile?.metadata {
            m.merge(extra) { _, new in new }
        }
        return m
    }
}
