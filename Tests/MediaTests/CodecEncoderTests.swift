import CalltapTestSupport
import Foundation
import Testing
@testable import Media

/// The Media encoders, checked by decoding what they produce with the project's own decoders.
@Suite struct CodecEncoderTests {
    /// A 1 kHz tone in 20 ms frames through `encode`, then `decode`; returns the decoded samples.
    private static func roundTrip(rate: Int, seconds: Double = 1, frequency: Double = 1000,
                                  encode: (UnsafePointer<Int16>, Int, UnsafeMutablePointer<UInt8>, Int) -> Int,
                                  decode: (UnsafeRawBufferPointer, UnsafeMutablePointer<Int16>, Int) -> Int) -> (input: [Int16], output: [Int16], payloadBytes: [Int]) {
        let frame = rate / 50
        let input = ToneSynthesis.sine(frequency: frequency, sampleRate: rate, count: Int(seconds * Double(rate)), amplitude: 8000)
        var output: [Int16] = []
        var sizes: [Int] = []
        var payload = [UInt8](repeating: 0, count: 1500)
        var decoded = [Int16](repeating: 0, count: rate * 120 / 1000)
        input.withUnsafeBufferPointer { samples in
            for start in stride(from: 0, to: samples.count - frame + 1, by: frame) {
                let n = payload.withUnsafeMutableBufferPointer { encode(samples.baseAddress! + start, frame, $0.baseAddress!, $0.count) }
                sizes.append(n)
                let m = payload.prefix(n).withUnsafeBytes { bytes in
                    decoded.withUnsafeMutableBufferPointer { decode(bytes, $0.baseAddress!, $0.count) }
                }
                output += decoded.prefix(m)
            }
        }
        return (input, output, sizes)
    }

    private static func gainDecibels(_ output: ArraySlice<Int16>, _ input: ArraySlice<Int16>) -> Double {
        20 * log10(ToneAnalysis.rms(output) / ToneAnalysis.rms(input))
    }

    @Test func muLawToneKeepsFrequencyAndLevel() {
        let (input, output, sizes) = Self.roundTrip(rate: 8000,
            encode: { samples, count, out, _ in G711.compressMuLaw(samples, count: count, into: out); return count },
            decode: { bytes, out, _ in G711.expand(bytes, table: G711.muLawTable, into: out, stride: 1); return bytes.count })
        #expect(sizes.allSatisfy { $0 == 160 })
        #expect(output.count == 8000)
        let frequency = ToneAnalysis.dominantFrequency(output[...], sampleRate: 8000)
        let gain = Self.gainDecibels(output[...], input[...])
        print("µ-law 1 kHz: \(frequency) Hz, gain \(gain) dB")
        #expect(abs(frequency - 1000) <= 5)
        // 1 kHz at 8 kHz takes only eight sample values, so the quantisation error does not average
        // out: half a step near 8000 is 1.6 %, 0.14 dB.
        #expect(abs(gain) < 0.3)
    }

    @Test func aLawToneKeepsFrequencyAndLevel() {
        let (input, output, _) = Self.roundTrip(rate: 8000,
            encode: { samples, count, out, _ in G711.compressALaw(samples, count: count, into: out); return count },
            decode: { bytes, out, _ in G711.expand(bytes, table: G711.aLawTable, into: out, stride: 1); return bytes.count })
        #expect(output.count == 8000)
        let frequency = ToneAnalysis.dominantFrequency(output[...], sampleRate: 8000)
        let gain = Self.gainDecibels(output[...], input[...])
        print("A-law 1 kHz: \(frequency) Hz, gain \(gain) dB")
        #expect(abs(frequency - 1000) <= 5)
        // 1 kHz at 8 kHz takes only eight sample values, so the quantisation error does not average
        // out: half a step near 8000 is 1.6 %, 0.14 dB.
        #expect(abs(gain) < 0.3)
    }

    @Test func muLawRoundTripOfEveryCode() {
        for code in 0...255 {
            let byte = UInt8(code)
            let linear = G711.expandMuLaw(byte)
            // 0x7F and 0xFF both expand to 0; zero compresses to the positive one.
            #expect(G711.compressMuLaw(linear) == (byte == 0x7F ? 0xFF : byte), "code \(code)")
        }
    }

    @Test func aLawRoundTripOfEveryCode() {
        for code in 0...255 {
            let byte = UInt8(code)
            #expect(G711.compressALaw(G711.expandALaw(byte)) == byte, "code \(code)")
        }
    }

