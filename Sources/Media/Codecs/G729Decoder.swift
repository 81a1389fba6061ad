import CBcg729

/// G.729 / G.729A / Annex B through bcg729: 10-byte frames of 10 ms (80 samples at 8 kHz), several
/// per packet; a 2-byte SID frame (Annex B) → comfort noise frames; frames of other lengths are
/// invalid and skipped.
///
/// One instance per stream: the decoder's synthesis filter and comfort-noise state run on from one
/// packet to the next.
public final class G729Decoder {
    /// Samples in one 10 ms frame at 8 kHz.
    public static let frameSamples = 80
    /// Bytes of one speech frame.
    public static let frameBytes = 10
    /// Bytes of one Annex B SID (silence descriptor) frame.
    public static let sidBytes = 2

    private let context: OpaquePointer
    /// Where a frame goes when `output` has no room for all of it: the frame is still decoded, so
    /// the decoder's state stays in step with the stream.
    private let spill: UnsafeMutablePointer<Int16>

    public init() {
        guard let c = initBcg729DecoderChannel() else { fatalError("bcg729: cannot allocate a G.729 decoder") }
        context = c
        spill = .allocate(capacity: Self.frameSamples)
        spill.initialize(repeating: 0, count: Self.frameSamples)
    }

    deinit {
        closeBcg729DecoderChannel(context)
        spill.deallocate()
    }

    /// Decodes one RTP payload: whole 10-byte frames, then one trailing 2-byte SID frame if there
    /// is one (RFC 3551 §4.5.6). Any other remainder is not a frame and is ignored.
    public func decode(_ payload: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<Int16>, capacity: Int) -> Int {
        guard let base = payload.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        let frames = payload.count / Self.frameBytes
        let remainder = payload.count - frames * Self.frameBytes
        var written = 0
        for f in 0..<frames {
            written += frame(base + f * Self.frameBytes, length: Self.frameBytes, erased: false, sid: false,
                             into: output + written, room: capacity - written)
        }
        if remainder == Self.sidBytes {
            written += frame(base + frames * Self.frameBytes, length: Self.sidBytes, erased: false, sid: true,
                             into: output + written, room: capacity - written)
        }
        return written
    }

    /// Concealment for `frames` lost 10 ms frames (bcg729's erasure flag). After speech this is
    /// G.729's extrapolation, fading out; after a SID frame it is more comfort noise at the SID's
    /// level (Annex B treats an absent frame in a silence period as "not transmitted"). Only frames
    /// that fit in `capacity` (even partly) are generated.
    public func conceal(frames: Int, into output: UnsafeMutablePointer<Int16>, capacity: Int) -> Int {
        guard frames > 0, capacity > 0 else { return 0 }
        let count = min(frames, (capacity + Self.frameSamples - 1) / Self.frameSamples)
        var written = 0
        for _ in 0..<count {
            written += frame(nil, length: 0, erased: true, sid: false, into: output + written, room: capacity - written)
        }
        return written
    }

    /// Decodes one frame into `destination` when all 80 samples fit, else through `spill`, copying
    /// what fits; returns the samples written.
    @inline(__always)
    private func frame(_ bits: UnsafePointer<UInt8>?, length: Int, erased: Bool, sid: Bool,
                       into destination: UnsafeMutablePointer<Int16>, room: Int) -> Int {
        let direct = room >= Self.frameSamples
        bcg729Decoder(context, bits, UInt8(length), erased ? 1 : 0, sid ? 1 : 0, 0, direct ? destination : spill)
        if direct { return Self.frameSamples }
        let n = max(0, room)
        if n > 0 { destination.update(from: spill, count: n) }
        return n
    }
}
