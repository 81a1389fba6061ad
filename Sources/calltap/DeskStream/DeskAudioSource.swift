import Media

/// One WAV file as a sequence of codec frames: mixed down to mono, resampled to the codec's rate,
/// cut into frames of one packet each; the last frame is padded with silence.
///
/// The resampler's filter delay is taken out (its first `latency` outputs are dropped and the
/// tail flushed with zeros), so frame 0 starts with the file's first sample whatever the file's
/// rate, and the microphone and speaker stay aligned to each other. Buffers are allocated once.
final class DeskAudioSource {
    let input: SoundFileInput
    let frameSamples: Int
    /// Samples at the codec rate this file yields: ceil(frames × rate / file rate).
    private(set) var expectedSamples: Int?

    private let resampler: Resampler
    private static let chunk = 1024
    private let readBuffer: UnsafeMutablePointer<Int16>
    private let resampled: UnsafeMutablePointer<Int16>
    private let resampledCapacity: Int
    /// Resampled samples not yet handed out, from index 0.
    private let pending: UnsafeMutablePointer<Int16>
    private let pendingCapacity: Int
    private var pendingCount = 0
    /// Filter-delay samples still to drop at the start.
    private var toSkip: Int
    /// Samples handed to `pending` so far (after the skip).
    private var produced = 0
    private var inputFrames = 0
    private var endOfFile = false
    private var finished = false

    init(input: SoundFileInput, rate: Int, frameSamples: Int) {
        self.input = input
        self.frameSamples = frameSamples
        resampler = Resampler(from: input.sampleRate, to: rate)
        toSkip = resampler.latency
        readBuffer = .allocate(capacity: Self.chunk)
        readBuffer.initialize(repeating: 0, count: Self.chunk)
        resampledCapacity = resampler.outputCapacity(forInputCount: Self.chunk)
        resampled = .allocate(capacity: resampledCapacity)
        pendingCapacity = frameSamples + resampledCapacity
        pending = .allocate(capacity: pendingCapacity)
    }

    deinit {
        readBuffer.deallocate()
        resampled.deallocate()
        pending.deallocate()
    }

    /// Writes the next frame into `frame` (`frameSamples` long); false once the file's audio has
    /// all been handed out, and then `frame` is untouched.
    func nextFrame(into frame: UnsafeMutablePointer<Int16>) -> Bool {
        while pendingCount < frameSamples && !finished { refill() }
        guard pendingCount > 0 else { return false }
        let n = min(frameSamples, pendingCount)
        frame.update(from: pending, count: n)
        if n < frameSamples { (frame + n).update(repeating: 0, count: frameSamples - n) }
        pendingCount -= n
        if pendingCount > 0 { pending.update(from: pending + n, count: pendingCount) }
        return true
    }

    /// Reads and resamples one chunk; after the end of the file, feeds zeros until the filter has
    /// given out the file's last sample.
    private func refill() {
        let n: Int
        if !endOfFile {
            n = input.readMono(into: readBuffer, capacity: Self.chunk)
            if n == 0 {
                endOfFile = true
                input.close()
                let rate = resampler.outputRate, fileRate = resampler.inputRate
                let expected = (inputFrames * rate + fileRate - 1) / fileRate
                expectedSamples = expected
                // From now on the buffer holds the zeros that flush the filter.
                readBuffer.update(repeating: 0, count: Self.chunk)
                if produced >= expected { finished = true }
                return
            }
            inputFrames += n
        } else {
            n = Self.chunk
        }
        var written = resampler.process(readBuffer, count: n, into: resampled, capacity: resampledCapacity)
        var start = 0
        if toSkip > 0 {
            start = min(toSkip, written)
            toSkip -= start
        }
        if let expected = expectedSamples { written = min(written, start + expected - produced) }
        let count = max(0, written - start)
        (pending + pendingCount).update(from: resampled + start, count: count)
        pendingCount += count
        produced += count
        if let expected = expectedSamples, produced >= expected { finished = true }
    }
}
