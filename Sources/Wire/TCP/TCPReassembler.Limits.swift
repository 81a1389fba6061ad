extension TCPReassembler {
    /// Bounds on TCP reassembly, so that lossy, hostile or endless traffic cannot grow memory or
    /// hold a stream back without limit. Times are capture time.
    public struct Limits: Sendable, Equatable {
        /// Directions followed at once; past it the least recently active one is evicted.
        public var maxStreams = 4096
        /// Out-of-order bytes one direction may hold behind a hole; past it the hole is skipped.
        public var maxBufferedBytesPerStream = 256 << 10
        /// Out-of-order bytes held in all; past it the direction holding most is flushed past its holes.
        public var maxTotalBytes = 64 << 20
        /// A direction that carries nothing for this long is dropped.
        public var idleTimeoutNanos: Int64 = 300_000_000_000
        /// How long bytes may wait behind a hole before the hole is skipped. A segment the mirror port
        /// lost is never sent again, while one the network lost comes back after the sender's
        /// retransmission timeout (200 ms to a few seconds): waiting longer only delays the SIP
        /// that tells which RTP to record.
        public var gapTimeoutNanos: Int64 = 2_000_000_000
        /// How long a direction closed by FIN or RST is kept, so that late retransmissions of its
        /// last segments are recognised instead of starting a new stream that would repeat them.
        public var closedLingerNanos: Int64 = 10_000_000_000

        public init(
            maxStreams: Int = 4096, maxBufferedBytesPerStream: Int = 256 << 10, maxTotalBytes: Int = 64 << 20,
            idleTimeoutNanos: Int64 = 300_000_000_000, gapTimeoutNanos: Int64 = 2_000_000_000,
            closedLingerNanos: Int64 = 10_000_000_000
        ) {
            self.maxStreams = maxStreams
            self.maxBufferedBytesPerStream = maxBufferedBytesPerStream
            self.maxTotalBytes = maxTotalBytes
            self.idleTimeoutNanos = idleTimeoutNanos
            self.gapTimeoutNanos = gapTimeoutNanos
            self.closedLingerNanos = closedLingerNanos
        }
    }
}
