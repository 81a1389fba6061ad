import API
import CalltapTestSupport
import Control
import Engine
import Foundation
import Media
import Testing

/// Face-to-face audio recorded passively from a capture file, deterministically: the desk sends
/// a 1000 Hz microphone and a 600 Hz speaker to two declared addresses, and commands parsed as a
/// control script's lines (`calltap replay --control`) start, pause, resume, tag and stop the
/// recording at capture times. The file, its sidecar, the wrap-up and the index are checked.
@Suite struct FaceToFaceMediaTests {
    enum DeskCodec: String, CaseIterable, Sendable {
        case pcmu = "PCMU/8000"
        case g722 = "G722/8000"
        case opus = "opus/48000/2"
    }

    static let firstNanos: Int64 = 1_795_000_000_000_000_000
    static let microphone = "10.20.0.1:40000", speaker = "10.20.0.1:40002"
    static let agent = #""AgentIdentifier": "Id", "Value": "2""#

    /// 12 s of both streams, one packet per 20 ms, the speaker 3 ms after the microphone.
    static func capture(microphone mic: DeskCodec, speaker spk: DeskCodec) throws -> String {
        var writer = CaptureFileWriter()
        for (codec, frequency, from, to, offset, ssrc, pt) in [
            (mic, 1000.0, "10.20.0.9:50000", microphone, Int64(0), UInt32(0x1111), UInt8(111)),
            (spk, 600.0, "10.20.0.9:50002", speaker, Int64(3_000_000), UInt32(0x2222), UInt8(96)),
        ] {
            let packets = 600
            let payloads: [[UInt8]]
            let step: UInt32
            let payloadType: UInt8
            switch codec {
            case .pcmu:
                let samples = ToneSynthesis.sine(frequency: frequency, sampleRate: 8000, count: 160 * packets)
                payloads = stride(from: 0, to: samples.count, by: 160).map { samples[$0..<$0 + 160].map(ToneSynthesis.muLaw) }
                (step, payloadType) = (160, 0)
            case .g722:
                payloads = ReferenceCodec.encodeG722(ToneSynthesis.sine(frequency: frequency, sampleRate: 16000, count: 320 * packets))
                (step, payloadType) = (160, 9)
            case .opus:
                // Opus has no static payload type: the desk picks a dynamic one.
                payloads = ReferenceCodec.encodeOpus(ToneSynthesis.sine(frequency: frequency, sampleRate: 48000, count: 960 * packets))
                (step, payloadType) = (960, pt)
            }
            for (i, payload) in payloads.prefix(packets).enumerated() {
                let rtp = ToneSynthesis.rtp(payloadType: payloadType, sequence: UInt16(i), timestamp: UInt32(i) * step, ssrc: ssrc, payload: payload)
                writer.udp(firstNanos + Int64(i) * 20_000_000 + offset, from: from, to: to, payload: rtp)
            }
        }
        let path = RepositoryPaths.temporaryDirectory("calltap-f2f") + "/desk.pcap"
        try writer.write(to: path)
        return path
    }

    /// A replay with a control plane (and its index) over it; commands run at their capture times.
    final class Run: @unchecked Sendable {
        let storage = RepositoryPaths.temporaryDirectory("calltap-f2f-out")
        let plane: ControlPlane
        let engine: CaptureEngine
        /// What each scripted line answered (status), in order; probes add the recording's status.
        var statuses: [Int] = []
        var probes: [String] = []

