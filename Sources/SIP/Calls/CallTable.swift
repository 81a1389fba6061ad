import Wire

/// Every call the capture has seen, by Call-ID: feeds SIP messages into calls and reports what
/// changed. Owned by the capture thread; not thread-safe by design.
public final class CallTable {
    public struct Limits: Sendable {
        /// How long an ended call is kept, to absorb retransmissions and RTP still in flight.
        public var lingerNanos: Int64 = 32_000_000_000
        public init() {}
    }

    public private(set) var calls: [String: Call] = [:]
    /// Calls with an INVITE ever seen (for summaries).
    public private(set) var callsSeen = 0
    /// In-dialog messages that matched no call.
    public private(set) var messagesWithoutCall = 0
    public var limits = Limits()

    private var freeSlots: [Int] = []
    /// Stamps each change of media across all calls, so that the newest claim on an address wins.
    private var mediaSequence = 0
    private var nextSlot = 0

    public init() {}

    public func call(id: String) -> Call? { calls[id] }

    /// Feeds one message captured at `nanos` between `source` and `destination`.
    public func process(_ message: SIPMessage, nanos: Int64, source: Endpoint, destination: Endpoint) -> [CallEvent] {
        var events: [CallEvent] = []
        let call: Call
        if let existing = calls[message.callID] {
            // A declared session's name is not a Call-ID: signalling never steers it.
            guard !existing.isDeclared else {
                messagesWithoutCall += 1
                return []
            }
            call = existing
        } else {
            guard message.method == .invite, message.to.tag == nil else {
                messagesWithoutCall += 1
                return []
            }
            call = Call(slot: takeSlot(), message: message, nanos: nanos, source: source, destination: destination)
            calls[message.callID] = call
            callsSeen += 1
            events.append(.started(call))
        }
        call.lastSIPNanos = max(call.lastSIPNanos, nanos)
        let sender = call.sender(of: message)
        if !message.isRequest, sender == .callee, call.calleeContact == nil, let contact = message.contact {
            call.calleeContact = contact
        }

        if let sdp = message.sdp, carriesSessionDescription(message) {
            let media = sdp.media
            if !sameMedia(call.media[sender.rawValue], media) {
                call.media[sender.rawValue] = media
                mediaSequence += 1
                call.mediaGeneration = mediaSequence
                events.append(.mediaChanged(call, sender))
            }
        }
        if call.state == .ended, call.endReason == .rejected || call.endReason == .cancel, revives(message) {
            // A retry with the same Call-ID (after a 3xx or a 422), another fork's answer, or a
            // 200 that crossed the CANCEL: the call is not over after all.
            call.state = .trying
            call.endReason = nil
            call.endNanos = nil
            call.cancelNanos = nil
            events.append(.revived(call))
        }
        guard call.state != .ended else { return events }

        if let method = message.method {
            switch method {
            case .bye:
                end(call, .bye, at: nanos, into: &events)
            case .cancel:
                if call.state != .confirmed {
                    call.cancelNanos = nanos
                    end(call, .cancel, at: nanos, into: &events)
                }
            default:
                break
            }
        } else if let status = message.statusCode, message.cseq.method == .invite {
            let isInitial = call.state != .confirmed
            switch status {
            case 101...199 where isInitial:
                if message.to.tag != nil, call.state == .trying {
                    call.state = .early
                    call.calleeTag = message.to.tag
                }
            case 200...299:
                if isInitial {
                    call.state = .confirmed
                    call.calleeTag = message.to.tag
                    call.answerNanos = nanos
                    events.append(.answered(call))
                }
            case 401, 407:
                // An authentication challenge: the caller retries with the same Call-ID.
                break
            case 300...699 where isInitial:
                end(call, status == 487 && call.cancelNanos != nil ? .cancel : .rejected, at: nanos, into: &events)
            default:
                break
            }
        }
        return events
    }

    /// Declares a session without signalling (a face-to-face recording) under `id`, in progress
    /// from `nanos`. Nil when a call with that id exists. It lives until `endDeclared` or `endAll`.
    public func declare(id: String, nanos: Int64) -> [CallEvent]? {
        guard calls[id] == nil else { return nil }
        let call = Call(slot: takeSlot(), declaredID: id, nanos: nanos)
        calls[id] = call
        return [.started(call), .answered(call)]
    }

    /// Ends a declared session at `nanos`; nothing when there is none or it has ended.
    public func endDeclared(id: String, reason: CallEndReason, at nanos: Int64) -> [CallEvent] {
        guard let call = calls[id], call.isDeclared, call.state != .ended else { return [] }
        var events: [CallEvent] = []
        end(call, reason, at: nanos, into: &events)
        return events
    }

    /// Ends calls silent for too long and purges those that ended long enough ago. `isIdle` says
    /// whether a live call's media has also been silent for the idle timeout (the engine knows RTP).
    public func expire(now: Int64, holdTimeoutNanos: Int64, isIdle: (Call) -> Bool) -> [CallEvent] {
        var events: [CallEvent] = []
        for call in calls.values.sorted(by: { $0.slot < $1.slot }) {
            if call.state == .ended {
                if let end = call.endNanos, now - end >= limits.lingerNanos {
                    calls[call.callID] = nil
                    freeSlots.append(call.slot)
                    events.append(.purged(call))
                }
                continue
            }
            // No signalling or media keeps a declared session alive: only its declared end ends it.
            if call.isDeclared { continue }
            if call.isOnHold {
                if now - call.lastSIPNanos >= holdTimeoutNanos { end(call, .timeout, at: now, into: &events) }
            } else if isIdle(call) {
                end(call, .timeout, at: now, into: &events)
            }
        }
        return events
    }

    /// Ends every live call (end of capture, shutdown).
    public func endAll(now: Int64, reason: CallEndReason) -> [CallEvent] {
        var events: [CallEvent] = []
        for call in calls.values.sorted(by: { $0.slot < $1.slot }) where call.state != .ended {
            end(call, reason, at: now, into: &events)
        }
        return events
    }

    private func revives(_ message: SIPMessage) -> Bool {
        if message.method == .invite { return message.to.tag == nil }
        if let status = message.statusCode { return message.cseq.method == .invite && (200...299).contains(status) }
        return false
    }

    private func end(_ call: Call, _ reason: CallEndReason, at nanos: Int64, into events: inout [CallEvent]) {
        call.state = .ended
        call.endReason = reason
        call.endNanos = nanos
        events.append(.ended(call))
    }

    private func takeSlot() -> Int {
        if let slot = freeSlots.popLast() { return slot }
        defer { nextSlot += 1 }
        return nextSlot
    }

    /// SDP counts in INVITE/UPDATE/PRACK/ACK requests and in responses to INVITE, UPDATE and PRACK.
    private func carriesSessionDescription(_ message: SIPMessage) -> Bool {
        switch message.method ?? message.cseq.method {
        case .invite, .update, .prack, .ack: return true
        default: return false
        }
    }

    private func sameMedia(_ a: [MediaDescription], _ b: [MediaDescription]) -> Bool {
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) {
            if x.media != y.media || x.port != y.port || x.connection != y.connection || x.direction != y.direction
                || x.rtpmaps != y.rtpmaps || x.payloadTypes != y.payloadTypes { return false }
        }
        return true
    }
}
