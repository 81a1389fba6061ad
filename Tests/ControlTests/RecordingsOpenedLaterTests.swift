import CalltapTestSupport
import Control
import Engine
import Foundation
import Testing

/// A recording opened while its call is silenced (a record start or a duplicate during a
/// blackout or a pause) is silent from its first frame: Control gives each recording it learns of
/// what silences it, the engine keeps no copy. SIPp's call (700 Hz caller, 1100 Hz callee), agent
/// `callee` on demand; times are seconds after the first packet.
@Suite struct RecordingsOpenedLaterTests {
    static let agent = AgentProfile(id: 2, phone: "callee", systemUsername: "me", policy: .onDemand)

    enum Step {
        case blackout(BlackoutCommand.Action)
        case record(RecordCommand.Action)
    }

    @Test func recordingsOpenedDuringABlackoutOrAPauseAreSilentFromTheirStart() throws {
        let storage = RepositoryPaths.temporaryDirectory("calltap-opened-later")
        var configuration = ServerConfiguration()
        configuration.engine.storageRoot = storage
        configuration.engine.mediaWorkers = 1
        configuration.agents = [Self.agent]
        let engine = CaptureEngine(configuration: configuration.engine)
        let plane = ControlPlane(configuration: configuration, engine: engine, store: nil)
        let reference = AgentReference(kind: .phone, value: "callee")
        let steps: [(Double, Step)] = [
            (0.5, .blackout(.start)),
            (1.0, .record(.start)),          // the primary opens inside the blackout
            (1.5, .record(.startDuplicate)), // so does a duplicate
            (2.0, .blackout(.stop)),
            (3.0, .record(.pause)),
            (3.5, .record(.stopDuplicate)),
            (4.0, .record(.startDuplicate)), // a second duplicate opens inside the pause
            (5.0, .record(.resume)),
        ]
        let failures = Collected<String>()
        let jobs = steps.map { at, step in
            ScheduledJob(when: .afterFirstPacket(seconds: at)) { nanos in
                let command: ControlCommand = switch step {
                case .blackout(let action): .blackout(BlackoutCommand(action: action, agent: reference))
                case .record(let action): .record(RecordCommand(action: action, agent: reference))
                }
                if case .failure(let error) = plane.tracker.perform(command, at: nanos) { failures.append("\(at): \(error)") }
            }
        }
        _ = engine.run(try PcapSource.open(file: RepositoryPaths.capture("sipp-g711-tones.pcap")), schedule: jobs)
        plane.tracker.flush()
        #expect(failures.all.isEmpty, "\(failures.all)")

        let recordings = try RecordedCall.all(under: storage).sorted { ($0.json["StartTime"] as? String ?? "") < ($1.json["StartTime"] as? String ?? "") }
        #expect(recordings.count == 3)
        guard recordings.count == 3 else { return }
        let (primary, first, second) = (recordings[0], recordings[1], recordings[2])
        #expect(primary.json["IsDuplicate"] as? Bool == false && first.json["IsDuplicate"] as? Bool == true)

        /// Silent (or sounding) on both channels over [from, to) seconds of the capture, in a
        /// recording opened at `opened`.
        func expectSilent(_ r: RecordedCall, opened: Double, _ from: Double, _ to: Double, _ silent: Bool,
                          sourceLocation: SourceLocation = #_sourceLocation) {
            for channel in 0..<2 {
                let rms = ToneAnalysis.rms(r.audio.slice(channel: channel, from: from - opened, to: to - opened))
                #expect(silent ? rms == 0 : rms > 1000, "channel \(channel) over \(from)–\(to) s: rms \(rms)", sourceLocation: sourceLocation)
            }
        }
        // The primary: the blackout from its start, then sound, then the pause until the resume.
        expectSilent(primary, opened: 1.0, 1.02, 1.98, true)
        expectSilent(primary, opened: 1.0, 2.05, 2.95, false)
        expectSilent(primary, opened: 1.0, 3.05, 4.95, true)
        expectSilent(primary, opened: 1.0, 5.05, 6.5, false)
        // The first duplicate: the blackout from its start, sound, the pause to its stop.
        expectSilent(first, opened: 1.5, 1.52, 1.98, true)
        expectSilent(first, opened: 1.5, 2.05, 2.95, false)
        expectSilent(first, opened: 1.5, 3.05, 3.48, true)
        #expect(abs(first.audio.durationSeconds - 2.0) < 0.01, "the first duplicate lasts from 1.5 to 3.5 s: \(first.audio.durationSeconds)")
        // The second duplicate: paused from its start until the resume.
        expectSilent(second, opened: 4.0, 4.02, 4.98, true)
        expectSilent(second, opened: 4.0, 5.05, 6.5, false)
        // The sidecars list the intervals from each recording's own start; a stop reaches 120 ms
        // past its time (`RecordingFrames.stopLagSeconds`).
        func intervals(_ r: RecordedCall, _ key: String) -> [[Double]] {
            (r.json[key] as? [[String: Any]] ?? []).map { [($0["Start"] as? Double ?? -1), ($0["End"] as? Double ?? -1)] }
        }
        #expect(intervals(primary, "Blackouts") == [[0, 1.12]] && intervals(primary, "Pauses") == [[2, 4.12]])
        #expect(intervals(first, "Blackouts") == [[0, 0.62]] && intervals(first, "Pauses") == [[1.5, 2]])
        #expect(intervals(second, "Blackouts").isEmpty && intervals(second, "Pauses") == [[0, 1.12]])
    }
}
