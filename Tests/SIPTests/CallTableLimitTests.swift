import SIP
import Testing
import Wire

/// `CallTable.Limits.maxCalls`: what a full table gives up for a new INVITE, and what it refuses.
@Suite struct CallTableLimitTests {
    let caller = Endpoint(address: IPAddress("10.0.0.1")!, port: 5060)
    let callee = Endpoint(address: IPAddress("10.0.0.2")!, port: 5060)

    func table(maxCalls: Int) -> CallTable {
        let table = CallTable()
        table.limits.maxCalls = maxCalls
        return table
    }

    func parse(_ text: String) throws -> SIPMessage {
        try ParserFixtures.parse(ParserFixtures.crlf(text + "\nContent-Length: 0\n\n"))
    }

    func invite(_ id: String) throws -> SIPMessage {
        try parse("""
        INVITE sip:2002@10.0.0.2 SIP/2.0
        Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK\(id)
        From: <sip:1001@10.0.0.1>;tag=a-\(id)
        To: <sip:2002@10.0.0.2>
        Call-ID: \(id)
        CSeq: 1 INVITE
        """)
    }

    func response(_ id: String, _ status: String, cseq: String = "1 INVITE") throws -> SIPMessage {
        try parse("""
        SIP/2.0 \(status)
        Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK\(id)
        From: <sip:1001@10.0.0.1>;tag=a-\(id)
        To: <sip:2002@10.0.0.2>;tag=b-\(id)
        Call-ID: \(id)
        CSeq: \(cseq)
        """)
    }

    func bye(_ id: String) throws -> SIPMessage {
        try parse("""
        BYE sip:2002@10.0.0.2 SIP/2.0
        Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKbye\(id)
        From: <sip:1001@10.0.0.1>;tag=a-\(id)
        To: <sip:2002@10.0.0.2>;tag=b-\(id)
        Call-ID: \(id)
        CSeq: 2 BYE
        """)
    }

    @discardableResult
    func feed(_ table: CallTable, _ message: SIPMessage, at seconds: Int64, mayEvict: (Call) -> Bool = { _ in true }) -> [CallEvent] {
        let sender = message.isRequest ? (caller, callee) : (callee, caller)
        return table.process(message, nanos: seconds * 1_000_000_000, source: sender.0, destination: sender.1, mayEvict: mayEvict)
    }

    /// The events as words: `ended B evicted`, `purged B`, `started D`.
    func words(_ events: [CallEvent]) -> [String] {
        events.map { event in
            switch event {
            case .started(let c): "started \(c.callID)"
            case .mediaChanged(let c, _): "media \(c.callID)"
            case .answered(let c): "answered \(c.callID)"
            case .ended(let c): "ended \(c.callID) \(c.endReason?.rawValue ?? "")"
            case .revived(let c): "revived \(c.callID)"
            case .purged(let c): "purged \(c.callID)"
            }
        }
    }

    @Test func aFullTableOfAnsweredCallsRefusesNewInvitesAndCountsEachOne() throws {
        let t = table(maxCalls: 3)
        for id in ["A", "B", "C"] {
            feed(t, try invite(id), at: 0)
            feed(t, try response(id, "200 OK"), at: 1)
        }
        #expect(words(feed(t, try invite("D"), at: 2)).isEmpty)
        // Its retransmission is refused too, at the same cost: nothing about D is kept.
        #expect(words(feed(t, try invite("D"), at: 3)).isEmpty)
        #expect(t.invitesRefused == 2)
        #expect(t.callsEvicted == 0)
        #expect(t.call(id: "D") == nil)
        #expect(Set(t.calls.keys) == ["A", "B", "C"])
        #expect(t.callsSeen == 3)
        // The rest of a refused call's signalling matches no call.
        feed(t, try response("D", "200 OK"), at: 4)
        #expect(t.messagesWithoutCall == 1)
        #expect(t.calls.count == 3)
    }

    @Test func aNewInviteEvictsTheOldestUnansweredCallNeverAnAnsweredOne() throws {
        let t = table(maxCalls: 3)
        feed(t, try invite("A"), at: 0)
        feed(t, try invite("B"), at: 1)
        feed(t, try invite("C"), at: 2)
        feed(t, try response("A", "200 OK"), at: 3)    // A, the oldest, is answered: it stays
        feed(t, try response("B", "180 Ringing"), at: 3)
        let b = try #require(t.call(id: "B"))
        let events = feed(t, try invite("D"), at: 4)
        #expect(words(events) == ["ended B evicted", "purged B", "started D"])
        #expect(b.state == .ended && b.endNanos == 4_000_000_000)
        // D does not take the slot being freed in the same step: the engine resets B's while D's is set up.
        #expect(try #require(t.call(id: "D")).slot != b.slot)
        #expect(words(feed(t, try invite("E"), at: 5)) == ["ended C evicted", "purged C", "started E"])
        #expect(words(feed(t, try invite("F"), at: 6)) == ["ended D evicted", "purged D", "started F"])
        #expect(Set(t.calls.keys) == ["A", "E", "F"])
        #expect(t.callsEvicted == 3)
        #expect(t.invitesRefused == 0)
        #expect(t.callsSeen == 6)
        #expect(t.liveCalls == 3)
    }