        init(capture: String, script: [(at: Double, path: String, body: String)], probes probeTimes: [Double] = []) throws {
            var configuration = ServerConfiguration()
            configuration.engine.storageRoot = storage
            configuration.engine.mediaWorkers = 1
            configuration.f2f.wrapUpSeconds = 2
            configuration.agents = [AgentProfile(id: 2, phone: "5003", systemUsername: "adviser", deviceId: "desk-2", station: "WS-2", policy: .onDemand)]
            engine = CaptureEngine(configuration: configuration.engine)
            plane = ControlPlane(configuration: configuration, engine: engine, store: try SQLiteTrackerStore(storageRoot: storage))
            let tracker = plane.tracker
            var schedule: [ScheduledJob] = []
            for line in script {
                // The control script's parser: what a line of `calltap replay --control` goes through.
                let command = try CommandRequest.parse(path: line.path, body: Array(line.body.utf8))
                schedule.append(ScheduledJob(when: .afterFirstPacket(seconds: line.at)) { [unowned self] nanos in
                    switch tracker.perform(command, at: nanos) {
                    case .success: statuses.append(200)
                    case .failure(let error): statuses.append(error.code.status)
                    }
                })
            }
            for at in probeTimes {
                schedule.append(ScheduledJob(when: .afterFirstPacket(seconds: at)) { [unowned self] _ in
                    probes.append(tracker.faceToFaceSnapshots.current(agentId: 2)?.status.rawValue
                                  ?? "none")
                })
            }
            _ = engine.run(try PcapSource.open(file: capture), schedule: schedule)
            tracker.flush()
        }

        /// The one face-to-face audio recording.
        func recording() async throws -> (RecordedCall, RecordingIndexEntry) {
            let page = try await plane.recordings(RecordingQuery(agentId: 2))
            let entry = try #require(page.items.first { $0.callInstance.hasPrefix("f2f:") })
            return (try RecordedCall(sidecarPath: entry.sidecarPath), entry)
        }
    }

    static func streams(_ mic: DeskCodec, _ spk: DeskCodec) -> String {
        #"[{"Source": "Microphone", "Address": "\#(microphone)", "Codec": "\#(mic.rawValue)"}, {"Source": "Speaker", "Address": "\#(speaker)", "Codec": "\#(spk.rawValue)"}]"#
    }

    /// The run of exact zeros around `around` seconds on a channel, as (start, end) seconds.
    static func zeroRun(_ audio: DecodedAudio, channel: Int, around: Double) -> (start: Double, end: Double) {
        let samples = audio.channels[channel]
        let middle = Int(around * Double(audio.sampleRate))
        guard middle < samples.count, samples[middle] == 0 else { return (around, around) }
        var a = middle, b = middle
        while a > 0 && samples[a - 1] == 0 { a -= 1 }
        while b < samples.count && samples[b] == 0 { b += 1 }
        return (Double(a) / Double(audio.sampleRate), Double(b) / Double(audio.sampleRate))
    }

    static func dominant(_ audio: DecodedAudio, channel: Int, from: Double, to: Double) -> Double {
        // 200 to 2000 Hz holds both tones and keeps the search short.
        ToneAnalysis.dominantFrequency(audio.slice(channel: channel, from: from, to: to), sampleRate: audio.sampleRate,
                                       from: 200, to: 2000)
    }

