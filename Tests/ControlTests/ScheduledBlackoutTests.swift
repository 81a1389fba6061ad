import CalltapTestSupport
import Control
import Engine
import Foundation
import Media
import Testing

/// Blackouts whose start or stop lies in the future (`TimeOffset`): the state says what the audio
/// says at each moment (scheduled is not active, a future stop keeps it active until then), a
/// stop before a scheduled start cancels it, and the file is silent exactly where the state was
/// active. The real engine replays a SIPp call (caller 700 Hz, callee 1100 Hz, the callee an
/// agent); commands and probes run at capture times (seconds after the first packet).
@Suite struct ScheduledBlackoutTests {
    static let callee = AgentProfile(id: 2, businessUnit: 0, phone: "callee", systemUsername: "me", deviceId: "5003",
                                     station: "WS-17", policy: .always)

    static func seconds(_ iso: String?) -> Double {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return iso.flatMap { f.date(from: $0) }?.timeIntervalSince1970 ?? .nan
    }

    enum Step {
        case command(BlackoutCommand.Action, offset: Int)
        case probe
    }

    struct Seen {
        var at: Double
        var blackout: AgentState.BlackoutView
        var recordingState: AgentState.RecordingStateName?
        var applied: AgentState.BlackoutApplied?
        var status: Int
    }

    func run(_ steps: [(Double, Step)]) throws -> ([Seen], RecordedCall, firstPacket: Double) {
        let storage = RepositoryPaths.temporaryDirectory("calltap-scheduled")
        var configuration = ServerConfiguration()
        configuration.engine.storageRoot = storage
        configuration.engine.mediaWorkers = 1
        configuration.agents = [Self.callee]
        let engine = CaptureEngine(configuration: configuration.engine)
        let plane = ControlPlane(configuration: configuration, engine: engine, store: nil)
        let seen = Collected<Seen>()
        let agent = AgentReference(kind: .phone, value: "callee")
        var first = 0.0
        let jobs = steps.map { at, step in
            ScheduledJob(when: .afterFirstPacket(seconds: at)) { nanos in
                if at == steps[0].0 { first = Double(nanos) / 1e9 - at }
                var status = 200
                var applied: AgentState.BlackoutApplied?
                if case .command(let action, let offset) = step {
                    switch plane.tracker.perform(.blackout(BlackoutCommand(action: action, agent: agent, timeOffsetSeconds: offset)), at: nanos) {
                    case .success(let state): applied = state.applied
                    case .failure(let error): status = error.code.status
                    }
                }
                let state = plane.snapshots.state(of: 2)
                seen.append(Seen(at: at, blackout: state?.blackout ?? .init(), recordingState: state?.activeCall?.recordings.first?.recordingState,
                                 applied: applied, status: status))
            }
        }
        _ = engine.run(try PcapSource.open(file: RepositoryPaths.capture("sipp-g711-tones.pcap")), schedule: jobs)
        plane.tracker.flush()
        let recordings = try RecordedCall.all(under: storage)
        #expect(recordings.count == 1)
        return (seen.all, try #require(recordings.first), first)
    }

    @Test func scheduledStartFutureStopAndCancelShowWhatTheAudioSays() throws {
        let (seen, r, firstPacket) = try run([
            (1.0, .command(.start, offset: 1)),   // scheduled for 2.0
            (1.5, .probe),
            (2.5, .probe),
            (3.0, .command(.stop, offset: 1)),    // stops at 4.0
            (3.5, .probe),
            (4.5, .probe),
            (5.0, .command(.start, offset: 2)),   // scheduled for 7.0 …
            (5.5, .probe),
            (6.0, .command(.stop, offset: 0)),    // … and cancelled before it begins
            (6.5, .probe),
            (7.2, .probe),
        ])
        func at(_ t: Double) -> Seen { seen.first { $0.at == t }! }
        let start1 = firstPacket + 2, stop1 = firstPacket + 4

        #expect(at(1.0).status == 200)
        #expect(at(1.0).applied.map { Self.seconds($0.startTime) }.map { abs($0 - start1) < 0.002 } == true)
        #expect(at(1.0).blackout.active == false, "scheduled, not active yet")
        #expect(at(1.5).blackout.active == false)
        #expect(at(1.5).blackout.startTime.map { abs(Self.seconds($0) - start1) < 0.002 } == true)
        #expect(at(1.5).recordingState == .recording)
        #expect(at(2.5).blackout.active == true, "began at its start")
        #expect(at(2.5).recordingState == .blackedOut)
        #expect(at(3.0).status == 200)
        #expect(at(3.5).blackout.active == true, "a future stop keeps it active until then")
        #expect(at(3.5).blackout.stopTime.map { abs(Self.seconds($0) - stop1) < 0.002 } == true)
        #expect(at(3.5).recordingState == .blackedOut)
        #expect(at(4.5).blackout.active == false)
        #expect(at(4.5).recordingState == .recording)
        #expect(at(5.5).blackout.active == false)
        #expect(at(6.0).status == 200, "a stop before a scheduled start cancels it")
        #expect(at(6.5).blackout.active == false)
        #expect(at(7.2).blackout.active == false, "a cancelled blackout never begins")
        #expect(at(7.2).recordingState == .recording)

        // The file: silent from 2.0 to 4.0 (and the 120 ms a stop reaches past) only, the
        // cancelled one left no trace.
        let blackouts = r.json["Blackouts"] as? [[String: Any]] ?? []
        #expect(blackouts.count == 1, "\(blackouts)")
        let fileStart = Self.seconds(r.json["StartTime"] as? String)
        if let b = blackouts.first, let from = b["Start"] as? Double, let to = b["End"] as? Double {
            #expect(abs(fileStart + from - start1) < 0.0015 && abs(fileStart + to - stop1 - RecordingFrames.stopLagSeconds) < 0.0015, "\(b)")
            for channel in 0..<2 {
                #expect(ToneAnalysis.rms(r.audio.slice(channel: channel, from: from, to: to)) == 0)
                #expect(ToneAnalysis.rms(r.audio.slice(channel: channel, from: from - 0.03, to: from - 0.002)) > 1000)
                #expect(ToneAnalysis.rms(r.audio.slice(channel: channel, from: to + 0.002, to: to + 0.03)) > 1000)
            }
        }
        let cancelledFrom = firstPacket + 7 - fileStart
        for channel in 0..<2 {
            #expect(ToneAnalysis.rms(r.audio.slice(channel: channel, from: cancelledFrom - 0.2, to: min(cancelledFrom + 0.3, r.audio.durationSeconds))) > 1000)
        }
    }
}
