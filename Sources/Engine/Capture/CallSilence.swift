/// What the control plane silences on one call, as the capture thread carries it to the call's
/// recordings: whether the call is paused, and the agent's blackout with its stop once decided
/// (a stop may be decided ahead of its time). The tracker decides; each recording's gate applies
/// what it is sent. This is kept per call because the engine opens recordings by itself (at the
/// first packet, in a new segment): each one is given the silence that reaches it.
struct CallSilence {
    var paused = false
    private(set) var blackout: Blackout?

    struct Blackout {
        var startNanos: Int64
        var origin: String
        var stop: (nanos: Int64, reason: String)?
    }

    /// Takes a blackout start; false when one is already running (a second start changes nothing).
    mutating func start(atNanos nanos: Int64, origin: String) -> Bool {
        guard blackout == nil || blackout?.stop != nil else { return false }
        blackout = Blackout(startNanos: nanos, origin: origin)
        return true
    }

    /// Takes the running blackout's stop; false when none runs.
    mutating func stop(atNanos nanos: Int64, reason: String) -> Bool {
        guard blackout != nil, blackout?.stop == nil else { return false }
        blackout?.stop = (nanos, reason)
        return true
    }

    /// The gate commands, with their capture times, that a recording opened at `nanos` needs: the
    /// pause if one runs, and a blackout not yet over then, from no earlier than the opening.
    func gates(forRecordingOpenedAt nanos: Int64) -> [(command: GateCommand, nanos: Int64)] {
        var gates: [(command: GateCommand, nanos: Int64)] = []
        if paused { gates.append((.pause, nanos)) }
        if let blackout, blackout.stop.map({ $0.nanos > nanos }) ?? true {
            gates.append((.blackoutStart(origin: blackout.origin), max(blackout.startNanos, nanos)))
            if let stop = blackout.stop { gates.append((.blackoutEnd(reason: stop.reason), stop.nanos)) }
        }
        return gates
    }
}
