extension TCPReassembler {
    /// Bytes that arrived ahead of a hole, at their offset in the stream.
    struct Piece {
        var offset: Int64
        var bytes: [UInt8]
        var end: Int64 { offset + Int64(bytes.count) }
    }

    /// The state of one direction of one connection.
    ///
    /// Positions are kept twice: as the 32-bit sequence number the wire uses, and as a 64-bit offset
    /// from where following began, which never wraps, so that held pieces stay in order when the
    /// sequence number wraps past 2^32.
    struct Stream {
        var key: StreamKey
        /// The sequence number of the next byte to deliver, and its offset.
        var nextSequence: UInt32
        var nextOffset: Int64 = 0
        /// Where following began: the SYN's sequence number + 1, or the first segment seen.
        var initialSequence: UInt32
        var sawSYN: Bool
        /// Held bytes, sorted by offset, disjoint, all after `nextOffset`.
        var pieces: [Piece] = []
        var heldBytes = 0
        /// Since when the first hole has been waiting to be filled.
        var holeSince: Int64 = 0
        var lastSeen: Int64
        /// The offset just after the last byte, once a FIN has said where that is.
        var finOffset: Int64?
        /// When the direction closed (FIN reached, or RST).
        var closedAt: Int64?
        /// The highest acknowledgement number the receiver has sent: it holds every byte before it.
        var peerAcknowledgement: UInt32?
        /// Segments in a row that were implausibly far from `nextSequence`.
        var outOfWindowRun = 0
        /// Links of the recency list, as slot numbers (-1: none).
        var newer: Int32 = -1
        var older: Int32 = -1
        var isLive = true

        init(key: StreamKey, sequence: UInt32, sawSYN: Bool, now: Int64) {
            self.key = key
            nextSequence = sequence
            initialSequence = sequence
            self.sawSYN = sawSYN
            lastSeen = now
        }

        /// The offset of a sequence number, taking the nearer of its two readings around `nextSequence`.
        func offset(of sequence: UInt32) -> Int64 {
            nextOffset + Int64(Int32(bitPattern: sequence &- nextSequence))
        }
    }
}
