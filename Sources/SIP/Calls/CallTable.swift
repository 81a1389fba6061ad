import Wire

/// Every call the capture has seen, by Call-ID: feeds SIP messages into calls and reports what
/// changed. Owned by the capture thread; not thread-safe by design.
///
/// It holds at most `limits.maxCalls` calls, ended ones that linger included, so that an INVITE
/// flood costs a bounded amount of memory. A full table makes room for a new INVITE by
/// forgetting the call that ended first, else by evicting the oldest unanswered call its owner
/// allows (one without media or recordings); with neither, the INVITE is refused and counted.
/// Answered calls are never given up for a new one. Each of these steps costs the same however
/// many calls the table holds.
public final class CallTable {
    public struct Limits: Sendable {
        /// How long an ended call is kept, to absorb retransmissions and RTP still in flight.
        public var lingerNanos: Int64 = 32_000_000_000
        /// Calls held at once, live or lingering after their end. Declared sessions are always
        /// taken (the control plane asked for them) and count too.
        public var maxCalls = Int.max
        public init() {}
    }

    public private(set) var calls: [String: Call] = [:]
    /// Calls with an INVITE ever taken (for summaries); refused INVITEs are not calls.
    public private(set) var callsSeen = 0
    /// In-dialog messages that matched no call.
    public private(set) var messagesWithoutCall = 0
    /// INVITEs (first ones and their retransmissions) refused because the table was full and no
    /// call could make room.
    public private(set) var invitesRefused = 0
    /// Live calls ended (`CallEndReason.evicted`) and forgotten to make room for a new INVITE.
    public private(set) var callsEvicted = 0
    public var limits = Limits()

    /// Calls not yet over (answered or not); the rest of `calls` linger after their end.
    public var liveCalls: Int { calls.count - endedCalls.count }

    /// The calls by slot: the order in which the clock visits them.
    private var bySlot: [Call?] = []
    /// Calls that have not been answered, oldest INVITE first: candidates for eviction. A call
    /// found carrying media when its turn comes is taken out for good.
    private var unansweredCalls = SlotQueue()
    /// Ended calls that linger, in the order they ended.
    private var endedCalls = SlotQueue()
    /// Calls known only from their media, by slot: a BYE with no call of its own may end one.
    private var unsignalledCalls: Set<Int> = []
    /// The phones that registered, by address: the parties of calls known only from their media.
    private var phones = PhoneAddresses()
    private var freeSlots: [Int] = []
    /// Stamps each change of media across all calls, so that the newest claim on an address wins.
    private var mediaSequence = 0
    private var nextSlot = 0

    public init() {}

    public func call(id: String) -> Call? { calls[id] }