    @Test func callsTheOwnerKeepsAreNotEvictedAndLeaveTheCandidatesForGood() throws {
        let t = table(maxCalls: 2)
        feed(t, try invite("A"), at: 0)
        feed(t, try invite("B"), at: 1)
        // A carries early media, say: the engine does not let it go. B, the next oldest, makes room.
        #expect(words(feed(t, try invite("C"), at: 2) { $0.callID != "A" }) == ["ended B evicted", "purged B", "started C"])
        // Nothing may go: the INVITE is refused.
        #expect(words(feed(t, try invite("D"), at: 3) { _ in false }).isEmpty)
        #expect(t.invitesRefused == 1)
        // C was passed over too and is no candidate any more; A was passed over before. Nothing is left to evict.
        #expect(words(feed(t, try invite("E"), at: 4)).isEmpty)
        #expect(t.invitesRefused == 2)
        #expect(Set(t.calls.keys) == ["A", "C"])
    }

    @Test func anEndedCallStillLingeringMakesRoomFirstAndIsNotCountedAsEvicted() throws {
        let t = table(maxCalls: 2)
        feed(t, try invite("A"), at: 0)
        feed(t, try invite("B"), at: 1)
        feed(t, try response("B", "200 OK"), at: 2)
        feed(t, try bye("B"), at: 3)
        // B ended and lingers for retransmissions; it goes before the unanswered A.
        #expect(words(feed(t, try invite("C"), at: 4)) == ["purged B", "started C"])
        #expect(t.callsEvicted == 0)
        #expect(Set(t.calls.keys) == ["A", "C"])
        // A rejected call lingers too, and goes before a ringing one.
        feed(t, try response("C", "486 Busy Here"), at: 5)
        #expect(words(feed(t, try invite("D"), at: 6)) == ["purged C", "started D"])
        #expect(words(feed(t, try invite("E"), at: 7)) == ["ended A evicted", "purged A", "started E"])
    }

    @Test func aCallRevivedAfterARejectionIsUnansweredAgainAndTheOldestEndedGoesFirst() throws {
        let t = table(maxCalls: 2)
        feed(t, try invite("A"), at: 0)
        feed(t, try response("A", "422 Session Interval Too Small"), at: 1)
        feed(t, try invite("B"), at: 2)
        feed(t, try response("B", "200 OK"), at: 3)
        // A retries with the same Call-ID: live again, the only unanswered call.
        #expect(words(feed(t, try invite("A"), at: 4)) == ["revived A"])
        #expect(words(feed(t, try invite("C"), at: 5)) == ["ended A evicted", "purged A", "started C"])
        #expect(Set(t.calls.keys) == ["B", "C"])
    }

    @Test func declaredSessionsAreAlwaysTakenAndCount() throws {
        let t = table(maxCalls: 1)
        feed(t, try invite("A"), at: 0)
        feed(t, try response("A", "200 OK"), at: 1)
        #expect(t.declare(id: "desk-1", nanos: 2_000_000_000) != nil)
        #expect(t.calls.count == 2)
        #expect(words(feed(t, try invite("B"), at: 3)).isEmpty)
        #expect(t.invitesRefused == 1)
    }

    @Test func expiryFreesRoomAndVisitsCallsInSlotOrder() throws {
        let t = table(maxCalls: 3)
        for (i, id) in ["A", "B", "C"].enumerated() { feed(t, try invite(id), at: Int64(i)) }
        feed(t, try response("B", "200 OK"), at: 3)
        feed(t, try bye("B"), at: 4)
        // A and C idle out at 40 s; B, ended at 4 s, is purged after lingering 32 s.
        let events = t.expire(now: 40_000_000_000, holdTimeoutNanos: 7200_000_000_000) { _ in true }
        #expect(words(events) == ["ended A timeout", "purged B", "ended C timeout"])
        #expect(t.calls.count == 2 && t.liveCalls == 0)
        let purged = t.expire(now: 80_000_000_000, holdTimeoutNanos: 7200_000_000_000) { _ in true }
        #expect(words(purged) == ["purged A", "purged C"])
        #expect(t.calls.isEmpty)
        // Room for three new calls without evicting anything.
        for id in ["D", "E", "F"] { #expect(words(feed(t, try invite(id), at: 81)) == ["started \(id)"]) }
        #expect(t.callsEvicted == 0 && t.invitesRefused == 0)
    }
}
