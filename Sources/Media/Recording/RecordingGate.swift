/// What a recording silences: its pauses and its blackouts, as intervals of frames, each applied
/// to the timeline as one silent stretch. Control decides the intervals (when a pause or a
/// blackout starts and stops, at the times the commands were accepted); the gate places them on
/// frames by `RecordingFrames`' rule (toward silence: a start never later, a stop late enough to
/// reach the audio of every packet captured before it) and says what the sidecar lists and which
/// digits it masks.
final class RecordingGate {
    struct Interval {
        var start: Int64
        /// nil while it runs.
        var end: Int64?
        let stretch: Int
        let origin: String
        /// How a blackout ended (`stopped`, `maxAgentBlackout`, `call ended`).
        var ended: String?
        /// The capture time it was asked to start at (a stop at or before it cancels it).
        let startNanos: Int64
    }

    private let timeline: RecordingTimeline
    private let startNanos: Int64
    private let sampleRate: Int
    private let serverId: String
    private var pauses: [Interval] = []
    private var blackouts: [Interval] = []

    init(timeline: RecordingTimeline, startNanos: Int64, sampleRate: Int, serverId: String) {
        self.timeline = timeline
        self.startNanos = startNanos
        self.sampleRate = sampleRate
        self.serverId = serverId
    }

    /// From capture time `nanos` on, every channel is written as silence; the timeline goes on.
    func pause(atNanos nanos: Int64) {
        open(&pauses, atNanos: nanos, origin: serverId)
    }

    /// Ends the pause at capture time `nanos`.
    func resume(atNanos nanos: Int64) {
        close(&pauses, atNanos: nanos, ended: nil)
    }

    /// From capture time `nanos` on, every channel is silence: the agent's blackout, started by
    /// `origin`. A start before the recording's own start counts from the first frame.
    func startBlackout(atNanos nanos: Int64, origin: String) {
        open(&blackouts, atNanos: nanos, origin: origin)
    }

    /// Ends the blackout at capture time `nanos`; `reason` is how it ended.
    func endBlackout(atNanos nanos: Int64, reason: String) {
        close(&blackouts, atNanos: nanos, ended: reason)
    }

    /// The recording ends at `nanos` (nil: with its last audio): what still runs ends there.
    func closeAll(atNanos nanos: Int64?) {
        close(&pauses, atNanos: nanos ?? Int64.max, ended: nil)
        close(&blackouts, atNanos: nanos ?? Int64.max, ended: "call ended")
    }

    private func open(_ intervals: inout [Interval], atNanos nanos: Int64, origin: String) {
        guard intervals.last.map({ $0.end != nil }) ?? true else { return }
        // Frames already written cannot be silenced any more.
        let frame = max(0, timeline.committed, RecordingFrames.frame(at: nanos, startNanos: startNanos, sampleRate: sampleRate))
        intervals.append(Interval(start: frame, end: nil, stretch: timeline.silence(from: frame), origin: origin,
                                  ended: nil, startNanos: nanos))
    }

    private func close(_ intervals: inout [Interval], atNanos nanos: Int64, ended: String?) {
        guard let last = intervals.last, last.end == nil else { return }
        // Stopped where (or before) it began, as a scheduled blackout cancelled: it silences nothing.
        let frame = nanos <= last.startNanos ? last.start
            : max(last.start, RecordingFrames.silenceEnd(atNanos: nanos, startNanos: startNanos, sampleRate: sampleRate))
        intervals[intervals.count - 1].end = frame
        intervals[intervals.count - 1].ended = ended
        timeline.endSilence(last.stretch, at: frame)
    }

    /// The digits, those that overlap a blackout without their value: they are never stored
    /// (the same rule a late blackout applies to a finished file's sidecar).
    func masking(_ digits: [Sidecar.Digit]) -> [Sidecar.Digit] {
        let rate = Double(sampleRate)
        return digits.map { digit in
            blackouts.contains { b in
                b.end.map { $0 > b.start } != false
                    && digit.overlaps(from: Double(b.start) / rate, to: b.end.map { Double($0) / rate } ?? .infinity)
            } ? digit.masking : digit
        }
    }

    /// The blackouts the sidecar lists for a file of `frames` frames (one that silenced nothing
    /// is left out).
    func sidecarBlackouts(frames: Int64) -> [Sidecar.Interval] {
        blackouts.compactMap { b in
            let start = min(b.start, frames), end = min(b.end ?? frames, frames)
            guard b.start < frames, end > start else { return nil }
            return Sidecar.Interval(start: seconds(start), end: seconds(end), origin: b.origin, ended: b.ended ?? "call ended")
        }
    }

    /// The pauses the sidecar lists for a file of `frames` frames.
    func sidecarPauses(frames: Int64) -> [Sidecar.Interval] {
        pauses.compactMap { p in
            let start = min(p.start, frames), end = min(p.end ?? frames, frames)
            guard end > start || p.start < frames else { return nil }
            return Sidecar.Interval(start: seconds(start), end: seconds(end), origin: p.origin)
        }
    }

    private func seconds(_ frame: Int64) -> Double {
        Double(frame) / Double(sampleRate)
    }
}