    /// Feeds one message captured at `nanos` between `source` and `destination`. When the table
    /// is full, `mayEvict` says whether an unanswered call may make room for a new INVITE (the
    /// engine knows whether it carries media or has a recording open).
    public func process(_ message: SIPMessage, nanos: Int64, source: Endpoint, destination: Endpoint,
                        mayEvict: (Call) -> Bool = { _ in true }) -> [CallEvent] {
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
            if message.method == .bye, let call = unsignalledCall(between: source.address, and: destination.address) {
                // The BYE of a call known only from its media: its Call-ID is the call's name.
                call.signalledCallID = message.callID
                call.lastSIPNanos = max(call.lastSIPNanos, nanos)
                end(call, .bye, at: nanos, into: &events)
                return events
            }
            guard message.method == .invite, message.to.tag == nil else {
                phones.note(message)
                messagesWithoutCall += 1
                return []
            }
            var evicted: Call?
            if calls.count >= limits.maxCalls {
                guard let victim = evictionCandidate(mayEvict) else {
                    invitesRefused += 1
                    return []
                }
                evicted = victim
            }
            // The new call takes its slot before the evicted one's is freed: the engine resets
            // the evicted call's slot while the new call's is already set up.
            call = Call(slot: takeSlot(), message: message, nanos: nanos, source: source, destination: destination)
            if let evicted { evict(evicted, at: nanos, into: &events) }
            admit(call)
            unansweredCalls.append(call.slot)
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
                call.declare(media, by: sender)
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
            endedCalls.remove(call.slot)
            unansweredCalls.append(call.slot)
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
                    unansweredCalls.remove(call.slot)
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

    /// Starts a call that only its media shows, between `low` and `high` (RTP that no SDP
    /// claims), from `nanos`, under the derived name `id`. Nil when the name is taken, or when the
    /// table is full and no call may make room.
    public func startUnsignalled(id: String, nanos: Int64, low: Endpoint, high: Endpoint,
                                 mayEvict: (Call) -> Bool = { _ in true }) -> [CallEvent]? {
        guard calls[id] == nil else { return nil }
        var events: [CallEvent] = []
        var evicted: Call?
        if calls.count >= limits.maxCalls {
            // Not counted as a refused INVITE: the packets are counted as RTP without a call.
            guard let victim = evictionCandidate(mayEvict) else { return nil }
            evicted = victim
        }
        let call = Call(slot: takeSlot(), unsignalledID: id, nanos: nanos, low: low, high: high,
                        lowUser: phones.user(at: low.address), highUser: phones.user(at: high.address))
        if let evicted { evict(evicted, at: nanos, into: &events) }
        admit(call)
        unsignalledCalls.insert(call.slot)
        callsSeen += 1
        events.append(.started(call))
        events.append(.answered(call))
        return events
    }

    /// The live unsignalled call between two hosts (either way round), if there is one.
    private func unsignalledCall(between a: IPAddress, and b: IPAddress) -> Call? {
        for slot in unsignalledCalls {
            guard let call = bySlot[slot], call.state != .ended else { continue }
            let x = call.callerSignalling.address, y = call.calleeSignalling.address
            if (x == a && y == b) || (x == b && y == a) { return call }
        }
        return nil
    }

    /// Declares a session without signalling (a face-to-face recording) under `id`, in progress
    /// from `nanos`. Nil when a call with that id is in progress. One that ended (its audio was
    /// stopped and is started again) is forgotten first, so the new one keeps the name. It lives
    /// until `endDeclared` or `endAll`.
    public func declare(id: String, nanos: Int64) -> [CallEvent]? {
        var events: [CallEvent] = []
        if let old = calls[id] {
            guard old.isDeclared, old.state == .ended else { return nil }
            forget(old)
            events.append(.purged(old))
        }
        let call = Call(slot: takeSlot(), declaredID: id, nanos: nanos)
        admit(call)
        return events + [.started(call), .answered(call)]
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
        // In slot order, without sorting: this runs every second over every call.
        for slot in bySlot.indices {
            guard let call = bySlot[slot] else { continue }
            if call.state == .ended {
                if let end = call.endNanos, now - end >= limits.lingerNanos {
                    forget(call)
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
        for slot in bySlot.indices {
            guard let call = bySlot[slot], call.state != .ended else { continue }
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
        unansweredCalls.remove(call.slot)
        endedCalls.append(call.slot)
        events.append(.ended(call))
    }

    // MARK: Room

    private func admit(_ call: Call) {
        calls[call.callID] = call
        while bySlot.count <= call.slot { bySlot.append(nil) }
        bySlot[call.slot] = call
    }

    private func forget(_ call: Call) {
        unsignalledCalls.remove(call.slot)
        calls[call.callID] = nil
        bySlot[call.slot] = nil
        unansweredCalls.remove(call.slot)
        endedCalls.remove(call.slot)
        freeSlots.append(call.slot)
    }

    /// The call that makes room in a full table: the one that ended first, else the oldest
    /// unanswered one `mayEvict` allows. Unanswered calls passed over here carry media or a
    /// recording, which they keep: they leave the candidates for good.
    private func evictionCandidate(_ mayEvict: (Call) -> Bool) -> Call? {
        if endedCalls.first >= 0 { return bySlot[endedCalls.first] }
        while unansweredCalls.first >= 0 {
            let slot = unansweredCalls.first
            unansweredCalls.remove(slot)
            if let call = bySlot[slot], mayEvict(call) { return call }
        }
        return nil
    }

    /// Forgets `call` at `nanos` to make room; a live one ends first (`evicted`).
    private func evict(_ call: Call, at nanos: Int64, into events: inout [CallEvent]) {
        if call.state != .ended {
            end(call, .evicted, at: nanos, into: &events)
            callsEvicted += 1
        }
        forget(call)
        events.append(.purged(call))
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
                || x.rtpmaps != y.rtpmaps || x.payloadTypes != y.payloadTypes
                || x.isEncrypted != y.isEncrypted || x.crypto != y.crypto { return false }
        }
        return true
    }
}
