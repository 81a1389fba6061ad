/// L16 (RFC 3551: big-endian 16-bit linear PCM, any rate, `channels` interleaved) down-mixed to
/// mono by averaging the channels of each frame.
public struct L16Decoder: Sendable {
    public let channels: Int

    /// A channel count outside 1…255 (a broken SDP) is clamped into it.
    public init(channels: Int) {
        self.channels = min(255, max(1, channels))
    }

    /// Decodes whole frames (2 × `channels` bytes each); a partial frame at the end is ignored.
    /// Returns the number of mono samples written, at most `capacity`.
    public func decode(_ payload: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<Int16>, capacity: Int) -> Int {
        let frameBytes = 2 * channels
        let frames = min(payload.count / frameBytes, max(0, capacity))
        guard frames > 0, let base = payload.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        if channels == 1 {
            for i in 0..<frames {
                output[i] = Int16(bitPattern: UInt16(base[2 * i]) << 8 | UInt16(base[2 * i + 1]))
            }
            return frames
        }
        for i in 0..<frames {
            var p = base + i * frameBytes
            var sum = 0
            for _ in 0..<channels {
                sum += Int(Int16(bitPattern: UInt16(p[0]) << 8 | UInt16(p[1])))
                p += 2
            }
            // The mean of Int16 values is an Int16; truncation toward zero keeps it symmetric.
            output[i] = Int16(sum / channels)
        }
        return frames
    }
}
