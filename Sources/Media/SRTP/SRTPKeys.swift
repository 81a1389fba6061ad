/// A master key with which one side encrypts what it sends: its suite, key and salt, and the
/// MKI its packets carry, if any. Made from one SDES `inline:` key; nil when the suite is not
/// one calltap decrypts or the key is not as long as the suite needs.
public struct SRTPKeys: Hashable, Sendable {
    public let suite: SRTPSuite
    /// The master key followed by the master salt.
    public let keyAndSalt: [UInt8]
    /// The MKI value as it appears in each packet, big-endian in `mki.count` bytes; empty without.
    public let mki: [UInt8]

    public init?(suite: String, keyAndSalt: [UInt8], mkiValue: UInt64? = nil, mkiLength: Int = 0) {
        guard let suite = SRTPSuite(sdpName: suite), keyAndSalt.count == suite.keyLength + suite.saltLength else {
            return nil
        }
        self.suite = suite
        self.keyAndSalt = keyAndSalt
        if let mkiValue, mkiLength > 0 {
            guard mkiLength <= 128 else { return nil }
            mki = (0..<mkiLength).map { i in
                let shift = (mkiLength - 1 - i) * 8
                return shift < 64 ? UInt8(truncatingIfNeeded: mkiValue >> UInt64(shift)) : 0
            }
        } else {
            mki = []
        }
    }
}

/// What the recorder knows of a flow's encryption, decided per flow (one direction of one
/// leg) from the SDP of the side that sends it.
public enum FlowEncryption: Hashable, Sendable {
    /// Plain RTP.
    case none
    /// SRTP with keys from the sender's SDP (SDES), in the order to try them: the packets'
    /// authentication tags tell which one the sender uses.
    case srtp([SRTPKeys])
    /// SRTP whose keys the recorder cannot know; the reason goes into the sidecar.
    case undecryptable(String)

    public var isEncrypted: Bool {
        if case .none = self { return false }
        return true
    }
}
