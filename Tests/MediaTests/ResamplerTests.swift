import CalltapTestSupport
import Foundation
import Testing
@testable import Media

/// Runs `input` through `resampler` in calls of the given sizes (cycled), or in one call.
private func resample(_ resampler: Resampler, _ input: [Int16], chunks: [Int]? = nil) -> [Int16] {
    var output: [Int16] = []
    var start = 0
    var k = 0
    while start < input.count {
        let n = min(chunks.map { $0[k % $0.count] } ?? input.count, input.count - start)
        let capacity = resampler.outputCapacity(forInputCount: n)
        var buffer = [Int16](repeating: 0, count: capacity)
        let written = input.withUnsafeBufferPointer { i in
            buffer.withUnsafeMutableBufferPointer { resampler.process(i.baseAddress! + start, count: n, into: $0.baseAddress!, capacity: capacity) }
        }
        #expect(written <= capacity)
        output += buffer.prefix(written)
        start += n
        k += 1
    }
    return output
}

/// The exact output count for `n` inputs: ceil(n × out / in).
private func expectedCount(_ n: Int, from input: Int, to output: Int) -> Int {
    (n * output + input - 1) / input
}

/// Amplitude of a tone at `frequency` in `samples` (Goertzel over the whole slice).
private func amplitude(_ samples: ArraySlice<Int16>, frequency: Double, sampleRate: Int) -> Double {
    2 * ToneAnalysis.power(samples, frequency: frequency, sampleRate: sampleRate).squareRoot() / Double(samples.count)
}

/// A whole number of periods of `frequency` at `rate`, about `seconds` long, starting at `offset`:
/// Goertzel over whole periods has no leakage, so levels compare to hundredths of a dB.
private func wholePeriods(_ samples: [Int16], frequency: Double, rate: Int, offset: Int, seconds: Double = 0.5) -> ArraySlice<Int16> {
    let period = Double(rate) / frequency
    let periods = (seconds * frequency).rounded(.down)
    var n = Int((periods * period).rounded())
    // Rates where a period is not a whole number of samples: pick the count closest to whole periods.
    var best = (n, 1.0)
    for m in (n - 50)...(n + 50) where m > 0 {
        let err = abs(Double(m) / period - (Double(m) / period).rounded())
        if err < best.1 { best = (m, err) }
    }
    n = best.0
    return samples[offset..<(offset + n)]
}

@Suite struct ResamplerTests {
    /// Tones within the passband keep their frequency and level.
    @Test(arguments: [(8000, 16000, 1000.0), (8000, 16000, 400.0), (8000, 16000, 3300.0),
                      (16000, 8000, 1000.0), (16000, 8000, 400.0), (16000, 8000, 3300.0),
                      (48000, 16000, 1000.0), (48000, 16000, 6500.0), (48000, 8000, 400.0),
                      (44100, 16000, 1000.0), (44100, 16000, 400.0), (44100, 8000, 3000.0),
                      (32000, 16000, 1000.0), (16000, 48000, 5000.0), (11025, 16000, 1000.0),
                      (44101, 16000, 1000.0)])
    func passbandToneKeepsFrequencyAndLevel(from inRate: Int, to outRate: Int, frequency: Double) {
        let input = ToneSynthesis.sine(frequency: frequency, sampleRate: inRate, count: inRate, amplitude: 10000)
        let resampler = Resampler(from: inRate, to: outRate)
        let output = resample(resampler, input, chunks: [inRate / 50])
        #expect(output.count == outRate)
        let steady = wholePeriods(output, frequency: frequency, rate: outRate, offset: outRate / 4)
        let level = 20 * log10(amplitude(steady, frequency: frequency, sampleRate: outRate) / 10000)
        #expect(abs(level) <= 0.5, "\(inRate)→\(outRate) at \(frequency) Hz: \(level) dB")
        #expect(abs(level) <= 0.05, "passband ripple larger than designed: \(level) dB")
        let peak = ToneAnalysis.dominantFrequency(steady, sampleRate: outRate, from: frequency - 200, to: frequency + 200, step: 2)
        #expect(abs(peak - frequency) <= 2)
        // What is left after taking the tone out is noise: at least 60 dB down. (44101 → 16000 has
        // no useful common divisor, so its latency is a rounded, fractional delay: no exact ideal.)
        guard inRate != 44101 else { return }
        let clean = ToneSynthesis.sine(frequency: frequency, sampleRate: outRate, offset: outRate / 4 - resampler.latency,
                                       count: steady.count, amplitude: 10000)
        var noise = 0.0
        for (a, b) in zip(steady, clean) { noise += (Double(a) - Double(b)) * (Double(a) - Double(b)) }
        let snr = 10 * log10(Double(steady.count) * 5e7 / max(noise, 1e-9))
        #expect(snr >= 60, "\(inRate)→\(outRate): SNR \(snr) dB against the ideal tone delayed by the latency")
        print("Resampler passband \(inRate)→\(outRate) at \(frequency) Hz: level \(level) dB, SNR \(snr) dB")
    }

