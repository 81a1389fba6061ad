import CBcg729
import COpus
import CSpanDSP
import Foundation

/// Encoders for G.722, G.729 and Opus that turn test signals into RTP payloads, and reference
/// decodes that call the same C libraries directly with fresh states, independently of the Media
/// module's decoders, so tests can compare the two.
public enum ReferenceCodec {
    // MARK: G.722

    /// G.722 at 64 kbit/s: 16 kHz samples in, one payload per `packetSamples` (320 = 20 ms: 160 bytes).
    public static func encodeG722(_ samples: [Int16], packetSamples: Int = 320) -> [[UInt8]] {
        let state = g722_encode_init(nil, 64000, 0)
        defer { _ = g722_encode_free(state) }
        return stride(from: 0, to: samples.count, by: packetSamples).map { start in
            let chunk = Array(samples[start..<min(samples.count, start + packetSamples)])
            var out = [UInt8](repeating: 0, count: (chunk.count + 1) / 2)
            let n = g722_encode(state, &out, chunk, Int32(chunk.count))
            return Array(out.prefix(Int(n)))
        }
    }

    /// Decodes `payloads` in order with one fresh spandsp decoder.
    public static func referenceDecodeG722(_ payloads: [[UInt8]]) -> [Int16] {
        let state = g722_decode_init(nil, 64000, 0)
        defer { _ = g722_decode_free(state) }
        var result: [Int16] = []
        for p in payloads {
            var out = [Int16](repeating: 0, count: 2 * p.count)
            let n = g722_decode(state, &out, p, Int32(p.count))
            result += out.prefix(Int(n))
        }
        return result
    }

    // MARK: G.729

    /// G.729A frames of 80 samples at 8 kHz, one per 10 ms: 10 bytes of speech, or with `vad`
    /// (Annex B) also 2-byte SID frames and empty ones (not transmitted).
    public static func encodeG729Frames(_ samples: [Int16], vad: Bool = false) -> [[UInt8]] {
        let encoder = initBcg729EncoderChannel(vad ? 1 : 0)
        defer { closeBcg729EncoderChannel(encoder) }
        var frames: [[UInt8]] = []
        var start = 0
        while start + 80 <= samples.count {
            let frame = Array(samples[start..<(start + 80)])
            var bits = [UInt8](repeating: 0, count: 10)
            var length: UInt8 = 0
            bcg729Encoder(encoder, frame, &bits, &length)
            frames.append(Array(bits.prefix(Int(length))))
            start += 80
        }
        return frames
    }

    /// RTP payloads of `framesPerPacket` frames each, as RFC 3551 packs them: speech frames, then
    /// at most one SID frame, which ends its packet; frames not transmitted send nothing.
    public static func packetizeG729(_ frames: [[UInt8]], framesPerPacket: Int) -> [[UInt8]] {
        var packets: [[UInt8]] = []
        var current: [UInt8] = []
        var inPacket = 0
        func flush() {
            if !current.isEmpty { packets.append(current) }
            current = []
            inPacket = 0
        }
        for f in frames {
            if f.isEmpty { flush(); continue }
            current += f
            inPacket += 1
            if f.count == 2 || inPacket == framesPerPacket { flush() }
        }
        flush()
        return packets
    }

    /// Decodes frames in order with one fresh bcg729 decoder: 10 bytes as speech, 2 as SID, and an
    /// empty frame as not transmitted (the erasure flag, which bcg729 turns into comfort noise
    /// after a SID and into concealment after speech).
    public static func referenceDecodeG729(_ frames: [[UInt8]]) -> [Int16] {
        let decoder = initBcg729DecoderChannel()
        defer { closeBcg729DecoderChannel(decoder) }
        var result: [Int16] = []
        var out = [Int16](repeating: 0, count: 80)
        for f in frames {
            if f.isEmpty {
                bcg729Decoder(decoder, nil, 0, 1, 0, 0, &out)
            } else {
                bcg729Decoder(decoder, f, UInt8(f.count), 0, f.count == 2 ? 1 : 0, 0, &out)
            }
            result += out
        }
        return result
    }

    // MARK: Opus

    /// Opus at 48 kHz, `channels` interleaved in `samples`, one packet per `frameSamples` (960 = 20 ms),
    /// voice mode at `bitrate`; `fec` turns on in-band FEC for an expected `lossPercent`.
    public static func encodeOpus(_ samples: [Int16], channels: Int = 1, frameSamples: Int = 960,
                                  bitrate: Int = 32000, fec: Bool = false, lossPercent: Int = 0) -> [[UInt8]] {
        var error: Int32 = 0
        let encoder = opus_encoder_create(48000, Int32(channels), OPUS_APPLICATION_VOIP, &error)!
        defer { opus_encoder_destroy(encoder) }
        OpusControl.set(encoder, OPUS_SET_BITRATE_REQUEST, Int32(bitrate))
        OpusControl.set(encoder, OPUS_SET_SIGNAL_REQUEST, OPUS_SIGNAL_VOICE)
        OpusControl.set(encoder, OPUS_SET_COMPLEXITY_REQUEST, 10)
        OpusControl.set(encoder, OPUS_SET_INBAND_FEC_REQUEST, fec ? 1 : 0)
        OpusControl.set(encoder, OPUS_SET_PACKET_LOSS_PERC_REQUEST, Int32(lossPercent))
        var packets: [[UInt8]] = []
        var out = [UInt8](repeating: 0, count: 1500)
        var start = 0
        while start + frameSamples * channels <= samples.count {
            let frame = Array(samples[start..<(start + frameSamples * channels)])
            let n = opus_encode(encoder, frame, Int32(frameSamples), &out, Int32(out.count))
            precondition(n > 0, "opus_encode failed: \(n)")
            packets.append(Array(out.prefix(Int(n))))
            start += frameSamples * channels
        }
        return packets
    }