    @Test(arguments: [(DeskCodec.pcmu, DeskCodec.g722), (.opus, .opus), (.g722, .pcmu)])
    func pauseIsExactSilenceAndTagsReachTheFinalSidecar(microphone mic: DeskCodec, speaker spk: DeskCodec) async throws {
        let run = try Run(capture: try Self.capture(microphone: mic, speaker: spk), script: [
            (1, "F2F/Recordings", #"{\#(Self.agent), "Streams": \#(Self.streams(mic, spk)), "Tags": {"account": "123"}, "TaggedByComponent": "CRM"}"#),
            (3, "F2F/Recordings/Current/Pause", "{\(Self.agent)}"),
            (5, "F2F/Recordings/Current/Resume", "{\(Self.agent)}"),
            (6, "F2F/Recordings/Current/Tags", #"{\#(Self.agent), "TaggedByComponent": "Desk", "Tags": {"account": "456", "note": "ok"}}"#),
            (8, "F2F/Recordings/Current/Stop", "{\(Self.agent)}"),
            (9.5, "F2F/Recordings/Current/Tags", #"{\#(Self.agent), "tagged_by_component": "CRM", "Tags": {"outcome": "loan"}}"#),
            (11.5, "F2F/Recordings/Current/Tags", #"{\#(Self.agent), "TaggedByComponent": "CRM", "Tags": {"late": "yes"}}"#),
        ], probes: [2, 4, 9, 11])
        // The last tag finds no current recording: it closed at 10 s (stop + 2 s of wrap-up).
        #expect(run.statuses == [200, 200, 200, 200, 200, 200, 404])
        #expect(run.probes == ["Active", "Paused", "WrapUp", "none"])
        let (r, entry) = try await run.recording()
        #expect(entry.state == "Stopped")
        #expect(r.endReason == "stopped")
        #expect(abs(r.durationSeconds - 7) < 0.001)
        #expect((r.json["Audio"] as? [String: Any])?["ChannelRoles"] as? [String] == ["microphone", "speaker"])
        #expect(r.audio.sampleRate == 16000)
        // Each tone in its channel, before and after the pause.
        for (from, to) in [(0.2, 1.8), (4.2, 6.8)] {
            #expect(Self.dominant(r.audio, channel: 0, from: from, to: to) == 1000)
            #expect(Self.dominant(r.audio, channel: 1, from: from, to: to) == 600)
        }
        // The pause (3 s to 5 s of capture, 2 s to 4 s of the file, and the 120 ms a resume
        // reaches past its time) is exact silence on both channels.
        let stopLag = RecordingFrames.stopLagSeconds
        for channel in 0..<2 {
            let run = Self.zeroRun(r.audio, channel: channel, around: 3)
            #expect(abs(run.start - 2) <= 0.02, "channel \(channel) silent from \(run.start)")
            #expect(abs(run.end - 4 - stopLag) <= 0.02, "channel \(channel) silent until \(run.end)")
        }
        let pauses = r.json["Pauses"] as? [[String: Any]] ?? []
        #expect(pauses.count == 1)
        #expect(abs((pauses.first?["Start"] as? Double ?? 0) - 2) < 0.001)
        #expect(abs((pauses.first?["End"] as? Double ?? 0) - 4 - stopLag) < 0.001)
        // Tags merged per key, with who set each last; nothing after the close.
        #expect(r.json["Tags"] as? [String: String] == ["account": "456", "note": "ok", "outcome": "loan"])
        #expect(r.json["TaggedBy"] as? [String: String] == ["account": "Desk", "note": "Desk", "outcome": "CRM"])
        // Both streams decoded, with their declared codecs.
        let codecs = r.streams.map { ($0["Role"] as? String ?? "", ($0["Codecs"] as? [String])?.first ?? "") }
        #expect(codecs.count == 2)
        #expect(r.streams.allSatisfy { $0["Decoded"] as? Bool == true })
        #expect(Set(codecs.map(\.0)) == ["microphone", "speaker"])
    }

    @Test func blackoutDuringTheRecordingSilencesBothChannels() async throws {
        let run = try Run(capture: try Self.capture(microphone: .pcmu, speaker: .g722), script: [
            (1, "F2F/Recordings", #"{\#(Self.agent), "Streams": \#(Self.streams(.pcmu, .g722))}"#),
            (3, "Blackout/StartForAgent", "{\(Self.agent)}"),
            (5, "Blackout/StopForAgent", "{\(Self.agent)}"),
            (8, "F2F/Recordings/Current/Stop", "{\(Self.agent)}"),
        ])
        #expect(run.statuses == [200, 200, 200, 200])
        let (r, _) = try await run.recording()
        let stopLag = RecordingFrames.stopLagSeconds
        for channel in 0..<2 {
            let silent = Self.zeroRun(r.audio, channel: channel, around: 3)
            #expect(abs(silent.start - 2) <= 0.02, "channel \(channel) silent from \(silent.start)")
            #expect(abs(silent.end - 4 - stopLag) <= 0.02, "channel \(channel) silent until \(silent.end)")
            #expect(Self.dominant(r.audio, channel: channel, from: 4.2, to: 6.8) == (channel == 0 ? 1000 : 600))
        }
        let blackouts = r.json["Blackouts"] as? [[String: Any]] ?? []
        #expect(blackouts.count == 1)
        #expect(abs((blackouts.first?["Start"] as? Double ?? 0) - 2) < 0.001)
        #expect(abs((blackouts.first?["End"] as? Double ?? 0) - 4 - stopLag) < 0.001)
        #expect(blackouts.first?["Origin"] as? String == "calltap")
        #expect(blackouts.first?["Ended"] as? String == "stopped")
        #expect((r.json["Pauses"] as? [Any])?.isEmpty == true)
    }

    /// A start that reaches the engine before its first packet (an HTTP request while a replay or
    /// a quiet interface has not delivered anything) is stamped with that packet's time, never 0:
    /// a recording from 1970 to now would be decades of silence.
    @Test func startBeforeTheFirstPacketIsStampedWithItsTime() async throws {
        let storage = RepositoryPaths.temporaryDirectory("calltap-f2f-out")
        var configuration = ServerConfiguration()
        configuration.engine.storageRoot = storage
        configuration.engine.mediaWorkers = 1
        configuration.agents = [AgentProfile(id: 2, phone: "5003", systemUsername: "adviser", deviceId: "desk-2", policy: .onDemand)]
        let engine = CaptureEngine(configuration: configuration.engine)
        let plane = ControlPlane(configuration: configuration, engine: engine, store: nil)
        let command = try CommandRequest.parse(path: "F2F/Recordings", body: Array(#"{\#(Self.agent), "Streams": \#(Self.streams(.pcmu, .g722))}"#.utf8))
        nonisolated(unsafe) var stamped: Int64 = -1
        nonisolated(unsafe) var answer: Result<AgentState, ControlError>?
        let tracker = plane.tracker
        engine.inbox.submit { nanos in
            stamped = nanos
            answer = tracker.perform(command, at: nanos)
        }
        _ = engine.run(try PcapSource.open(file: try Self.capture(microphone: .pcmu, speaker: .g722)))
        tracker.flush()
        #expect(stamped == Self.firstNanos)
        #expect((try? answer?.get()) != nil)
        let recording = try #require(try RecordedCall.all(under: storage).first)
        // From the first packet to the end of the capture (12 s), not from 1970.
        #expect(recording.durationSeconds > 11 && recording.durationSeconds < 13)
        #expect(recording.endReason == "shutdown")
    }

    @Test func recordingOpenedDuringABlackoutStartsSilent() async throws {
        let run = try Run(capture: try Self.capture(microphone: .opus, speaker: .pcmu), script: [
            (0.5, "Blackout/StartForAgent", "{\(Self.agent)}"),
            (1, "F2F/Recordings", #"{\#(Self.agent), "Streams": \#(Self.streams(.opus, .pcmu))}"#),
            (2.5, "Blackout/StopForAgent", "{\(Self.agent)}"),
            (6, "F2F/Recordings/Current/Stop", "{\(Self.agent)}"),
        ])
        #expect(run.statuses == [200, 200, 200, 200])
        let (r, _) = try await run.recording()
        let stopLag = RecordingFrames.stopLagSeconds
        for channel in 0..<2 {
            let silent = Self.zeroRun(r.audio, channel: channel, around: 0.5)
            #expect(silent.start == 0)
            #expect(abs(silent.end - 1.5 - stopLag) <= 0.02, "channel \(channel) silent until \(silent.end)")
            #expect(Self.dominant(r.audio, channel: channel, from: 1.7, to: 4.8) == (channel == 0 ? 1000 : 600))
        }
        let blackouts = r.json["Blackouts"] as? [[String: Any]] ?? []
        #expect(blackouts.count == 1)
        #expect(blackouts.first?["Start"] as? Double == 0)
        #expect(abs((blackouts.first?["End"] as? Double ?? 0) - 1.5 - stopLag) < 0.001)
    }
}