    /// Tones above the lower Nyquist frequency are removed, not folded into the band.
    @Test(arguments: [(16000, 8000, 6000.0, 2000.0), (16000, 8000, 4300.0, 3700.0), (48000, 8000, 10000.0, 2000.0),
                      (48000, 16000, 9000.0, 7000.0), (44100, 16000, 12000.0, 4000.0), (44100, 8000, 5000.0, 3000.0),
                      (32000, 16000, 8500.0, 7500.0)])
    func outOfBandToneIsAttenuated(from inRate: Int, to outRate: Int, frequency: Double, alias: Double) {
        let input = ToneSynthesis.sine(frequency: frequency, sampleRate: inRate, count: inRate, amplitude: 10000)
        let output = resample(Resampler(from: inRate, to: outRate), input, chunks: [inRate / 50])
        let steady = output[(outRate / 4)...]
        let aliasLevel = 20 * log10(max(amplitude(steady, frequency: alias, sampleRate: outRate), 1e-3) / 10000)
        let total = 20 * log10(max(ToneAnalysis.rms(steady) * 2.squareRoot(), 1e-3) / 10000)
        print("Resampler stop band \(inRate)→\(outRate), \(frequency) Hz: alias at \(alias) Hz \(aliasLevel) dB, all \(total) dB")
        #expect(aliasLevel <= -60)
        #expect(total <= -60)
    }

    /// Upsampling leaves no image of the tone above the old Nyquist frequency.
    @Test func upsamplingLeavesNoImage() {
        let input = ToneSynthesis.sine(frequency: 1000, sampleRate: 8000, count: 8000, amplitude: 10000)
        let output = resample(Resampler(from: 8000, to: 16000), input, chunks: [160])
        let steady = output[4000...]
        let image = amplitude(steady, frequency: 7000, sampleRate: 16000)
        let tone = amplitude(steady, frequency: 1000, sampleRate: 16000)
        #expect(20 * log10(image / tone) <= -60)
    }

    /// Over 10 s in 20 ms packets the output count is the exact ratio (rounded up), never drifting.
    @Test(arguments: [(8000, 16000), (16000, 8000), (48000, 16000), (44100, 16000), (44100, 8000), (32000, 16000),
                      (48000, 8000), (11025, 16000), (44101, 16000), (22050, 48000)])
    func countOverTenSecondsIsExact(from inRate: Int, to outRate: Int) {
        let resampler = Resampler(from: inRate, to: outRate)
        let packet = inRate / 50
        var buffer = [Int16](repeating: 0, count: resampler.outputCapacity(forInputCount: packet))
        let input = ToneSynthesis.sine(frequency: 440, sampleRate: inRate, count: packet, amplitude: 5000)
        var total = 0
        var fed = 0
        for _ in 0..<500 {
            total += input.withUnsafeBufferPointer { i in
                buffer.withUnsafeMutableBufferPointer { resampler.process(i.baseAddress!, count: packet, into: $0.baseAddress!, capacity: $0.count) }
            }
            fed += packet
            #expect(abs(total - fed * outRate / inRate) <= 1)
        }
        #expect(total == expectedCount(fed, from: inRate, to: outRate))
    }

    /// Packet by packet, in odd sizes, the output is the one-shot output sample for sample.
    @Test(arguments: [(8000, 16000), (16000, 8000), (48000, 16000), (44100, 16000), (44100, 8000), (32000, 16000),
                      (44101, 16000), (8000, 44100)])
    func chunkedEqualsOneShot(from inRate: Int, to outRate: Int) {
        var rng = SeededGenerator(seed: UInt64(inRate * 7 + outRate))
        var input = ToneSynthesis.sine(frequency: 700, sampleRate: inRate, count: inRate / 2, amplitude: 9000)
        for i in input.indices { input[i] &+= Int16.random(in: -2000...2000, using: &rng) }
        let oneShot = resample(Resampler(from: inRate, to: outRate), input)
        #expect(oneShot.count == expectedCount(input.count, from: inRate, to: outRate))
        let sizes = (0..<40).map { _ in Int.random(in: 1...1300, using: &rng) }
        #expect(resample(Resampler(from: inRate, to: outRate), input, chunks: sizes) == oneShot)
        #expect(resample(Resampler(from: inRate, to: outRate), input, chunks: [1, 3, 7, 160, 441, 2]) == oneShot)
    }

