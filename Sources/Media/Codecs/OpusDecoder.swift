import COpus

/// Opus through libopus, decoded straight at the recording's rate (8, 12, 16, 24 or 48 kHz),
/// down-mixed to mono by libopus itself (a mono decoder accepts stereo packets).
///
/// One instance per stream: SILK and CELT keep prediction state between packets, and the
/// concealment continues from what was decoded last.
public final class OpusDecoder {
    /// The rate the decoder produces.
    public let sampleRate: Int
    /// Largest decode output in samples (120 ms at the rate), so the caller can size buffers.
    public let maxFrameSamples: Int

    private let decoder: OpaquePointer
    /// Receives a decode whose result would not fit in the caller's buffer, so the packet still
    /// advances the decoder's state; `maxFrameSamples` long.
    private let spill: UnsafeMutablePointer<Int16>
    /// 2.5 ms at the rate: libopus decodes and conceals only in multiples of it.
    private let granule: Int

    /// nil if libopus refuses the rate.
    public init?(sampleRate: Int) {
        guard sampleRate > 0, sampleRate <= 48000 else { return nil }
        var error: Int32 = 0
        guard let d = opus_decoder_create(Int32(sampleRate), 1, &error), error == OPUS_OK else { return nil }
        decoder = d
        self.sampleRate = sampleRate
        maxFrameSamples = sampleRate * 120 / 1000
        granule = sampleRate / 400
        spill = .allocate(capacity: maxFrameSamples)
        spill.initialize(repeating: 0, count: maxFrameSamples)
    }

    deinit {
        opus_decoder_destroy(decoder)
        spill.deallocate()
    }

    /// Decodes one RTP payload (one Opus packet, RFC 7587); returns the samples written, at most
    /// `capacity`. An empty or invalid packet writes nothing: libopus would take an empty one as a
    /// request for concealment, which is `recover`'s job, with the right duration.
    public func decode(_ payload: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<Int16>, capacity: Int) -> Int {
        guard payload.count > 0, payload.count <= Int(Int32.max),
              let base = payload.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        let length = Int32(payload.count)
        let samples = Int(opus_decoder_get_nb_samples(decoder, base, length))
        guard samples > 0, samples <= maxFrameSamples else { return 0 }
        let direct = capacity >= samples
        let decoded = Int(opus_decode(decoder, base, length, direct ? output : spill, Int32(samples), 0))
        guard decoded > 0 else { return 0 }
        if direct { return decoded }
        let n = min(decoded, max(0, capacity))
        if n > 0 { output.update(from: spill, count: n) }
        return n
    }

    /// A lost packet before `next`: in-band FEC from `next` when it carries it (opus_decode with
    /// decode_fec=1 and frame size = the missing duration), else packet-loss concealment.
    /// `samples` is the missing duration at the decoder's rate; the result is `min(samples, capacity)`
    /// samples. libopus recovers in steps of 2.5 ms: a remainder shorter than that is written as
    /// silence. Call `decode` with `next` afterwards as usual.
    public func recover(samples: Int, from next: UnsafeRawBufferPointer?, into output: UnsafeMutablePointer<Int16>, capacity: Int) -> Int {
        let total = min(samples, capacity)
        guard total > 0 else { return 0 }
        let recoverable = total - total % granule
        // libopus sizes a scratch buffer on the stack by the frame size, so long gaps are
        // concealed in pieces of at most 120 ms; only the last piece can come from FEC, since the
        // redundancy in `next` describes only the frame just before it.
        let last = min(recoverable, maxFrameSamples)
        var done = 0
        while done < recoverable - last {
            let piece = min(maxFrameSamples, recoverable - last - done)
            done += conceal(piece, into: output + done)
        }
        if last > 0 {
            if let next, next.count > 0, next.count <= Int(Int32.max),
               let base = next.baseAddress?.assumingMemoryBound(to: UInt8.self) {
                // When `next` has no redundancy (CELT-only, or FEC off at the sender), libopus
                // conceals instead, so this is never worse than plain concealment.
                let n = Int(opus_decode(decoder, base, Int32(next.count), output + done, Int32(last), 1))
                done += n > 0 ? n : conceal(last, into: output + done)
            } else {
                done += conceal(last, into: output + done)
            }
        }
        if done < total { (output + done).update(repeating: 0, count: total - done) }
        return total
    }

    /// Packet-loss concealment for `count` samples (a multiple of 2.5 ms, at most 120 ms); a
    /// refusal from libopus becomes silence, so the caller's count always holds.
    private func conceal(_ count: Int, into destination: UnsafeMutablePointer<Int16>) -> Int {
        let n = Int(opus_decode(decoder, nil, 0, destination, Int32(count), 0))
        if n > 0 { return n }
        destination.update(repeating: 0, count: count)
        return count
    }
}
