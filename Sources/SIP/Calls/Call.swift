import Wire

/// One call as signalling describes it (one Call-ID): its parties, state, the media each side
/// declared, and its times. Owned by the capture thread through `CallTable`.
public final class Call {
    /// Small integer naming the call inside this process; reused after the call is purged.
    public let slot: Int
    public let callID: String
    public let inviteNanos: Int64
    public let requestURI: SIPURI
    /// The identities of the first INVITE.
    public let from: NameAddress
    public let to: NameAddress
    public let pAssertedIdentity: [NameAddress]
    /// Where the first INVITE came from and went to.
    public let callerSignalling: Endpoint
    public let calleeSignalling: Endpoint
    /// The caller's Contact in the first INVITE, and the callee's in its first answer with one.
    public let callerContact: NameAddress?
    public internal(set) var calleeContact: NameAddress?
    /// The Call-ID that the first INVITE's `Replaces` header names (RFC 3891): this call takes
    /// the place of that one (an attended transfer).
    public let replacesCallID: String?
    /// Declared by the control plane rather than learned from SIP (a face-to-face session): no
    /// signalling describes it, so neither the idle nor the hold timeout ends it; its end is declared too.
    public let isDeclared: Bool
    /// Known only from its media: RTP between two endpoints that no SDP claims (the capture
    /// began after the call was set up). Its sides are the two endpoints in address order; RTP
    /// idleness or a BYE between the same hosts ends it.
    public let isUnsignalled: Bool
    /// The Call-ID of the BYE that ended an unsignalled call: the call's real name.
    public internal(set) var signalledCallID: String?

    public internal(set) var state: CallState = .trying
    public internal(set) var callerTag: String?
    public internal(set) var calleeTag: String?
    public internal(set) var answerNanos: Int64?
    public internal(set) var endNanos: Int64?
    public internal(set) var endReason: CallEndReason?
    public internal(set) var lastSIPNanos: Int64
    /// Set by CANCEL so that the 487 that follows reads as a cancel, not a rejection.
    var cancelNanos: Int64?
    /// The latest media each side declared (its SDP's m= lines), caller first.
    public internal(set) var media: [[MediaDescription]] = [[], []]
    /// Per side, the SDES keys of the side's earlier SDPs, newest first (at most
    /// `maxEarlierCrypto`): a proxied call's other leg, or keys before a re-key, whose packets
    /// may still be on the wire.
    public internal(set) var earlierCrypto: [[SDESCrypto]] = [[], []]
    static let maxEarlierCrypto = 16

    /// Replaces a side's media, keeping the keys of what it replaces.
    func declare(_ newMedia: [MediaDescription], by side: CallSide) {
        var kept = media[side.rawValue].flatMap(\.crypto).filter { line in !newMedia.contains { $0.crypto.contains(line) } }
        for line in earlierCrypto[side.rawValue] where !kept.contains(line) && !newMedia.contains(where: { $0.crypto.contains(line) }) {
            kept.append(line)
        }
        earlierCrypto[side.rawValue] = Array(kept.prefix(Self.maxEarlierCrypto))
        media[side.rawValue] = newMedia
    }
    /// When the call's media last changed, on a sequence shared by all calls of the table: the
    /// newest claim on an address wins.
    public internal(set) var mediaGeneration = 0

    init(slot: Int, message: SIPMessage, nanos: Int64, source: Endpoint, destination: Endpoint) {
        self.slot = slot
        callID = message.callID
        inviteNanos = nanos
        lastSIPNanos = nanos
        if case .request(_, let uri) = message.startLine { requestURI = uri } else { requestURI = message.to.uri }
        from = message.from
        to = message.to
        pAssertedIdentity = message.pAssertedIdentity
        callerSignalling = source
        calleeSignalling = destination
        callerTag = message.from.tag
        callerContact = message.contact
        replacesCallID = message.header("Replaces").flatMap(Call.replacedCallID)
        isDeclared = false
        isUnsignalled = false
    }

