/// Which codec each RTP payload type stands for in one direction of a call, as the receiver's SDP
/// declared it; static payload types fill in where the SDP is silent.
public struct PayloadMap: Sendable, Equatable {
    private var entries: [UInt8: Codec]
    /// The codec of every payload type the map does not name. A stream declared without SDP (a
    /// face-to-face session) names one codec, and its sender picks the (dynamic) payload type.
    public var fallback: Codec?

    public init(_ entries: [UInt8: Codec] = [:], fallback: Codec? = nil) {
        self.entries = entries
        self.fallback = fallback
    }

    public subscript(payloadType: UInt8) -> Codec? {
        get { entries[payloadType] ?? fallback ?? Codec(staticPayloadType: payloadType) }
        set { entries[payloadType] = newValue }
    }

    /// Entries of `other` win over those of `self`.
    public func merging(_ other: PayloadMap) -> PayloadMap {
        PayloadMap(entries.merging(other.entries) { _, new in new }, fallback: other.fallback ?? fallback)
    }

    public var codecs: [Codec] { Array(entries.values) + (fallback.map { [$0] } ?? []) }
}