    @Test func compressionMatchesReferenceForEverySample() {
        var muMismatches = 0, aMismatches = 0
        for value in Int(Int16.min)...Int(Int16.max) {
            let sample = Int16(value)
            if G711.compressMuLaw(sample) != ToneSynthesis.muLaw(sample) { muMismatches += 1 }
            if G711.compressALaw(sample) != Self.referenceALaw(sample) { aMismatches += 1 }
        }
        #expect(muMismatches == 0)
        #expect(aMismatches == 0)
    }

    @Test func bulkCompressionWritesOneBytePerSample() {
        let samples: [Int16] = [0, 1000, -1000, .max, .min]
        var mu = [UInt8](repeating: 0xAA, count: 6), a = [UInt8](repeating: 0xAA, count: 6)
        G711.compressMuLaw(samples, count: samples.count, into: &mu)
        G711.compressALaw(samples, count: samples.count, into: &a)
        #expect(mu == samples.map(G711.compressMuLaw) + [0xAA])
        #expect(a == samples.map(G711.compressALaw) + [0xAA])
    }

    @Test func g722ToneKeepsFrequencyAndLevel() {
        let encoder = G722Encoder()
        let decoder = G722Decoder()
        let (input, output, sizes) = Self.roundTrip(rate: G722Encoder.sampleRate,
            encode: { encoder.encode($0, count: $1, into: $2, capacity: $3) },
            decode: { decoder.decode($0, into: $1, capacity: $2) })
        #expect(sizes.allSatisfy { $0 == 160 })
        #expect(output.count == 16000)
        // The encoder's output is spandsp's own encoding of the same samples.
        #expect(output == ReferenceCodec.referenceDecodeG722(ReferenceCodec.encodeG722(input)))
        let steady = output[4000...]
        let frequency = ToneAnalysis.dominantFrequency(steady, sampleRate: 16000)
        let gain = Self.gainDecibels(steady, input[4000...])
        print("G.722 1 kHz: \(frequency) Hz, gain \(gain) dB")
        #expect(abs(frequency - 1000) <= 5)
        #expect(abs(gain) < 1)
    }

    @Test func g722CapacityLimitsTheBytes() {
        let encoder = G722Encoder()
        let input = ToneSynthesis.sine(frequency: 1000, sampleRate: 16000, count: 320)
        var out = [UInt8](repeating: 0xEE, count: 200)
        let n = out.withUnsafeMutableBufferPointer { encoder.encode(input, count: 320, into: $0.baseAddress!, capacity: 100) }
        #expect(n == 100)
        #expect(out[100...].allSatisfy { $0 == 0xEE })
    }

    @Test func opusToneKeepsFrequencyAndLevel() {
        let encoder = OpusEncoder()!
        let decoder = OpusDecoder(sampleRate: 48000)!
        let (input, output, sizes) = Self.roundTrip(rate: 48000,
            encode: { encoder.encode($0, count: $1, into: $2, capacity: min($3, OpusEncoder.maxPayloadBytes)) },
            decode: { decoder.decode($0, into: $1, capacity: $2) })
        #expect(sizes.count == 50 && sizes.allSatisfy { $0 > 0 })
        #expect(output.count == 48000)
        let steady = output[9600...]
        let frequency = ToneAnalysis.dominantFrequency(steady, sampleRate: 48000, to: 4000)
        let gain = Self.gainDecibels(steady, input[9600...])
        print("Opus 1 kHz: \(frequency) Hz, gain \(gain) dB, \(sizes.reduce(0, +) * 8 / 1000) kbit/s")
        #expect(abs(frequency - 1000) <= 5)
        #expect(abs(gain) < 1)
    }

    @Test func opusRejectsFramesItHasNot() {
        let encoder = OpusEncoder()!
        #expect(OpusEncoder(sampleRate: 44100) == nil)
        #expect(encoder.isFrameSize(960) && encoder.isFrameSize(120) && encoder.isFrameSize(2880))
        #expect(!encoder.isFrameSize(1000) && !encoder.isFrameSize(0) && !encoder.isFrameSize(5760))
        let input = [Int16](repeating: 0, count: 1000)
        var out = [UInt8](repeating: 0, count: 1500)
        #expect(encoder.encode(input, count: 1000, into: &out, capacity: out.count) == 0)
    }

    /// A-law as Sun's public-domain g711.c writes it (segment end table, search), independent of
    /// the bit arithmetic in the Media module.
    private static func referenceALaw(_ sample: Int16) -> UInt8 {
        let segmentEnds = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF]
        var value = Int(sample) >> 3
        let mask: Int
        if value >= 0 { mask = 0xD5 } else { mask = 0x55; value = -value - 1 }
        guard let segment = segmentEnds.firstIndex(where: { value <= $0 }) else { return UInt8(0x7F ^ mask) }
        var code = segment << 4
        code |= segment < 2 ? (value >> 1) & 0x0F : (value >> segment) & 0x0F
        return UInt8(code ^ mask)
    }
}