    /// A call seen first as media at `nanos`, between `low` (the caller side) and `high`. The
    /// users registered at their addresses, if known, are the sides' contacts: they name no
    /// caller or callee (`ani` and `dnis` stay empty), but an agent's phone is found by them.
    init(slot: Int, unsignalledID: String, nanos: Int64, low: Endpoint, high: Endpoint, lowUser: String?, highUser: String?) {
        self.slot = slot
        callID = unsignalledID
        inviteNanos = nanos
        lastSIPNanos = nanos
        let nobody = SIPURI(scheme: "sip", host: "")
        requestURI = nobody
        from = NameAddress(uri: nobody)
        to = NameAddress(uri: nobody)
        pAssertedIdentity = []
        callerSignalling = low
        calleeSignalling = high
        callerContact = lowUser.map { NameAddress(uri: SIPURI(scheme: "sip", user: $0, host: "\(low.address)")) }
        calleeContact = highUser.map { NameAddress(uri: SIPURI(scheme: "sip", user: $0, host: "\(high.address)")) }
        replacesCallID = nil
        isDeclared = false
        isUnsignalled = true
        state = .confirmed
        answerNanos = nanos
    }

    /// A session the control plane declares at `nanos`, without signalling: it has no parties
    /// to name (its identities are empty) and is in progress from its start.
    init(slot: Int, declaredID: String, nanos: Int64) {
        self.slot = slot
        callID = declaredID
        inviteNanos = nanos
        lastSIPNanos = nanos
        let nobody = SIPURI(scheme: "declared", host: "")
        requestURI = nobody
        from = NameAddress(uri: nobody)
        to = NameAddress(uri: nobody)
        pAssertedIdentity = []
        let unspecified = Endpoint(address: .unspecifiedIPv4, port: 0)
        callerSignalling = unspecified
        calleeSignalling = unspecified
        callerContact = nil
        replacesCallID = nil
        isDeclared = true
        isUnsignalled = false
        state = .confirmed
        answerNanos = nanos
    }

    /// The Call-ID part of a `Replaces` value (`call-id;to-tag=…;from-tag=…`).
    static func replacedCallID(_ value: String) -> String? {
        guard let first = value.split(separator: ";", maxSplits: 1).first else { return nil }
        let id = first.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()
        return id.isEmpty ? nil : String(id)
    }

    /// The user parts of the identities each side showed, normalised: the caller's From,
    /// P-Asserted-Identity and Contact; the callee's To, Request-URI and Contact. An agent's
    /// phone is looked for in these.
    public func identities(dialPlan: DialPlan) -> (caller: Set<String>, callee: Set<String>) {
        var caller: Set<String> = [dialPlan.normalise(from.uri.user), dialPlan.normalise(callerContact?.uri.user)]
        for p in pAssertedIdentity { caller.insert(dialPlan.normalise(p.uri.user)) }
        var callee: Set<String> = [dialPlan.normalise(to.uri.user), dialPlan.normalise(requestURI.user),
                                   dialPlan.normalise(calleeContact?.uri.user)]
        caller.remove("")
        callee.remove("")
        return (caller, callee)
    }

    /// True while a side's latest SDP puts its audio on hold: `sendonly`, `recvonly`, `inactive`,
    /// or the old `c=0.0.0.0`.
    public var isOnHold: Bool {
        for side in media {
            for m in side where m.media == "audio" && m.port != 0 {
                if m.direction != .sendrecv { return true }
                if let c = m.connection, c.isUnspecified { return true }
            }
        }
        return false
    }

    /// The calling number: the asserted identity when the network gives one, else From.
    public func ani(dialPlan: DialPlan) -> String {
        let asserted = pAssertedIdentity.first { $0.uri.user?.isEmpty == false }
        return dialPlan.normalise(asserted?.uri.user ?? from.uri.user)
    }

    /// The called number: To, else the Request-URI.
    public func dnis(dialPlan: DialPlan) -> String {
        dialPlan.normalise(to.uri.user ?? requestURI.user)
    }

    /// The side that sent a message: a request comes from the side whose tag is in From, a response
    /// from the other one.
    public func sender(of message: SIPMessage) -> CallSide {
        let fromSide: CallSide = (message.from.tag == callerTag || (callerTag == nil && message.from.tag == nil))
            ? .caller : .callee
        return message.isRequest ? fromSide : fromSide.other
    }
}