    /// An impulse comes out `latency` output samples after its own time.
    @Test(arguments: [(8000, 16000), (16000, 8000), (48000, 16000), (44100, 16000), (32000, 16000), (16000, 16000)])
    func latencyIsTheImpulsesDelay(from inRate: Int, to outRate: Int) {
        let resampler = Resampler(from: inRate, to: outRate)
        // The impulse at an input index that falls on an output sample.
        let divisor = gcd(inRate, outRate)
        let at = (inRate / divisor) * (200 * divisor / outRate + 1)
        var input = [Int16](repeating: 0, count: inRate / 10)
        input[at] = 20000
        let output = resample(resampler, input)
        let peak = output.indices.max { abs(Int(output[$0])) < abs(Int(output[$1])) }!
        #expect(peak == at * outRate / inRate + resampler.latency)
        #expect(resampler.latency >= 0 && resampler.latency < outRate / 100)
    }

    @Test func sameRatePassesThrough() {
        let input = ToneSynthesis.sine(frequency: 1000, sampleRate: 16000, count: 1000)
        let resampler = Resampler(from: 16000, to: 16000)
        #expect(resampler.latency == 0)
        #expect(resample(resampler, input, chunks: [7, 100]) == input)
    }

    @Test func resetForgetsHistory() {
        var rng = SeededGenerator(seed: 1)
        let first = (0..<3000).map { _ in Int16.random(in: -10000...10000, using: &rng) }
        let second = ToneSynthesis.sine(frequency: 500, sampleRate: 48000, count: 4800)
        let resampler = Resampler(from: 48000, to: 16000)
        _ = resample(resampler, first, chunks: [333])
        resampler.reset()
        #expect(resample(resampler, second, chunks: [960]) == resample(Resampler(from: 48000, to: 16000), second))
    }

    @Test func capacityDropsOutputButKeepsTheStreamInStep() {
        let input = ToneSynthesis.sine(frequency: 1000, sampleRate: 8000, count: 320)
        let full = resample(Resampler(from: 8000, to: 16000), input)
        let resampler = Resampler(from: 8000, to: 16000)
        var buffer = [Int16](repeating: 0x5A5A, count: 400)
        let n = input.withUnsafeBufferPointer { i in
            buffer.withUnsafeMutableBufferPointer { resampler.process(i.baseAddress!, count: 160, into: $0.baseAddress!, capacity: 100) }
        }
        #expect(n == 100)
        #expect(buffer[100...].allSatisfy { $0 == 0x5A5A })
        #expect(Array(buffer.prefix(100)) == Array(full.prefix(100)))
        let rest = input.withUnsafeBufferPointer { i in
            buffer.withUnsafeMutableBufferPointer { resampler.process(i.baseAddress! + 160, count: 160, into: $0.baseAddress!, capacity: 400) }
        }
        #expect(Array(buffer.prefix(rest)) == Array(full[320...]))
    }

    @Test func brokenRatesAreClampedNotTrapped() {
        for (a, b) in [(0, 8000), (-5, 16000), (Int.max, 8000), (8000, Int.min), (1, 1), (384_000, 8000), (8000, 999_999)] {
            let resampler = Resampler(from: a, to: b)
            #expect((1000...384_000).contains(resampler.inputRate) && (1000...384_000).contains(resampler.outputRate))
            let input = ToneSynthesis.sine(frequency: 300, sampleRate: resampler.inputRate, count: 2000)
            let output = resample(resampler, input, chunks: [500])
            #expect(output.count == expectedCount(2000, from: resampler.inputRate, to: resampler.outputRate))
        }
        let resampler = Resampler(from: 8000, to: 16000)
        var out: Int16 = 0
        #expect([Int16(1)].withUnsafeBufferPointer { resampler.process($0.baseAddress!, count: 0, into: &out, capacity: 1) } == 0)
        #expect([Int16(1)].withUnsafeBufferPointer { resampler.process($0.baseAddress!, count: -3, into: &out, capacity: 1) } == 0)
    }
}

private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
