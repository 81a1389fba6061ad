import CalltapTestSupport
import Media
import Testing

/// The one rule by which the live gate and a late blackout place an interval of capture time on a
/// file's frames: every frame that any part of `[from, to)` falls in is silenced, and
/// `stopLagSeconds` after `to` (so that every packet captured before it is silent), no more.
@Suite struct RecordingFramesTests {
    @Test(arguments: [8000, 16000, 44100, 48000])
    func silencedFramesCoverTheIntervalAndNoWholeFrameOutside(sampleRate: Int) {
        var random = SeededGenerator(seed: UInt64(sampleRate))
        let fileStart: Int64 = 1_764_000_000_123_456_789
        for _ in 0..<5_000 {
            let from = fileStart + Int64.random(in: 0...60_000_000_000, using: &random)
            let to = from + Int64.random(in: 1...5_000_000_000, using: &random)
            let frames = RecordingFrames.silenced(fromNanos: from, toNanos: to, startNanos: fileStart, sampleRate: sampleRate)
            func begins(_ frame: Int64) -> Int64 {
                RecordingFrames.nanos(atFrame: frame, startNanos: fileStart, sampleRate: sampleRate)
            }
            // The first silenced frame holds `from`; the frame after the last begins at or after
            // `stopLagSeconds` past `to`, and no whole frame beyond that is silenced.
            let stop = to + Int64(RecordingFrames.stopLagSeconds * 1e9)
            #expect(begins(frames.lowerBound) <= from && begins(frames.lowerBound + 1) > from, "start of \(from)…\(to)")
            #expect(begins(frames.upperBound) >= stop, "stop of \(from)…\(to) before its time")
            #expect(begins(frames.upperBound - 1) < stop, "a whole frame after \(stop) silenced")
        }
    }

    @Test func anIntervalBeforeTheFileSilencesFromItsFirstFrame() {
        let frames = RecordingFrames.silenced(fromNanos: 0, toNanos: 1_000_000_000 + 62_500, startNanos: 1_000_000_000, sampleRate: 8000)
        #expect(frames == 0..<961)   // the frame holding the stop, and 120 ms (960 frames) after it
        // A stop 30 ms before the file starts still reaches its first 90 ms.
        let justBefore = RecordingFrames.silenced(fromNanos: 0, toNanos: 1_000_000_000 - 30_000_000, startNanos: 1_000_000_000, sampleRate: 8000)
        #expect(justBefore == 0..<720)
        let before = RecordingFrames.silenced(fromNanos: 0, toNanos: 500, startNanos: 1_000_000_000, sampleRate: 8000)
        #expect(before.isEmpty)
    }
}
