/// Bounds on IP fragment reassembly, so hostile or lossy traffic cannot grow memory without limit.
public struct FragmentLimits: Sendable {
    /// Datagrams being reassembled at once; past it the oldest is evicted.
    public var maxDatagrams: Int = 1024
    /// Fragment payload bytes held in all; past it the oldest datagrams are evicted.
    public var maxBytes: Int = 8 << 20
    /// How long, in capture time, a datagram may wait for its missing fragments.
    public var timeoutNanos: Int64 = 30_000_000_000

    public init(maxDatagrams: Int = 1024, maxBytes: Int = 8 << 20, timeoutNanos: Int64 = 30_000_000_000) {
        self.maxDatagrams = maxDatagrams
        self.maxBytes = maxBytes
        self.timeoutNanos = timeoutNanos
    }
}
