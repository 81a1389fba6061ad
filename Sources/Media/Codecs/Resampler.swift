import Foundation

/// A streaming sample-rate converter for one stream: a Kaiser-windowed sinc, applied as a
/// polyphase FIR, with the fractional position kept as an exact ratio so that output never drifts.
///
/// A final class rather than a struct: its history and filter are raw buffers allocated once in
/// `init`, and value semantics would invite copies that silently share them. One instance per
/// stream; not for sharing between threads.
public final class Resampler {
    /// The rates as used (clamped into 1000…384000 Hz, so that a broken SDP cannot ask for a
    /// filter of unbounded size).
    public let inputRate: Int
    public let outputRate: Int
    /// The delay the filter adds, in output samples: output sample `n` stands for the input at
    /// output time `n - latency`.
    public let latency: Int

    /// The reduced ratio: `up` / `down` = outputRate / inputRate.
    private let up: Int
    private let down: Int
    /// Coefficients per phase (a multiple of 4, for the unrolled dot product).
    private let taps: Int
    /// Rows in the coefficient table: `up` when every phase has its own row; fewer, with linear
    /// interpolation between neighbours, when `up` is so large that exact rows would not fit the
    /// memory budget (rates with no large common divisor, such as 44101 → 16000).
    private let rows: Int
    private let interpolates: Bool
    /// `rows + 1` rows of `taps` coefficients, oldest input first; each row sums to 1.
    private let coefficients: UnsafeMutablePointer<Float>
    /// `taps - 1` samples of history followed by one block of new input.
    private let work: UnsafeMutablePointer<Float>
    private let passthrough: Bool

    /// Phase of the next output within the current input sample, in 0..<up.
    private var phase = 0
    /// Index, among the new samples of the current block, of the newest input the next output needs.
    private var position = 0

    private static let blockSamples = 512
    private static let stopBandDecibels = 80.0
    /// Passband edge and stop-band edge as fractions of the lower Nyquist frequency: the stop band
    /// starts exactly at Nyquist, so nothing aliases, and 3.36 kHz of an 8 kHz stream passes flat.
    private static let passEdge = 0.84
    private static let stopEdge = 1.0
    private static let maxTaps = 2048
    private static let coefficientBudget = 1 << 18
    private static let interpolatedRows = 256

    public init(from inputRate: Int, to outputRate: Int) {
        let input = min(384_000, max(1000, inputRate))
        let output = min(384_000, max(1000, outputRate))
        self.inputRate = input
        self.outputRate = output
        let divisor = Self.gcd(input, output)
        up = output / divisor
        down = input / divisor
        passthrough = input == output
        let plan = Self.plan(input: input, output: output, up: up, down: down)
        taps = plan.taps
        rows = plan.rows
        interpolates = plan.interpolates
        latency = plan.latency
        if passthrough {
            coefficients = .allocate(capacity: 1)
            coefficients.initialize(to: 1)
            work = .allocate(capacity: 1)
            work.initialize(to: 0)
        } else {
            coefficients = Self.design(rows: rows, taps: taps, half: plan.half, cutoff: plan.cutoff)
            work = .allocate(capacity: taps - 1 + Self.blockSamples)
            work.initialize(repeating: 0, count: taps - 1 + Self.blockSamples)
        }
    }

    deinit {
        coefficients.deallocate()
        work.deallocate()
    }

    /// The filter's size: its half-length `half` in prototype samples (at `rows` × the input
    /// rate), the coefficients per row, the cutoff as a fraction of the prototype rate, and the
    /// latency in output samples.
    private static func plan(input: Int, output: Int, up: Int, down: Int)
        -> (taps: Int, rows: Int, half: Int, interpolates: Bool, latency: Int, cutoff: Double) {
        guard input != output else { return (4, 1, 0, false, 0, 0.5) }
        // Kaiser's estimate of the length for the stop band, over a transition of
        // (stopEdge - passEdge) × the lower Nyquist frequency, in input samples.
        let nyquist = Double(min(input, output)) / 2
        let transition = (stopEdge - passEdge) * nyquist / Double(input)
        let span = (stopBandDecibels - 7.95) / (14.36 * transition)
        let exactTaps = roundUp(Int(span.rounded(.up)) + 1, to: 4)
        let interpolates = up * min(exactTaps, maxTaps) > coefficientBudget
        let rows = interpolates ? interpolatedRows : up
        // In the exact case the half-length is a whole number of output steps, so the latency is a
        // whole number of output samples; interpolated, a whole number of input samples.
        let step = interpolates ? rows : down
        let wanted = Int((span * Double(rows) / 2).rounded(.up))
        var half = roundUp(max(wanted, 1), to: step)
        let cap = (maxTaps * rows - 1) / 2
        if half > cap { half = max(step, cap - cap % step) }
        let taps = roundUp((2 * half + 1 + rows - 1) / rows, to: 4)
        let latency = interpolates ? Int((Double(half / rows) * Double(output) / Double(input)).rounded()) : half / down
        let cutoff = (passEdge + stopEdge) / 2 * nyquist / (Double(input) * Double(rows))
        return (taps, rows, half, interpolates, latency, cutoff)
    }