    /// The encoder's lookahead in 48 kHz samples: how far its decoded output lags the input.
    public static func opusLookahead(channels: Int = 1) -> Int {
        var error: Int32 = 0
        let encoder = opus_encoder_create(48000, Int32(channels), OPUS_APPLICATION_VOIP, &error)!
        defer { opus_encoder_destroy(encoder) }
        var value: Int32 = 0
        let r = OpusControl.get(encoder, OPUS_GET_LOOKAHEAD_REQUEST, &value)
        precondition(r == OPUS_OK)
        return Int(value)
    }

    /// Decodes packets in order with one fresh mono libopus decoder at `sampleRate`; a nil packet
    /// is lost and concealed for `lostSamples`.
    public static func referenceDecodeOpus(_ packets: [[UInt8]?], sampleRate: Int, lostSamples: Int? = nil) -> [Int16] {
        var error: Int32 = 0
        let decoder = opus_decoder_create(Int32(sampleRate), 1, &error)!
        defer { opus_decoder_destroy(decoder) }
        var result: [Int16] = []
        var out = [Int16](repeating: 0, count: sampleRate * 120 / 1000)
        for p in packets {
            let n: Int32
            if let p {
                n = opus_decode(decoder, p, Int32(p.count), &out, Int32(out.count), 0)
            } else {
                n = opus_decode(decoder, nil, 0, &out, Int32(lostSamples ?? sampleRate / 50), 0)
            }
            precondition(n > 0, "opus_decode failed: \(n)")
            result += out.prefix(Int(n))
        }
        return result
    }

    // MARK: L16

    /// Big-endian 16-bit samples, as RFC 3551 sends L16 (channels interleaved as given).
    public static func encodeL16(_ samples: [Int16]) -> [UInt8] {
        samples.flatMap { [UInt8(truncatingIfNeeded: UInt16(bitPattern: $0) >> 8), UInt8(truncatingIfNeeded: UInt16(bitPattern: $0))] }
    }

    /// L16 decoded by the letter of RFC 3551, channels averaged (truncating toward zero).
    public static func referenceDecodeL16(_ payload: [UInt8], channels: Int) -> [Int16] {
        let frames = payload.count / (2 * channels)
        return (0..<frames).map { f in
            var sum = 0
            for c in 0..<channels {
                let i = 2 * (f * channels + c)
                sum += Int(Int16(bitPattern: UInt16(payload[i]) << 8 | UInt16(payload[i + 1])))
            }
            return Int16(sum / channels)
        }
    }
}

/// `opus_encoder_ctl` is variadic, which Swift cannot call; the system module has no wrapper, so
/// the symbol is looked up and called through a fixed three-argument prototype. On the SysV x86-64
/// and AAPCS64 Linux ABIs, integer arguments of a variadic call travel in the same registers as
/// those of a fixed one.
enum OpusControl {
    typealias Control = @convention(c) (OpaquePointer?, Int32, Int32) -> Int32

    typealias Query = @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<Int32>) -> Int32

    static func set(_ encoder: OpaquePointer, _ request: Int32, _ value: Int32) {
        let r = unsafeBitCast(symbol, to: Control.self)(encoder, request, value)
        precondition(r == OPUS_OK, "opus_encoder_ctl(\(request)) failed: \(r)")
    }

    static func get(_ encoder: OpaquePointer, _ request: Int32, _ value: UnsafeMutablePointer<Int32>) -> Int32 {
        unsafeBitCast(symbol, to: Query.self)(encoder, request, value)
    }

    private static var symbol: UnsafeMutableRawPointer {
        guard let s = dlsym(dlopen(nil, RTLD_NOW), "opus_encoder_ctl") else { fatalError("opus_encoder_ctl not found") }
        return s
    }

}

extension ReferenceCodec {
    // MARK: Per packet, one state across the stream

    /// Each payload decoded in order with one libopus decoder at `sampleRate` (mono).
    public static func referenceDecodeOpusPackets(_ payloads: [[UInt8]], sampleRate: Int) -> [[Int16]] {
        var error: Int32 = 0
        let decoder = opus_decoder_create(Int32(sampleRate), 1, &error)!
        defer { opus_decoder_destroy(decoder) }
        var out = [Int16](repeating: 0, count: sampleRate * 120 / 1000)
        return payloads.map { p in
            let n = opus_decode(decoder, p, Int32(p.count), &out, Int32(out.count), 0)
            return n > 0 ? Array(out.prefix(Int(n))) : []
        }
    }

    /// Each payload decoded in order with one spandsp G.722 decoder (two samples per byte).
    public static func referenceDecodeG722Packets(_ payloads: [[UInt8]]) -> [[Int16]] {
        let all = referenceDecodeG722(payloads)
        var result: [[Int16]] = []
        var offset = 0
        for p in payloads {
            result.append(Array(all[offset..<min(all.count, offset + 2 * p.count)]))
            offset += 2 * p.count
        }
        return result
    }

    /// Each payload's 10-byte frames decoded in order with one bcg729 decoder (80 samples a frame).
    public static func referenceDecodeG729Packets(_ payloads: [[UInt8]]) -> [[Int16]] {
        let frames = payloads.map { p in stride(from: 0, to: p.count / 10 * 10, by: 10).map { Array(p[$0..<($0 + 10)]) } }
        let all = referenceDecodeG729(frames.flatMap { $0 })
        var result: [[Int16]] = []
        var offset = 0
        for f in frames {
            result.append(Array(all[offset..<min(all.count, offset + 80 * f.count)]))
            offset += 80 * f.count
        }
        return result
    }
}
