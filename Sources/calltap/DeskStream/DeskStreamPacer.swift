import Glibc

/// Sends the streams in real time: packet k of every stream leaves at start + k × ptime, deadlines
/// taken from CLOCK_MONOTONIC and slept to with clock_nanosleep(TIMER_ABSTIME), so a late wake-up
/// delays one packet and never shifts the ones after it.
struct DeskStreamPacer {
    let streams: [DeskStream]
    let ptimeNanoseconds: Int64

    /// Streams until every file has ended (the shorter padded with silence) or SIGINT; returns
    /// the ticks sent (packets per stream) and whether it was interrupted.
    func run() -> (ticks: Int, interrupted: Bool) {
        // The first frames are encoded before the clock starts, so packet 0 leaves at once.
        guard prepareAll() else { return (0, false) }
        let start = Self.now()
        var tick = 0
        while true {
            if DeskInterrupt.raised { return (tick, true) }
            Self.sleep(until: start + Int64(tick) * ptimeNanoseconds)
            if DeskInterrupt.raised { return (tick, true) }
            for stream in streams { stream.send() }
            tick += 1
            // Encode the next frames while waiting for their deadline.
            if !prepareAll() { return (tick, false) }
        }
    }

    /// Prepares every stream's next frame; whether any still has audio from its file.
    private func prepareAll() -> Bool {
        var any = false
        for stream in streams {
            if stream.prepare() { any = true }
        }
        return any
    }

    static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// Sleeps until `deadline` (CLOCK_MONOTONIC nanoseconds); returns early on a signal, leaving
    /// the caller to look at the interrupt flag and come back.
    private static func sleep(until deadline: Int64) {
        var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while true {
            let status = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil)
            if status == EINTR, !DeskInterrupt.raised { continue }
            return
        }
    }
}
