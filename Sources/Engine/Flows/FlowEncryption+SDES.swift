import Media
import SIP
import Wire

extension FlowEncryption {
    /// What a flow from `source` carries, when the SDP that claimed its destination says
    /// `declaredEncrypted`: the keys of the sending side's own `a=crypto` lines (a side's
    /// offer or answer keys decrypt what that side sends), or why none can be had.
    ///
    /// Keys are listed in the order to try them: the sender's media sent from `source` first,
    /// and within a media the line whose tag the other side answered with (the answer picks one
    /// of an offer's lines). The packets' authentication tags settle which key is right.
    ///
    /// `earlier` are the sender's keys from SDPs it sent before (another leg of a proxied call,
    /// keys before a re-key): tried after the current ones.
    init(sender: [MediaDescription], receiver: [MediaDescription], earlier: [SDESCrypto] = [], source: Endpoint,
         declaredEncrypted: Bool) {
        guard declaredEncrypted else {
            self = .none
            return
        }
        let own = sender.filter { $0.media == "audio" }
        let other = receiver.filter { $0.media == "audio" }
        let ordered = own.filter { $0.endpoint == source } + own.filter { $0.endpoint != source }
        let answered = Set(other.compactMap { $0.crypto.count == 1 ? $0.crypto[0].tag : nil })
        var keys: [SRTPKeys] = []
        var refused: String?
        var lines: [SDESCrypto] = []
        for media in ordered {
            lines += media.crypto.filter { answered.contains($0.tag) } + media.crypto.filter { !answered.contains($0.tag) }
        }
        lines += earlier
        for line in lines {
            if let reason = Self.unsupported(line) {
                refused = refused ?? reason
                continue
            }
            for key in line.keys {
                guard let found = SRTPKeys(suite: line.suite, keyAndSalt: key.keyAndSalt, mkiValue: key.mki?.value,
                                           mkiLength: key.mki?.length ?? 0)
                else {
                    refused = refused ?? "SRTP key of \(line.suite) that calltap cannot use"
                    continue
                }
                if !keys.contains(found) { keys.append(found) }
            }
        }
        if !keys.isEmpty {
            self = .srtp(keys)
        } else if (own + other).contains(where: \.dtlsFingerprint) {
            self = .undecryptable("DTLS-SRTP: keys are agreed on the media path")
        } else if (own + other).contains(where: \.zrtpHash) {
            self = .undecryptable("ZRTP: keys are agreed on the media path")
        } else if let refused {
            self = .undecryptable(refused)
        } else if own.contains(where: \.unreadableCrypto) {
            self = .undecryptable("the sender's a=crypto line cannot be read")
        } else {
            self = .undecryptable("SRTP declared in SDP without keys from the sender")
        }
    }

    /// Why a crypto line cannot be used, if it cannot: a suite libsrtp lacks, or session
    /// parameters that change the packet format (RFC 4568 section 6.3).
    private static func unsupported(_ line: SDESCrypto) -> String? {
        guard SRTPSuite(sdpName: line.suite) != nil else { return "SRTP suite \(line.suite) is not supported" }
        for parameter in line.sessionParameters {
            let name = parameter.uppercased()
            if name.hasPrefix("KDR="), name != "KDR=0" { return "SRTP key derivation rate (\(parameter)) is not supported" }
            if name == "UNENCRYPTED_SRTP" || name == "UNAUTHENTICATED_SRTP" {
                return "SRTP session parameter \(parameter) is not supported"
            }
        }
        return nil
    }
}
