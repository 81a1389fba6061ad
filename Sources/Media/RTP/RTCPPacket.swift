/// Reading compound RTCP (RFC 3550 §6.4): its sender reports and reception report blocks, in
/// place, without allocating. Other packet types (SDES, BYE, APP, feedback) are stepped over.
public enum RTCPPacket {
    /// What the receiver of one SSRC told its sender about it.
    public struct ReportBlock: Equatable, Sendable {
        /// The SSRC reported on (a stream of the other side).
        public var ssrc: UInt32
        /// Of the packets expected since the last report, the lost ones in 1/256.
        public var fractionLost: UInt8
        /// Lost since the stream began; negative when duplicates outnumber the losses.
        public var cumulativeLost: Int32
        public var highestSequence: UInt32
        /// Interarrival jitter in the stream's timestamp units.
        public var jitter: UInt32
        /// The middle 32 bits of the NTP time of the last sender report received, or 0.
        public var lastSenderReport: UInt32
        /// Since that sender report, in 1/65536 s.
        public var delaySinceLastSenderReport: UInt32
    }

    /// The SSRC of the first packet's sender (SR and RR carry it at the same place): in clear
    /// also in SRTCP, which it names the keys of.
    @inline(__always)
    public static func senderSSRC(of bytes: UnsafeRawBufferPointer) -> UInt32? {
        guard bytes.count >= 8 else { return nil }
        return word(bytes, 4)
    }

    /// Calls `senderReport` for each sender report (its SSRC and the middle 32 bits of its NTP
    /// time) and `block` for each reception report block, in order. Stops at the first packet
    /// that is not RTCP version 2 or whose length runs past the end.
    public static func read(_ bytes: UnsafeRawBufferPointer, senderReport: (_ ssrc: UInt32, _ ntpMiddle: UInt32) -> Void,
                            block: (ReportBlock) -> Void) {
        var offset = 0
        while offset + 4 <= bytes.count {
            guard bytes[offset] >> 6 == 2 else { return }
            let count = Int(bytes[offset] & 0x1F)
            let type = bytes[offset + 1]
            let size = ((Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])) + 1) * 4
            guard offset + size <= bytes.count else { return }
            var blocks: Int?
            switch type {
            case 200 where size >= 28:
                senderReport(word(bytes, offset + 4), word(bytes, offset + 10))
                blocks = offset + 28
            case 201 where size >= 8:
                blocks = offset + 8
            default:
                break
            }
            if let first = blocks {
                for i in 0..<count {
                    let b = first + 24 * i
                    guard b + 24 <= offset + size else { break }
                    let lost = word(bytes, b + 4) & 0x00FF_FFFF
                    block(ReportBlock(ssrc: word(bytes, b), fractionLost: bytes[b + 4],
                                      cumulativeLost: lost & 0x0080_0000 != 0 ? Int32(lost) - 0x0100_0000 : Int32(lost),
                                      highestSequence: word(bytes, b + 8), jitter: word(bytes, b + 12),
                                      lastSenderReport: word(bytes, b + 16), delaySinceLastSenderReport: word(bytes, b + 20)))
                }
            }
            offset += size
        }
    }

    @inline(__always)
    private static func word(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }
}
