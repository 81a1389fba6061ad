/// Where capture times fall in a recording's file: the one rule by which the live gate and a
/// blackout written into a finished file (`Late`) count frames, so that the same interval lands on
/// the same frames whichever path applies it.
public enum RecordingFrames {
    /// Beyond this many frames from the start a position is nonsense (about 3 years at 48 kHz).
    public static let far: Int64 = 1 << 42

    /// The frame of a file starting at `startNanos` that holds what was captured at `nanos`.
    /// Saturates far from the start (a capture whose clock jumps by days must not trap).
    @inline(__always)
    public static func frame(at nanos: Int64, startNanos: Int64, sampleRate: Int) -> Int64 {
        let (delta, o1) = nanos.subtractingReportingOverflow(startNanos)
        let (scaled, o2) = delta.multipliedReportingOverflow(by: Int64(sampleRate))
        if o1 || o2 { return delta < 0 ? -far : far }
        return scaled / 1_000_000_000
    }

    /// The first frame that starts at or after `nanos`: where silence that ends at `nanos` ends.
    public static func frame(atOrAfter nanos: Int64, startNanos: Int64, sampleRate: Int) -> Int64 {
        let frame = frame(at: nanos, startNanos: startNanos, sampleRate: sampleRate)
        guard abs(frame) < far, self.nanos(atFrame: frame, startNanos: startNanos, sampleRate: sampleRate) < nanos else {
            return frame
        }
        return frame + 1
    }

    /// When frame `frame` of a file starting at `startNanos` begins.
    public static func nanos(atFrame frame: Int64, startNanos: Int64, sampleRate: Int) -> Int64 {
        startNanos + (frame * 1_000_000_000 + Int64(sampleRate) - 1) / Int64(sampleRate)
    }

    /// How far past a stop its silence reaches, so that the audio of every packet captured before
    /// the stop is silent: a packet's audio begins where its RTP timestamp places it, which is up
    /// to the stream clock's tolerance after its capture time (a stream anchored at a first packet
    /// that came late runs that far behind when it cannot move back: it started with the
    /// recording, or shares its channel), and lasts the packet's length (up to 60 ms; 20 ms is
    /// usual).
    public static let stopLagSeconds = StreamClock.toleranceSeconds + 0.060

    /// Where silence asked to stop at capture time `nanos` ends: `stopLagSeconds` past the first
    /// frame at or after it. A stop is late rather than early.
    public static func silenceEnd(atNanos nanos: Int64, startNanos: Int64, sampleRate: Int) -> Int64 {
        let frame = frame(atOrAfter: nanos, startNanos: startNanos, sampleRate: sampleRate)
        guard abs(frame) < far else { return frame }
        return frame + Int64((stopLagSeconds * Double(sampleRate)).rounded(.up))
    }

    /// The frames that silence over capture times `[from, to)` covers, rounded toward silence: from
    /// the frame holding `from` to `silenceEnd(to)`, never before frame 0.
    public static func silenced(fromNanos from: Int64, toNanos to: Int64, startNanos: Int64, sampleRate: Int) -> Range<Int64> {
        let first = max(0, frame(at: from, startNanos: startNanos, sampleRate: sampleRate))
        return first..<max(first, silenceEnd(atNanos: to, startNanos: startNanos, sampleRate: sampleRate))
    }
}
