extension TCPReassembler {
    /// What reassembly did with the segments it was given, so that nothing is lost without a count.
    public struct Counters: Sendable, Equatable {
        /// Segments with payload, SYN or FIN given to ``TCPReassembler/process(_:nanos:deliver:gap:)``.
        public var segments = 0
        /// Segments whose bytes had all been seen already (delivered or held): retransmissions and
        /// a mirror port's duplicates. Nothing of them is delivered.
        public var retransmitted = 0
        /// Segments that repeated some bytes (delivered or held) and brought new ones; only the new
        /// ones are used.
        public var overlapping = 0
        /// Segments that came ahead of a hole and were held.
        public var outOfOrder = 0
        /// TCP keep-alive probes: one byte just below the next expected sequence number.
        public var keepAlives = 0
        /// Holes skipped (bytes never seen), and streams restarted at a discontinuity.
        public var gaps = 0
        /// Bytes the skipped holes covered.
        public var skippedBytes = 0
        /// Segments ignored because their sequence number was implausibly far from the stream's.
        public var outOfWindow = 0
        /// Held bytes discarded because their stream was evicted to stay within `maxStreams`.
        public var droppedForMemory = 0
        /// Streams evicted to stay within `maxStreams`.
        public var evictedStreams = 0
        /// Held bytes discarded without delivery: a stream that restarted (a new connection on the same
        /// addresses) or expired through ``TCPReassembler/expire(now:)``, which cannot deliver.
        public var abandonedBytes = 0

        public init() {}
    }
}
