@testable import Engine
import Testing

/// The silence a call carries to recordings it opens later (a record command, a new segment).
@Suite struct CallSilenceTests {
    func describe(_ gates: [(command: GateCommand, nanos: Int64)]) -> [String] {
        gates.map { gate in
            switch gate.command {
            case .pause: "pause@\(gate.nanos)"
            case .resume: "resume@\(gate.nanos)"
            case .metadata: "metadata@\(gate.nanos)"
            case .blackoutStart(let origin): "start(\(origin))@\(gate.nanos)"
            case .blackoutEnd(let reason): "end(\(reason))@\(gate.nanos)"
            }
        }
    }

    @Test func aRecordingOpenedInsideABlackoutIsSilentFromItsOpeningToTheDecidedStop() {
        var silence = CallSilence()
        #expect(describe(silence.gates(forRecordingOpenedAt: 50)).isEmpty)
        let started = silence.start(atNanos: 100, origin: "a")
        #expect(started)
        let startedAgain = silence.start(atNanos: 120, origin: "b")
        #expect(!startedAgain, "a running blackout is not started again")
        #expect(describe(silence.gates(forRecordingOpenedAt: 80)) == ["start(a)@100"])
        #expect(describe(silence.gates(forRecordingOpenedAt: 150)) == ["start(a)@150"])
        // A stop decided ahead of its time still reaches a recording opened before it.
        let stopped = silence.stop(atNanos: 300, reason: "stopped")
        #expect(stopped)
        let stoppedAgain = silence.stop(atNanos: 400, reason: "stopped")
        #expect(!stoppedAgain, "a stopped blackout is not stopped again")
        #expect(describe(silence.gates(forRecordingOpenedAt: 200)) == ["start(a)@200", "end(stopped)@300"])
        #expect(describe(silence.gates(forRecordingOpenedAt: 300)).isEmpty)
        // After a stop, a new blackout may start.
        let startedAfterStop = silence.start(atNanos: 500, origin: "b")
        #expect(startedAfterStop)
        #expect(describe(silence.gates(forRecordingOpenedAt: 600)) == ["start(b)@600"])
    }

    @Test func aPausedCallPausesTheRecordingsItOpens() {
        var silence = CallSilence()
        silence.paused = true
        let started = silence.start(atNanos: 10, origin: "a")
        #expect(started)
        #expect(describe(silence.gates(forRecordingOpenedAt: 20)) == ["pause@20", "start(a)@20"])
        silence.paused = false
        #expect(describe(silence.gates(forRecordingOpenedAt: 30)) == ["start(a)@30"])
    }
}
