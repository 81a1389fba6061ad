/// G.711 compression (ITU-T G.711): 16-bit linear samples to µ-law and A-law bytes, the inverse of
/// `expandMuLaw` / `expandALaw`. Computed per sample with a few shifts, so there is no table to
/// build and nothing is allocated.
extension G711 {
    /// µ-law by the G.711 segment rule on the 14-bit magnitude (the 16-bit sample with the
    /// standard bias of 0x84 added before the segment search, so that rounding matches the
    /// decision levels of the standard). Every code's expansion compresses back to that code,
    /// except 0x7F ("negative zero"), whose expansion 0 compresses to 0xFF.
    @inline(__always)
    public static func compressMuLaw(_ sample: Int16) -> UInt8 {
        let bias: Int32 = 0x84
        // 32635 + bias is the largest value the top segment holds.
        let clip: Int32 = 32635
        var magnitude = Int32(sample)
        var sign: Int32 = 0
        if magnitude < 0 {
            magnitude = -magnitude
            sign = 0x80
        }
        let biased = min(magnitude, clip) + bias
        // The segment is the position of the highest set bit above bit 7 (biased >= 0x84 always).
        let exponent = Int32(31 - (UInt32(biased) >> 7).leadingZeroBitCount)
        let mantissa = (biased >> (exponent + 3)) & 0x0F
        return UInt8(truncatingIfNeeded: ~(sign | exponent << 4 | mantissa))
    }

    /// A-law by the G.711 segment rule on the 13-bit sample; even bits inverted (XOR 0x55), sign
    /// bit set for positive values, as `expandALaw` reads them. All 256 codes round-trip exactly.
    @inline(__always)
    public static func compressALaw(_ sample: Int16) -> UInt8 {
        var value = Int32(sample) >> 3
        let mask: Int32
        if value >= 0 {
            mask = 0xD5
        } else {
            mask = 0x55
            // One's complement rather than negation: -1 … -8 belong to the first step below zero.
            value = -value - 1
        }
        guard value > 0x1F else { return UInt8(truncatingIfNeeded: (value >> 1) ^ mask) }
        // Segments 1…7 span 0x20…0xFFF, doubling each time; values beyond are clipped to the top.
        guard value <= 0xFFF else { return UInt8(truncatingIfNeeded: 0x7F ^ mask) }
        let segment = Int32(27 - UInt32(value).leadingZeroBitCount)
        let code = segment << 4 | ((value >> segment) & 0x0F)
        return UInt8(truncatingIfNeeded: code ^ mask)
    }

    /// Compresses `count` samples to µ-law bytes in `destination` (one byte per sample).
    public static func compressMuLaw(_ source: UnsafePointer<Int16>, count: Int, into destination: UnsafeMutablePointer<UInt8>) {
        for i in 0..<max(0, count) { destination[i] = compressMuLaw(source[i]) }
    }

    /// Compresses `count` samples to A-law bytes in `destination` (one byte per sample).
    public static func compressALaw(_ source: UnsafePointer<Int16>, count: Int, into destination: UnsafeMutablePointer<UInt8>) {
        for i in 0..<max(0, count) { destination[i] = compressALaw(source[i]) }
    }
}
