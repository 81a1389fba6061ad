import COpus

/// Opus encoding through libopus, mono, in voice mode (`OPUS_APPLICATION_VOIP`), with libopus's
/// default bit rate and complexity: what a desk application streams for the recorder to decode.
///
/// One instance per stream: SILK and CELT predict from the frames before, and the decoder at the
/// other end keeps the matching state.
public final class OpusEncoder {
    /// The rate the encoder takes (8, 12, 16, 24 or 48 kHz).
    public let sampleRate: Int
    /// Largest payload Opus produces for one frame (RFC 6716, 3.2.1): a buffer this long never
    /// truncates an encode.
    public static let maxPayloadBytes = 1275

    private let encoder: OpaquePointer

    /// nil if libopus refuses the rate.
    public init?(sampleRate: Int = 48000) {
        guard [8000, 12000, 16000, 24000, 48000].contains(sampleRate) else { return nil }
        var error: Int32 = 0
        guard let e = opus_encoder_create(Int32(sampleRate), 1, OPUS_APPLICATION_VOIP, &error), error == OPUS_OK else { return nil }
        encoder = e
        self.sampleRate = sampleRate
    }

    deinit {
        opus_encoder_destroy(encoder)
    }

    /// Whether `count` samples make a frame Opus can encode: 2.5, 5, 10, 20, 40 or 60 ms.
    public func isFrameSize(_ count: Int) -> Bool {
        // In units of 2.5 ms; a switch rather than an array literal, which would allocate per frame.
        guard count > 0, count * 400 % sampleRate == 0 else { return false }
        switch count * 400 / sampleRate {
        case 1, 2, 4, 8, 16, 24: return true
        default: return false
        }
    }

    /// Encodes one frame of `count` samples into `output` (one RTP payload, RFC 7587); returns the
    /// bytes written, or 0 when the frame size is not one Opus has or `capacity` is too small for
    /// the packet (libopus then writes nothing usable).
    public func encode(_ samples: UnsafePointer<Int16>, count: Int, into output: UnsafeMutablePointer<UInt8>, capacity: Int) -> Int {
        guard isFrameSize(count), capacity > 0 else { return 0 }
        let written = opus_encode(encoder, samples, Int32(count), output, Int32(min(capacity, Int(Int32.max))))
        return max(0, Int(written))
    }
}
