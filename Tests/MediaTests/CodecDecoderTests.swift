import CalltapTestSupport
import Foundation
import Testing
@testable import Media

/// Signal-to-noise ratio of `signal` against `reference`, in dB (infinite when equal).
private func snr(_ signal: ArraySlice<Int16>, reference: ArraySlice<Int16>) -> Double {
    var power = 0.0, noise = 0.0
    for (s, r) in zip(signal, reference) {
        power += Double(r) * Double(r)
        noise += (Double(s) - Double(r)) * (Double(s) - Double(r))
    }
    return noise == 0 ? .infinity : 10 * log10(power / noise)
}

/// Runs `body` over an output buffer of `capacity` samples followed by guard samples, and checks
/// that nothing past `capacity` was touched.
private func withGuardedOutput(capacity: Int, _ body: (UnsafeMutablePointer<Int16>) -> Int) -> (count: Int, output: [Int16]) {
    let guardValue: Int16 = 0x5A5A
    var buffer = [Int16](repeating: guardValue, count: capacity + 64)
    let count = buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    #expect(buffer[capacity...].allSatisfy { $0 == guardValue }, "wrote past capacity \(capacity)")
    return (count, Array(buffer.prefix(max(0, min(count, capacity)))))
}

private func decodeAll(_ payloads: [[UInt8]], capacity: Int,
                       _ decode: (UnsafeRawBufferPointer, UnsafeMutablePointer<Int16>, Int) -> Int) -> [Int16] {
    var result: [Int16] = []
    for p in payloads {
        let (_, out) = p.withUnsafeBytes { bytes in withGuardedOutput(capacity: capacity) { decode(bytes, $0, capacity) } }
        result += out
    }
    return result
}