    /// The most samples `process` can produce from `count` input samples, to size its buffer.
    public func outputCapacity(forInputCount count: Int) -> Int {
        guard count > 0 else { return 0 }
        return passthrough ? count : (count * up + down - 1) / down + 1
    }

    /// Converts `count` input samples; returns the number of output samples written (at most
    /// `capacity`). Outputs beyond `capacity` are dropped, but the input is always consumed in full,
    /// so the stream stays in step. Over a run, the output count is `ceil(n × out / in)` for `n`
    /// inputs, however the input is cut into calls.
    public func process(_ input: UnsafePointer<Int16>, count: Int, into output: UnsafeMutablePointer<Int16>, capacity: Int) -> Int {
        guard count > 0 else { return 0 }
        if passthrough {
            let n = min(count, max(0, capacity))
            if n > 0 { output.update(from: input, count: n) }
            return n
        }
        let history = taps - 1
        var written = 0
        var consumed = 0
        while consumed < count {
            let n = min(Self.blockSamples, count - consumed)
            let fresh = work + history
            for k in 0..<n { fresh[k] = Float(input[consumed + k]) }
            while position < n {
                if written < capacity {
                    output[written] = filtered(window: work + position)
                    written += 1
                }
                phase += down
                position += phase / up
                phase %= up
            }
            position -= n
            // Keep the newest `history` samples at the front; the regions overlap, and copying
            // forward is safe because the destination lies before the source.
            for k in 0..<history { work[k] = work[n + k] }
            consumed += n
        }
        return written
    }

    /// Forget history (after a gap in the stream): the next input starts as if after silence.
    public func reset() {
        if !passthrough { work.update(repeating: 0, count: taps - 1) }
        phase = 0
        position = 0
    }

    /// One output sample from the `taps` inputs starting at `window` (oldest first).
    @inline(__always)
    private func filtered(window: UnsafePointer<Float>) -> Int16 {
        let y: Float
        if interpolates {
            let fine = phase * rows
            let row = fine / up
            let fraction = Float(fine % up) / Float(up)
            let a = dot(coefficients + row * taps, window)
            let b = dot(coefficients + (row + 1) * taps, window)
            y = a + fraction * (b - a)
        } else {
            y = dot(coefficients + phase * taps, window)
        }
        let r = y.rounded()
        return r >= 32767 ? .max : r <= -32768 ? .min : Int16(r)
    }

    @inline(__always)
    private func dot(_ c: UnsafePointer<Float>, _ x: UnsafePointer<Float>) -> Float {
        // Four running sums: a fixed order (so chunked and one-shot runs agree to the bit) that
        // the optimiser can still turn into vector operations.
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var j = 0
        while j < taps {
            s0 += c[j] * x[j]
            s1 += c[j + 1] * x[j + 1]
            s2 += c[j + 2] * x[j + 2]
            s3 += c[j + 3] * x[j + 3]
            j += 4
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// The prototype low-pass at `rows` × the input rate, `2 half + 1` long, cut into `rows + 1`
    /// rows of `taps` (row `rows` is row 0 one input later, the far end for interpolation).
    private static func design(rows: Int, taps: Int, half: Int, cutoff: Double) -> UnsafeMutablePointer<Float> {
        let beta = 0.1102 * (stopBandDecibels - 8.7)
        let i0Beta = besselI0(beta)
        func h(_ m: Int) -> Double {
            guard m >= 0, m <= 2 * half else { return 0 }
            let t = Double(m - half)
            let ratio = t / Double(half)
            let window = besselI0(beta * (max(0, 1 - ratio * ratio)).squareRoot()) / i0Beta
            let x = 2 * cutoff * t
            let sinc = x == 0 ? 1 : sin(Double.pi * x) / (Double.pi * x)
            return 2 * cutoff * sinc * window
        }
        let table = UnsafeMutablePointer<Float>.allocate(capacity: (rows + 1) * taps)
        var row = [Double](repeating: 0, count: taps)
        for r in 0...rows {
            var sum = 0.0
            for j in 0..<taps {
                // Column j meets input `taps - 1 - j` samples before the newest.
                row[j] = h(r + (taps - 1 - j) * rows)
                sum += row[j]
            }
            // Each phase passes DC at exactly unity, so no phase-dependent ripple at low frequency.
            let scale = sum != 0 ? 1 / sum : 0
            for j in 0..<taps { (table + r * taps + j).initialize(to: Float(row[j] * scale)) }
        }
        return table
    }

    private static func besselI0(_ x: Double) -> Double {
        var sum = 1.0, term = 1.0, k = 1.0
        let quarter = x * x / 4
        while term > 1e-12 * sum {
            term *= quarter / (k * k)
            sum += term
            k += 1
        }
        return sum
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    private static func roundUp(_ value: Int, to multiple: Int) -> Int {
        (value + multiple - 1) / multiple * multiple
    }
}
