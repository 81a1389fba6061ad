import CSpanDSP

/// G.722 (ITU-T G.722 at 64 kbit/s) through spandsp: RTP clock 8000 by RFC 3551, audio 16 kHz.
///
/// One instance per stream: the ADPCM predictor carries state from packet to packet, so a decoder
/// must not be shared between streams (nor reused across an SSRC change without being replaced).
public final class G722Decoder {
    private let state: OpaquePointer

    public init() {
        // spandsp allocates the state itself when given NULL; it only fails when malloc does,
        // which Swift treats as fatal everywhere else too.
        guard let s = g722_decode_init(nil, 64000, 0) else { fatalError("spandsp: cannot allocate a G.722 decoder") }
        state = s
    }

    deinit {
        _ = g722_decode_free(state)
    }

    /// Decodes one RTP payload into `output` (16 kHz samples); returns the number written (2 per
    /// payload byte). Never writes more than `capacity`: bytes that would not fit are not decoded.
    public func decode(_ payload: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<Int16>, capacity: Int) -> Int {
        let bytes = min(payload.count, max(0, capacity) / 2)
        guard bytes > 0, let base = payload.baseAddress else { return 0 }
        let written = g722_decode(state, output, base.assumingMemoryBound(to: UInt8.self), Int32(bytes))
        return max(0, Int(written))
    }
}
