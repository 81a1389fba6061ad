import Media
import SIP
import Wire

extension CaptureEngine {
    /// A UDP datagram: media of a known flow (the common case, checked first), SIP, RTCP, or
    /// media that a call's SDP claims.
    @inline(__always)
    func handleUDP(_ datagram: UDPDatagram, nanos: Int64) {
        let key = FlowTable.Key(source: datagram.source, destination: datagram.destination)
        if let binding = flows.lookup(key) {
            forward(binding, datagram.payload, nanos: nanos)
            return
        }
        let payload = datagram.payload
        if configuration.sipPorts.contains(datagram.destination.port) || configuration.sipPorts.contains(datagram.source.port)
            || SIPParser.looksLikeSIP(payload) {
            handleSIP(datagram, nanos: nanos)
            return
        }
        if RTPPacket.isRTCP(payload) {
            if let binding = rtcpBinding(key) { forwardRTCP(binding, payload, nanos: nanos) } else { counters.rtcp += 1 }
            return
        }
        guard RTPPacket.looksLikeRTP(payload) else {
            counters.otherUdp += 1
            return
        }
        guard let (call, sender, claim, weak) = resolve(key) else {
            if !handleUnsignalled(key, payload, nanos: nanos) { counters.rtpWithoutCall += 1 }
            return
        }
        // A call has a handful of flows; thousands of source ports toward one call's address are
        // an attack or a misconfigured peer, not media to keep state for.
        guard flows.flowsByCall[call, default: 0] < Self.maxFlowsPerCall else {
            counters.tooManyFlows += 1
            return
        }
        let binding = bind(key, call: call, sender: sender, claim: claim, weak: weak)
        forward(binding, payload, nanos: nanos)
    }

    func handleSIP(_ datagram: UDPDatagram, nanos: Int64) {
        let payload = datagram.payload
        if payload.allSatisfy({ $0 == 0x0D || $0 == 0x0A || $0 == 0x20 || $0 == 0x09 || $0 == 0x00 }) {
            // Keep-alives (RFC 5626 CRLF, or the blanks some phones send through NAT): not messages.
            counters.otherUdp += 1
            return
        }
        handleSIPMessage(payload, source: datagram.source, destination: datagram.destination, nanos: nanos)
    }

    /// One whole SIP message, from a datagram or a stream (TCP, WebSocket).
    func handleSIPMessage(_ bytes: UnsafeRawBufferPointer, source: Endpoint, destination: Endpoint, nanos: Int64) {
        let message: SIPMessage
        do {
            message = try SIPParser.parse(bytes)
        } catch {
            counters.malformedSip += 1
            logger.debug("malformed SIP", metadata: ["source": "\(source)", "error": "\(error.message)"])
            return
        }
        let events = callTable.process(message, nanos: nanos, source: source, destination: destination) { call in
            mayEvict(call)
        }
        // Kept before the events go out, so that what the observer stores with them includes this
        // message. A new call's events may follow those of the call it evicted.
        if observer != nil, let call = callTable.call(id: message.callID) {
            for case .started(let started) in events where started === call { prepareSlot(call) }
            keepSignalling(message, bytes: bytes, call: call, nanos: nanos, source: source, destination: destination)
        }
        apply(events)
        if message.method == .info, let digit = InfoDigit(message), let call = callTable.call(id: message.callID),
           calls[call.slot].openRecordings > 0 {
            let event = InfoDigitEvent(digit: digit.digit, durationSeconds: Double(digit.durationMilliseconds ?? 0) / 1000,
                                       side: call.sender(of: message).rawValue)
            sendControl(to: calls[call.slot].worker, .dtmf, call: call.slot, object: MessageBox(event))
        }
    }

    /// A full call table may give up an unanswered call for a new INVITE only when it has no
    /// media (no RTP, no flow) and no recording: calls that carry audio are kept.
    func mayEvict(_ call: Call) -> Bool {
        guard call.slot < calls.count else { return true }
        return calls[call.slot].lastRTPNanos == 0 && calls[call.slot].openRecordings == 0
            && flows.flowsByCall[call.slot] == nil
    }

    /// Makes a new call's slot fresh (media, control and the call itself).
    func prepareSlot(_ call: Call) {
        while calls.count <= call.slot {
            calls.append(CallMedia())
            callObjects.append(nil)
            controls.append(CallControl())
        }
        calls[call.slot] = CallMedia(worker: callsStarted % workers.count, recordFromStart: configuration.recordWithoutAgent)
        callObjects[call.slot] = call
        controls[call.slot] = CallControl()
    }

    func apply(_ events: [CallEvent]) {
        for event in events {
            switch event {
            case .started(let call):
                if callObjects.count <= call.slot || callObjects[call.slot] !== call { prepareSlot(call) }
                callsStarted += 1
                // Who declared a session knows of it: the observer hears of SIP calls only.
                if !call.isDeclared { observer?.callStarted(call, at: call.inviteNanos) }
            case .mediaChanged(let call, let side):
                for m in call.media[side.rawValue] {
                    guard let endpoint = m.endpoint, !endpoint.address.isUnspecified else { continue }
                    flows.claim(endpoint, call: call.slot, side: side, isAudio: m.media == "audio",
                                isEncrypted: m.isEncrypted, yields: yieldsToSignalling)
                }
                updateEncryption(ofCall: call.slot)
                if calls[call.slot].openRecordings > 0 {
                    sendControl(to: calls[call.slot].worker, .updatePayloadMaps, call: call.slot,
                                object: MessageBox(payloadMaps(call)))
                }
                observer?.callChanged(call, at: call.lastSIPNanos)
            case .answered(let call):
                if !call.isDeclared { observer?.callChanged(call, at: call.answerNanos ?? call.lastSIPNanos) }
            case .ended(let call):
                calls[call.slot].ended = true
                if calls[call.slot].openRecordings > 0 { endRecording(call) }
                if !call.isDeclared { observer?.callEnded(call, at: call.endNanos ?? nowNanos) }
            case .revived(let call):
                calls[call.slot].ended = false
                calls[call.slot].primaryDone = false
                observer?.callChanged(call, at: call.lastSIPNanos)
            case .purged(let call):
                flows.forget(call: call.slot)
                sendControl(to: calls[call.slot].worker, .forget, call: call.slot, object: nil)
                calls[call.slot] = CallMedia()
                callObjects[call.slot] = nil
                controls[call.slot] = CallControl()
                if !call.isDeclared { observer?.callPurged(call.callID) }
            }
        }
    }
}
