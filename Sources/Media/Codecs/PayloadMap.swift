/// Which codec each RTP payload type stands for in one direction of a call, as the receiver's SDP
/// declared it; static payload types fill in where the SDP is silent.
public struct PayloadMap: Sendable, Equatable {
    private var entries: [UInt8: Codec]
    /// The SDP declared the media encrypted (SRTP): its payloads are ciphertext, never decoded.
    public var isEncrypted: Bool

    public init(_ entries: [UInt8: Codec] = [:], isEncrypted: Bool = false) {
        self.entries = entries
        self.isEncrypted = isEncrypted
    }

    public subscript(payloadType: UInt8) -> Codec? {
        get { entries[payloadType] ?? Codec(staticPayloadType: payloadType) }
        set { entries[payloadType] = newValue }
    }

    /// Entries of `other` win over those of `self`.
    public func merging(_ other: PayloadMap) -> PayloadMap {
        PayloadMap(entries.merging(other.entries) { _, new in new }, isEncrypted: isEncrypted || other.isEncrypted)
    }

    public var codecs: [Codec] { Array(entries.values) }
}