private func randomPayload(length: Int, _ rng: inout SeededGenerator) -> [UInt8] {
    (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
}

/// The codec decoders of the Media module against the C libraries they wrap.
@Suite struct CodecDecoderTests {}

extension CodecDecoderTests {
    @Suite struct G722 {
        @Test(arguments: [1000.0, 400.0])
        func toneDecodesExactlyAsSpandspDoes(frequency: Double) {
            let input = ToneSynthesis.sine(frequency: frequency, sampleRate: 16000, count: 16000, amplitude: 8000)
            let payloads = ReferenceCodec.encodeG722(input)
            #expect(payloads.count == 50 && payloads.allSatisfy { $0.count == 160 })
            let decoder = G722Decoder()
            let output = decodeAll(payloads, capacity: 320) { decoder.decode($0, into: $1, capacity: $2) }
            #expect(output.count == 16000)
            #expect(output == ReferenceCodec.referenceDecodeG722(payloads))
            let steady = output[4000...]
            #expect(abs(ToneAnalysis.dominantFrequency(steady, sampleRate: 16000) - frequency) <= 5)
            // G.722 keeps the level: within 1 dB of the input's.
            let gain = 20 * log10(ToneAnalysis.rms(steady) / ToneAnalysis.rms(input[4000...]))
            #expect(abs(gain) < 1, "G.722 level changed by \(gain) dB")
        }

        @Test func capacityCutsWholeBytes() {
            let payload = ReferenceCodec.encodeG722(ToneSynthesis.sine(frequency: 1000, sampleRate: 16000, count: 320))[0]
            let reference = ReferenceCodec.referenceDecodeG722([payload])
            let decoder = G722Decoder()
            let (count, out) = payload.withUnsafeBytes { bytes in withGuardedOutput(capacity: 101) { decoder.decode(bytes, into: $0, capacity: 101) } }
            #expect(count == 100)
            #expect(out == Array(reference.prefix(100)))
        }
    }
}

extension CodecDecoderTests {
    @Suite struct G729 {
        @Test(arguments: [(1000.0, 1), (1000.0, 2), (400.0, 3), (1000.0, 6), (400.0, 2)])
        func toneDecodesExactlyAsBcg729Does(frequency: Double, framesPerPacket: Int) {
            let input = ToneSynthesis.sine(frequency: frequency, sampleRate: 8000, count: 8160, amplitude: 8000)
            let frames = ReferenceCodec.encodeG729Frames(input)
            let payloads = ReferenceCodec.packetizeG729(frames, framesPerPacket: framesPerPacket)
            #expect(frames.count == 102)
            #expect(payloads.first?.count == 10 * framesPerPacket)
            let decoder = G729Decoder()
            let output = decodeAll(payloads, capacity: 480) { decoder.decode($0, into: $1, capacity: $2) }
            #expect(output.count == 102 * 80)
            #expect(output == ReferenceCodec.referenceDecodeG729(frames))
            #expect(abs(ToneAnalysis.dominantFrequency(output[2000...], sampleRate: 8000) - frequency) <= 5)
        }

        /// Annex B: tone, then low noise that the encoder's VAD turns into SID frames and frames not
        /// sent, then tone again. Each SID frame gives 80 samples of comfort noise; the frames not sent
        /// are concealed, which after a SID continues the comfort noise.
        @Test func sidFramesGiveQuietComfortNoise() {
            var rng = SeededGenerator(seed: 729)
            var input = ToneSynthesis.sine(frequency: 1000, sampleRate: 8000, count: 4000, amplitude: 8000)
            input += (0..<16000).map { _ in Int16.random(in: -30...30, using: &rng) }
            input += ToneSynthesis.sine(frequency: 400, sampleRate: 8000, count: 4000, amplitude: 8000)
            let frames = ReferenceCodec.encodeG729Frames(input, vad: true)
            let sids = frames.filter { $0.count == 2 }.count
            let untransmitted = frames.filter(\.isEmpty).count
            #expect(sids > 0 && untransmitted > 0, "VAD made \(sids) SID and \(untransmitted) empty frames")

            // The frames as a sender would send them: 2 per packet, a SID ending its packet.
            let decoder = G729Decoder()
            var output: [Int16] = []
            var pending: [UInt8] = []
            var inPacket = 0
            func send() {
                guard !pending.isEmpty else { return }
                output += pending.withUnsafeBytes { bytes in withGuardedOutput(capacity: 160) { decoder.decode(bytes, into: $0, capacity: 160) } }.output
                pending = []
                inPacket = 0
            }
            for f in frames {
                if f.isEmpty {
                    send()
                    output += withGuardedOutput(capacity: 80) { decoder.conceal(frames: 1, into: $0, capacity: 80) }.output
                    continue
                }
                pending += f
                inPacket += 1
                if f.count == 2 || inPacket == 2 { send() }
            }
            send()
            #expect(output.count == frames.count * 80)
            #expect(output == ReferenceCodec.referenceDecodeG729(frames))
            // Comfort noise is quiet (never a burst) and the tone after it decodes.
            let silence = output[6000..<18000]
            #expect(ToneAnalysis.rms(silence) < 200)
            #expect(silence.map { abs(Int($0)) }.max()! < 2000)
            #expect(abs(ToneAnalysis.dominantFrequency(output[21000...], sampleRate: 8000) - 400) <= 5)
        }

        @Test func concealmentContinuesTheToneAsBcg729Does() {
            let frames = ReferenceCodec.encodeG729Frames(ToneSynthesis.sine(frequency: 1000, sampleRate: 8000, count: 4000, amplitude: 8000))
            let decoder = G729Decoder()
            var output = decodeAll(ReferenceCodec.packetizeG729(frames, framesPerPacket: 2), capacity: 160) {
                decoder.decode($0, into: $1, capacity: $2)
            }
            let (count, concealed) = withGuardedOutput(capacity: 240) { decoder.conceal(frames: 3, into: $0, capacity: 240) }
            #expect(count == 240)
            output += concealed
            #expect(output == ReferenceCodec.referenceDecodeG729(frames + [[], [], []]))
            #expect(ToneAnalysis.rms(concealed[...]) > 1000)
            // 30 ms resolve frequency to about 33 Hz.
            #expect(abs(ToneAnalysis.dominantFrequency(concealed[...], sampleRate: 8000) - 1000) <= 50)
            // Concealment stops at capacity, a partial frame included.
            #expect(withGuardedOutput(capacity: 130) { decoder.conceal(frames: 50, into: $0, capacity: 130) }.count == 130)
            #expect(withGuardedOutput(capacity: 0) { decoder.conceal(frames: 2, into: $0, capacity: 0) }.count == 0)
            #expect(withGuardedOutput(capacity: 80) { decoder.conceal(frames: -1, into: $0, capacity: 80) }.count == 0)
        }

        @Test func oddLengthsDecodeTheirWholeFramesOnly() {
            let frames = ReferenceCodec.encodeG729Frames(ToneSynthesis.sine(frequency: 1000, sampleRate: 8000, count: 160))
            let speech = frames[0], sid: [UInt8] = [0x12, 0x34]
            func count(_ payload: [UInt8]) -> Int {
                let decoder = G729Decoder()
                return payload.withUnsafeBytes { bytes in withGuardedOutput(capacity: 800) { decoder.decode(bytes, into: $0, capacity: 800) } }.count
            }
            #expect(count(speech + [1, 2, 3, 4, 5]) == 80)          // 15 bytes: one frame, a broken tail
            #expect(count(speech + sid) == 160)                      // 12 bytes: a frame and a SID
            #expect(count(sid) == 80)
            #expect(count([1, 2, 3, 4, 5, 6, 7]) == 0)
            #expect(count([]) == 0)
            // A frame that does not fit whole is still decoded, and cut at capacity.
            let decoder = G729Decoder()
            let payload = frames[0] + frames[1]
            let (n, out) = payload.withUnsafeBytes { bytes in withGuardedOutput(capacity: 130) { decoder.decode(bytes, into: $0, capacity: 130) } }
            #expect(n == 130)
            #expect(out == Array(ReferenceCodec.referenceDecodeG729(Array(frames[0...1])).prefix(130)))
        }
    }
}

extension CodecDecoderTests {
    @Suite struct Opus {
        @Test(arguments: [8000, 16000, 48000], [1000.0, 400.0])
        func monoToneDecodesAsLibopusDoes(rate: Int, frequency: Double) {
            let input = ToneSynthesis.sine(frequency: frequency, sampleRate: 48000, count: 48000, amplitude: 8000)
            let packets = ReferenceCodec.encodeOpus(input)
            #expect(packets.count == 50)
            let decoder = OpusDecoder(sampleRate: rate)!
            let output = decodeAll(packets, capacity: decoder.maxFrameSamples) { decoder.decode($0, into: $1, capacity: $2) }
            #expect(output.count == rate)
            let reference = ReferenceCodec.referenceDecodeOpus(packets, sampleRate: rate)
            #expect(snr(output[...], reference: reference[...]) >= 30)
            #expect(output == reference)   // same library, same calls: exact
            #expect(abs(ToneAnalysis.dominantFrequency(output[(rate / 4)...], sampleRate: rate, to: min(3900, Double(rate) / 2 - 100)) - frequency) <= 5)
        }

        @Test func stereoIsDownMixedToMono() {
            // Left 1000 Hz, right 400 Hz: the mono decode carries both at about the same level.
            let left = ToneSynthesis.sine(frequency: 1000, sampleRate: 48000, count: 48000, amplitude: 8000)
            let right = ToneSynthesis.sine(frequency: 400, sampleRate: 48000, count: 48000, amplitude: 8000)
            var interleaved: [Int16] = []
            for i in 0..<48000 { interleaved += [left[i], right[i]] }
            let packets = ReferenceCodec.encodeOpus(interleaved, channels: 2, bitrate: 64000)
            #expect(packets.count == 50)
            let decoder = OpusDecoder(sampleRate: 16000)!
            let output = decodeAll(packets, capacity: decoder.maxFrameSamples) { decoder.decode($0, into: $1, capacity: $2) }
            #expect(output.count == 16000)
            #expect(output == ReferenceCodec.referenceDecodeOpus(packets, sampleRate: 16000))
            let steady = output[4000...]
            let p1000 = ToneAnalysis.power(steady, frequency: 1000, sampleRate: 16000)
            let p400 = ToneAnalysis.power(steady, frequency: 400, sampleRate: 16000)
            let p700 = ToneAnalysis.power(steady, frequency: 700, sampleRate: 16000)
            #expect(abs(10 * log10(p1000 / p400)) < 3)
            #expect(10 * log10(p1000 / p700) > 30)
            // Each tone arrives at about half its amplitude (the mean of the two channels).
            let expected = ToneAnalysis.power(ToneSynthesis.sine(frequency: 1000, sampleRate: 16000, count: 12000, amplitude: 4000)[...],
                                              frequency: 1000, sampleRate: 16000)
            #expect(abs(10 * log10(p1000 / expected)) < 2)
        }

        /// A voice-like signal whose pitch changes where the packet is lost: concealment can only
        /// extend what came before, while the FEC copy in the next packet knows the new pitch.
        @Test func forwardErrorCorrectionBeatsConcealment() {
            var input: [Int16] = []
            for (n, f) in [300.0, 520.0, 300.0, 700.0, 450.0, 300.0, 600.0, 350.0, 800.0, 400.0].enumerated() {
                input += ToneSynthesis.sine(frequency: f, sampleRate: 48000, offset: n * 4800, count: 4800, amplitude: 6000)
            }
            let packets = ReferenceCodec.encodeOpus(input, bitrate: 32000, fec: true, lossPercent: 20)
            #expect(packets.count == 50)
            let lost = 25   // the pitch changes at 500 ms, the start of packet 25
            let lossless = ReferenceCodec.referenceDecodeOpus(packets, sampleRate: 48000)
            let delay = ReferenceCodec.opusLookahead()

            func run(fec: Bool) -> [Int16] {
                let decoder = OpusDecoder(sampleRate: 48000)!
                var output: [Int16] = []
                for (i, p) in packets.enumerated() {
                    if i == lost {
                        let (n, out) = withGuardedOutput(capacity: 960) { buffer in
                            if fec {
                                return packets[i + 1].withUnsafeBytes { decoder.recover(samples: 960, from: $0, into: buffer, capacity: 960) }
                            }
                            return decoder.recover(samples: 960, from: nil, into: buffer, capacity: 960)
                        }
                        #expect(n == 960)
                        output += out
                    } else {
                        output += p.withUnsafeBytes { bytes in withGuardedOutput(capacity: 960) { decoder.decode(bytes, into: $0, capacity: 960) } }.output
                    }
                }
                return output
            }
            let withFEC = run(fec: true), withPLC = run(fec: false)
            #expect(withFEC.count == 48000 && withPLC.count == 48000)
            let segment = (lost * 960)..<((lost + 1) * 960)
            let fecVersusDecode = snr(withFEC[segment], reference: lossless[segment])
            let plcVersusDecode = snr(withPLC[segment], reference: lossless[segment])
            let original = Array(input[(lost * 960 - delay)..<((lost + 1) * 960 - delay)])
            let fecVersusOriginal = snr(withFEC[segment], reference: original[...])
            let plcVersusOriginal = snr(withPLC[segment], reference: original[...])
            print("Opus loss at a pitch change: FEC \(fecVersusDecode) dB, PLC \(plcVersusDecode) dB against the lossless decode; " +
                  "FEC \(fecVersusOriginal) dB, PLC \(plcVersusOriginal) dB against the input")
            #expect(fecVersusDecode > plcVersusDecode + 3)
            #expect(fecVersusOriginal > plcVersusOriginal + 3)
            // The packets before the loss decode as without loss.
            #expect(withFEC[..<(lost * 960)] == lossless[..<(lost * 960)])
        }

        @Test func longGapsAreConcealedInPiecesAndCutAtCapacity() {
            let packets = ReferenceCodec.encodeOpus(ToneSynthesis.sine(frequency: 1000, sampleRate: 48000, count: 9600, amplitude: 8000))
            let decoder = OpusDecoder(sampleRate: 16000)!
            for p in packets { _ = p.withUnsafeBytes { bytes in withGuardedOutput(capacity: 320) { decoder.decode(bytes, into: $0, capacity: 320) } } }
            // 200 ms at 16 kHz: more than one 120 ms piece.
            let (n, out) = packets[0].withUnsafeBytes { next in
                withGuardedOutput(capacity: 3200) { decoder.recover(samples: 3200, from: next, into: $0, capacity: 3200) }
            }
            #expect(n == 3200)
            #expect(ToneAnalysis.rms(out[..<320]) > 1000)   // concealment continues the tone at first
            // A duration that is not whole 2.5 ms steps ends in silence; capacity caps the count.
            let (m, tail) = withGuardedOutput(capacity: 1000) { decoder.recover(samples: 1010, from: nil, into: $0, capacity: 1000) }
            #expect(m == 1000)
            #expect(tail.count == 1000)
            #expect(withGuardedOutput(capacity: 5000) { decoder.recover(samples: 45, from: nil, into: $0, capacity: 5000) }.count == 45)
            #expect(withGuardedOutput(capacity: 100) { decoder.recover(samples: 0, from: nil, into: $0, capacity: 100) }.count == 0)
        }

        @Test func aPacketLargerThanCapacityKeepsTheStreamInStep() {
            let packets = ReferenceCodec.encodeOpus(ToneSynthesis.sine(frequency: 400, sampleRate: 48000, count: 4800, amplitude: 8000))
            let reference = ReferenceCodec.referenceDecodeOpus(packets, sampleRate: 16000)
            let decoder = OpusDecoder(sampleRate: 16000)!
            let first = packets[0].withUnsafeBytes { bytes in withGuardedOutput(capacity: 100) { decoder.decode(bytes, into: $0, capacity: 100) } }
            #expect(first.count == 100)
            #expect(first.output == Array(reference.prefix(100)))
            let second = packets[1].withUnsafeBytes { bytes in withGuardedOutput(capacity: 320) { decoder.decode(bytes, into: $0, capacity: 320) } }
            #expect(second.output == Array(reference[320..<640]))
        }

        @Test func ratesLibopusAccepts() {
            for rate in [8000, 12000, 16000, 24000, 48000] {
                #expect(OpusDecoder(sampleRate: rate)?.maxFrameSamples == rate * 120 / 1000)
            }
            for rate in [44100, 32000, 0, -8000, 96000] { #expect(OpusDecoder(sampleRate: rate) == nil) }
        }
    }
}

extension CodecDecoderTests {
    @Suite struct L16 {
        @Test(arguments: [1000.0, 400.0])
        func monoToneDecodesExactly(frequency: Double) {
            let input = ToneSynthesis.sine(frequency: frequency, sampleRate: 16000, count: 16000, amplitude: 12000)
            let payloads = stride(from: 0, to: 16000, by: 320).map { ReferenceCodec.encodeL16(Array(input[$0..<($0 + 320)])) }
            let decoder = L16Decoder(channels: 1)
            let output = decodeAll(payloads, capacity: 320) { decoder.decode($0, into: $1, capacity: $2) }
            #expect(output.count == 16000)
            #expect(output == input)
            #expect(output == payloads.flatMap { ReferenceCodec.referenceDecodeL16($0, channels: 1) })
            #expect(abs(ToneAnalysis.dominantFrequency(output[...], sampleRate: 16000) - frequency) <= 5)
        }

        @Test func stereoAt44100IsAveraged() {
            let left = ToneSynthesis.sine(frequency: 1000, sampleRate: 44100, count: 44100, amplitude: 12000)
            let right = ToneSynthesis.sine(frequency: 400, sampleRate: 44100, count: 44100, amplitude: 12000)
            var interleaved: [Int16] = [-32768, -32767, 32767, 32767, -3, 0]   // extremes and rounding
            for i in 0..<44100 { interleaved += [left[i], right[i]] }
            let payload = ReferenceCodec.encodeL16(interleaved)
            let decoder = L16Decoder(channels: 2)
            let (count, output) = payload.withUnsafeBytes { bytes in
                withGuardedOutput(capacity: 44103) { decoder.decode(bytes, into: $0, capacity: 44103) }
            }
            #expect(count == 44103)
            #expect(output == ReferenceCodec.referenceDecodeL16(payload, channels: 2))
            #expect(Array(output.prefix(3)) == [-32767, 32767, -1])
            #expect(output[3] == Int16((Int(left[0]) + Int(right[0])) / 2))
            let p1000 = ToneAnalysis.power(output[3...], frequency: 1000, sampleRate: 44100)
            let p400 = ToneAnalysis.power(output[3...], frequency: 400, sampleRate: 44100)
            #expect(abs(10 * log10(p1000 / p400)) < 0.5)
        }

        @Test func partialFramesAndBrokenChannelCounts() {
            let bytes: [UInt8] = [0x12, 0x34, 0xFF, 0xFE, 0x80]
            func decode(_ payload: [UInt8], channels: Int, capacity: Int = 10) -> [Int16] {
                payload.withUnsafeBytes { b in withGuardedOutput(capacity: capacity) { L16Decoder(channels: channels).decode(b, into: $0, capacity: capacity) } }.output
            }
            #expect(decode(bytes, channels: 1) == [0x1234, -2])
            #expect(decode(bytes, channels: 2) == [Int16((0x1234 - 2) / 2)])
            #expect(decode(bytes, channels: 3) == [])
            #expect(decode(bytes, channels: 0) == [0x1234, -2])
            #expect(decode(bytes, channels: -4) == [0x1234, -2])
            #expect(decode(bytes, channels: .max) == [])
            #expect(decode(bytes, channels: 1, capacity: 1) == [0x1234])
            #expect(decode([], channels: 1) == [])
        }
    }
}

extension CodecDecoderTests {
    /// Random payloads of every length from 0 to 300 bytes into every decoder: counts stay within the
    /// capacity, the memory past it stays untouched, and what each decoder promises for the length holds.
    @Suite struct HostilePayloads {
        @Test func g722() {
            var rng = SeededGenerator(seed: 722)
            let decoder = G722Decoder()
            for length in 0...300 {
                let payload = randomPayload(length: length, &rng)
                for capacity in [0, 77, 600] {
                    let n = payload.withUnsafeBytes { b in withGuardedOutput(capacity: capacity) { decoder.decode(b, into: $0, capacity: capacity) } }.count
                    #expect(n == min(2 * length, capacity / 2 * 2))
                }
            }
        }

        @Test func g729() {
            var rng = SeededGenerator(seed: 729)
            let decoder = G729Decoder()
            for length in 0...300 {
                let payload = randomPayload(length: length, &rng)
                let expected = (length / 10 + (length % 10 == 2 ? 1 : 0)) * 80
                for capacity in [0, 77, 3000] {
                    let n = payload.withUnsafeBytes { b in withGuardedOutput(capacity: capacity) { decoder.decode(b, into: $0, capacity: capacity) } }.count
                    #expect(n == min(expected, capacity))
                }
                #expect(withGuardedOutput(capacity: 100) { decoder.conceal(frames: 1000, into: $0, capacity: 100) }.count == 100)
            }
        }

        @Test func opus() {
            var rng = SeededGenerator(seed: 51)
            for rate in [8000, 16000, 48000] {
                let decoder = OpusDecoder(sampleRate: rate)!
                var decodedSome = 0
                for length in 0...300 {
                    var payload = randomPayload(length: length, &rng)
                    // Half of them with a plausible TOC byte (SILK/CELT, 20 ms, one frame), to reach deeper.
                    if length > 0, length % 2 == 0 { payload[0] = payload[0] & 0xF8 | 0x00 }
                    for capacity in [0, 77, decoder.maxFrameSamples] {
                        let n = payload.withUnsafeBytes { b in withGuardedOutput(capacity: capacity) { decoder.decode(b, into: $0, capacity: capacity) } }.count
                        #expect(n >= 0 && n <= capacity)
                        if n > 0, capacity == decoder.maxFrameSamples { decodedSome += 1; #expect(n % (rate / 400) == 0) }
                    }
                    let r = payload.withUnsafeBytes { next in
                        withGuardedOutput(capacity: 500) { decoder.recover(samples: rate / 50, from: next, into: $0, capacity: 500) }
                    }.count
                    #expect(r == min(rate / 50, 500))
                }
                #expect(decodedSome > 0)
            }
        }

        @Test func l16() {
            var rng = SeededGenerator(seed: 16)
            for channels in [1, 2, 6] {
                let decoder = L16Decoder(channels: channels)
                for length in 0...300 {
                    let payload = randomPayload(length: length, &rng)
                    for capacity in [0, 37, 400] {
                        let (n, out) = payload.withUnsafeBytes { b in withGuardedOutput(capacity: capacity) { decoder.decode(b, into: $0, capacity: capacity) } }
                        #expect(n == min(length / (2 * channels), capacity))
                        #expect(out == Array(ReferenceCodec.referenceDecodeL16(payload, channels: channels).prefix(capacity)))
                    }
                }
            }
        }
    }
}

