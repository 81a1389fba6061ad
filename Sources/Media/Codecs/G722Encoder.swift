import CSpanDSP

/// G.722 encoding (ITU-T G.722 at 64 kbit/s) through spandsp: 16 kHz samples in, one byte per two
/// samples out; the RTP clock stays 8000 by RFC 3551, so 20 ms is 320 samples, 160 bytes, +160.
///
/// One instance per stream: the sub-band ADPCM predictors carry state from frame to frame, and a
/// decoder follows that state only if it sees every frame of one encoder in order.
public final class G722Encoder {
    /// The audio rate the encoder takes.
    public static let sampleRate = 16000

    private let state: OpaquePointer

    public init() {
        // As for the decoder: spandsp allocates the state when given NULL and fails only when
        // malloc does.
        guard let s = g722_encode_init(nil, 64000, 0) else { fatalError("spandsp: cannot allocate a G.722 encoder") }
        state = s
    }

    deinit {
        _ = g722_encode_free(state)
    }

    /// Encodes `count` samples at 16 kHz into `output`; returns the bytes written (`count / 2`).
    /// Never writes more than `capacity`: samples whose byte would not fit are not encoded, and an
    /// odd last sample is dropped (a byte codes a pair), so callers pass whole frames.
    public func encode(_ samples: UnsafePointer<Int16>, count: Int, into output: UnsafeMutablePointer<UInt8>, capacity: Int) -> Int {
        let pairs = min(max(0, count) / 2, max(0, capacity))
        guard pairs > 0, pairs <= Int(Int32.max) / 2 else { return 0 }
        let written = g722_encode(state, output, samples, Int32(2 * pairs))
        return max(0, Int(written))
    }
}
