import Foundation

/// Measurements of decoded audio: the strongest frequency, loudness, and where it is silent.
public enum ToneAnalysis {
    /// Power at one frequency (Goertzel).
    public static func power(_ samples: ArraySlice<Int16>, frequency: Double, sampleRate: Int) -> Double {
        let w = 2 * Double.pi * frequency / Double(sampleRate)
        let coefficient = 2 * cos(w)
        var s1 = 0.0, s2 = 0.0
        for x in samples {
            let s0 = Double(x) + coefficient * s1 - s2
            s2 = s1
            s1 = s0
        }
        return s1 * s1 + s2 * s2 - coefficient * s1 * s2
    }

    /// The frequency with the most power among `from...to` in steps of `step` Hz.
    public static func dominantFrequency(_ samples: ArraySlice<Int16>, sampleRate: Int,
                                         from: Double = 100, to: Double? = nil, step: Double = 5) -> Double {
        let top = to ?? Double(sampleRate) / 2 - 100
        var best = (frequency: 0.0, power: -1.0)
        var f = from
        while f <= top {
            let p = power(samples, frequency: f, sampleRate: sampleRate)
            if p > best.power { best = (f, p) }
            f += step
        }
        return best.frequency
    }

    public static func rms(_ samples: ArraySlice<Int16>) -> Double {
        guard !samples.isEmpty else { return 0 }
        var sum = 0.0
        for x in samples { sum += Double(x) * Double(x) }
        return (sum / Double(samples.count)).squareRoot()
    }

    /// Stretches of at least `minimumSeconds` whose 10 ms blocks all stay under `threshold` RMS,
    /// as (start, end) seconds.
    public static func silentIntervals(_ samples: [Int16], sampleRate: Int, threshold: Double = 64,
                                       minimumSeconds: Double = 0.2) -> [(start: Double, end: Double)] {
        let block = sampleRate / 100
        var intervals: [(Double, Double)] = []
        var runStart: Int? = nil
        var i = 0
        while i < samples.count {
            let end = min(samples.count, i + block)
            let quiet = rms(samples[i..<end]) < threshold
            if quiet, runStart == nil { runStart = i }
            if !quiet, let s = runStart {
                if Double(i - s) / Double(sampleRate) >= minimumSeconds {
                    intervals.append((Double(s) / Double(sampleRate), Double(i) / Double(sampleRate)))
                }
                runStart = nil
            }
            i = end
        }
        if let s = runStart, Double(samples.count - s) / Double(sampleRate) >= minimumSeconds {
            intervals.append((Double(s) / Double(sampleRate), Double(samples.count) / Double(sampleRate)))
        }
        return intervals
    }
}
