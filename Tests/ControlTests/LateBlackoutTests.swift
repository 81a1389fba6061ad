import CalltapTestSupport
import Control
import Engine
import Foundation
import Media
import Testing

/// A blackout that reaches this server from another one after the recording it covers was
/// finished: the finished file is rewritten (silence over the interval on every channel, same
/// length), its digest computed again, and the sidecar lists the interval as `Late`. The call is
/// SIPp's 700 Hz caller and 1100 Hz callee; the agent is the callee.
@Suite struct LateBlackoutTests {
    /// Replays the call to its end with the recordings index on disk; the finished recording.
    /// `sealKey`: the recordings are sealed on a chain with it; `encryptor`: their audio is
    /// encrypted at rest with it.
    func finishedRecording(format: AudioFileFormat, capture: String = "sipp-g711-tones.pcap",
                           agent: AgentProfile = AgentTrackerTests.callee, sealKey: SealKey? = nil,
                           encryptor: RecordingEncryptor? = nil) throws -> (plane: ControlPlane, entry: RecordingIndexEntry, storage: String) {
        let storage = RepositoryPaths.temporaryDirectory("calltap-late")
        var configuration = ServerConfiguration()
        configuration.engine.storageRoot = storage
        configuration.engine.format = format
        configuration.engine.mediaWorkers = 1
        configuration.agents = [agent]
        let store = try SQLiteTrackerStore(storageRoot: storage)
        let sealer = try sealKey.map { try RecordingSealer(key: $0, root: storage) }
        let engine = CaptureEngine(configuration: configuration.engine, sealer: sealer, encryptor: encryptor)
        let plane = ControlPlane(configuration: configuration, engine: engine, store: store)
        _ = engine.run(try PcapSource.open(file: RepositoryPaths.capture(capture)))
        plane.tracker.flush()
        let entry = try #require(try store.recordings(RecordingQuery()).items.first)
        #expect(entry.state == "Stopped")
        return (plane, entry, storage)
    }

    func stop(from: Double, to: Double, after entry: RecordingIndexEntry, origin: String = "recorder-z",
              sequence: UInt64 = 9, phone: String = "callee") -> ClusterMessage {
        let start = entry.startNanos + Int64(from * 1e9), stop = entry.startNanos + Int64(to * 1e9)
        let blackout = ClusterBlackout(agent: ClusterAgentKey(id: 2, phone: phone), action: .stop, startNanos: start,
                                       stopNanos: stop, ended: "stopped", origin: origin,
                                       startedBy: origin == "recorder-z" ? nil : "recorder-z", sequence: sequence)
        return ClusterMessage(origin: origin, sequence: sequence, sentNanos: stop, body: .blackoutStop(blackout))
    }

    /// The sidecar's blackout intervals, (Start, End) in seconds (-1 where one is missing).
    static func intervals(_ r: RecordedCall) -> [(Double, Double)] {
        (r.json["Blackouts"] as? [[String: Any]] ?? []).map { ($0["Start"] as? Double ?? -1, $0["End"] as? Double ?? -1) }
    }

    /// A sealed recording rewritten by a late blackout is sealed again at the end of the chain,
    /// replacing its first seal: the chain verifies, with the new audio digest.
    @Test func aLateBlackoutSealsTheRewrittenRecordingAgain() throws {
        let key = SealKey()
        let (plane, entry, storage) = try finishedRecording(format: .wav, sealKey: key)
        func sidecar() throws -> Sidecar {
            try JSONDecoder().decode(Sidecar.self, from: Data(contentsOf: URL(fileURLWithPath: entry.sidecarPath)))
        }
        let before = try sidecar()
        #expect(before.seal?.sequence == 1)
        plane.tracker.received(stop(from: 1.0, to: 2.5, after: entry), at: (entry.endNanos ?? 0) + 60_000_000_000)
        plane.tracker.flush()

        let after = try sidecar()
        #expect(after.blackouts.first?.late == true)
        #expect(after.sha256 != before.sha256, "the audio was rewritten")
        #expect(after.seal?.sequence == 2 && after.seal?.replaces == 1, "\(String(describing: after.seal))")
        let ledger = try String(contentsOfFile: storage + "/seal-ledger.jsonl", encoding: .utf8)
        #expect(ledger.split(separator: "\n").map { $0.contains(#""Event":"resealed""#) } == [false, true], "\(ledger)")
        let verification = SealVerification(root: storage, key: key.publicKey)
        #expect(verification.isIntact, "\(verification.findings)")
        #expect(verification.ledgerLines == 2 && verification.sidecars == 1 && verification.audioFiles == 1)
    }

    /// Encrypted at rest (and sealed): the late blackout is written into the decrypted audio,
    /// which is encrypted again; the sidecar's digests are the new plain and stored ones, and the
    /// chain verifies.
    @Test(arguments: [AudioFileFormat.wav, .flac])
    func aLateBlackoutReachesEncryptedAudio(format: AudioFileFormat) throws {
        let keys = RepositoryPaths.temporaryDirectory("calltap-late-keys") + "/audio.keys"
        try ("k1 " + Data((0..<32).map { UInt8($0 * 3) }).base64EncodedString() + "\n").write(toFile: keys, atomically: true, encoding: .utf8)
        chmod(keys, 0o600)
        let encryptor = try RecordingEncryptor(keyFile: keys)
        let seal = SealKey()
        let (plane, entry, storage) = try finishedRecording(format: format, sealKey: seal, encryptor: encryptor)
        let path = try #require(entry.audioPaths.first)
        #expect(EncryptedAudioFile.isEncrypted(path: path))
        plane.tracker.received(stop(from: 1.0, to: 2.5, after: entry), at: (entry.endNanos ?? 0) + 60_000_000_000)
        plane.tracker.flush()

        #expect(EncryptedAudioFile.isEncrypted(path: path), "encrypted again")
        let plain = storage + "/plain." + (path as NSString).pathExtension
        let plainDigest = try encryptor.reader(path).decrypt(to: plain)
        let sidecar = try JSONDecoder().decode(Sidecar.self, from: Data(contentsOf: URL(fileURLWithPath: entry.sidecarPath)))
        #expect(sidecar.sha256 == plainDigest)
        #expect(sidecar.encryption?.files.first?.sha256 == (try FileDigest.sha256(path: path)))
        #expect(sidecar.blackouts.first?.late == true)
        let audio = try DecodedAudio(path: plain)
        for channel in 0..<2 {
            #expect(ToneAnalysis.rms(audio.slice(channel: channel, from: 1.0, to: 2.62)) == 0)
            #expect(ToneAnalysis.rms(audio.slice(channel: channel, from: 2.62, to: 2.64)) > 1000)
        }
        try FileManager.default.removeItem(atPath: plain)
        let verification = SealVerification(root: storage, key: seal.publicKey)
        #expect(verification.isIntact, "\(verification.findings)")
    }

    @Test(arguments: [AudioFileFormat.wav, .flac])
    func aStopArrivingAfterTheRecordingFinishedRewritesTheFile(format: AudioFileFormat) throws {
        let (plane, entry, storage) = try finishedRecording(format: format)
        let before = try #require(try RecordedCall.all(under: storage).first)
        let frames = before.audio.channels[0].count
        // Long after the call: nothing of it is held in the commit delay any more.
        let now = (entry.endNanos ?? entry.startNanos) + 60_000_000_000
        plane.tracker.received(stop(from: 1.0, to: 2.5, after: entry), at: now)
        plane.tracker.flush()

        let r = try #require(try RecordedCall.all(under: storage).first)
        #expect(r.audio.channels[0].count == frames, "the file keeps its length")
        let blackouts = r.json["Blackouts"] as? [[String: Any]] ?? []
        #expect(blackouts.count == 1)
        let interval = try #require(blackouts.first)
        #expect(interval["Start"] as? Double == 1.0)
        // The stop and `RecordingFrames.stopLagSeconds` (120 ms) past it, as live.
        #expect(interval["End"] as? Double == 2.62)
        #expect(interval["Late"] as? Bool == true)
        #expect(interval["Origin"] as? String == "recorder-z")
        #expect(interval["Ended"] as? String == "stopped")
        for channel in 0..<2 {
            let tone: Double = channel == 0 ? 1100 : 700
            #expect(ToneAnalysis.rms(r.audio.slice(channel: channel, from: 1.0, to: 2.62)) == 0)
            #expect(ToneAnalysis.rms(r.audio.slice(channel: channel, from: 0.98, to: 1.0)) > 1000)
            #expect(ToneAnalysis.rms(r.audio.slice(channel: channel, from: 2.62, to: 2.64)) > 1000)
            #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: channel, from: 0.3, to: 0.98), sampleRate: r.audio.sampleRate) == tone)
            #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: channel, from: 2.64, to: 3.2), sampleRate: r.audio.sampleRate) == tone)
        }
        // The digest is the rewritten file's.
        let file = (r.sidecarPath as NSString).deletingLastPathComponent + "/" + ((r.json["Audio"] as? [String: Any])?["File"] as? String ?? "")
        #expect(r.json["Sha256"] as? String == (try FileDigest.sha256(path: file)))
        #expect(r.json["Sha256"] as? String != before.json["Sha256"] as? String)
        // The agent's state shows the blackout the other server decided.
        let agent = try #require(plane.snapshots.state(of: 2))
        #expect(agent.blackout.active == false)
        #expect(agent.blackout.origin == "recorder-z")

        // The same decision again (a state answer repeating it) changes nothing.
        plane.tracker.received(stop(from: 1.0, to: 2.5, after: entry), at: now + 1_000_000_000)
        plane.tracker.flush()
        let again = try #require(try RecordedCall.all(under: storage).first)
        #expect((again.json["Blackouts"] as? [[String: Any]] ?? []).count == 1)
        #expect(again.json["Sha256"] as? String == r.json["Sha256"] as? String)

        // Another server's stop of the same blackout (it reached the limit by itself) is a decision
        // of its own over the same interval: still one interval, the same file.
        plane.tracker.received(stop(from: 1.0, to: 2.5, after: entry, origin: "recorder-y", sequence: 3), at: now + 2_000_000_000)
        plane.tracker.flush()
        let third = try #require(try RecordedCall.all(under: storage).first)
        #expect((third.json["Blackouts"] as? [[String: Any]] ?? []).count == 1)
        #expect(third.json["Sha256"] as? String == r.json["Sha256"] as? String)
        // A later one that reaches past it adds only the part after its stop (the first one's
        // silence reached 120 ms past that, so the two overlap there).
        plane.tracker.received(stop(from: 2.0, to: 3.0, after: entry, origin: "recorder-y", sequence: 4), at: now + 3_000_000_000)
        plane.tracker.flush()
        let fourth = try #require(try RecordedCall.all(under: storage).first)
        let intervals = Self.intervals(fourth)
        #expect(intervals.count == 2 && intervals[1] == (2.5, 3.12), "\(intervals)")
        for channel in 0..<2 {
            #expect(ToneAnalysis.rms(fourth.audio.slice(channel: channel, from: 1.0, to: 3.12)) == 0)
            #expect(ToneAnalysis.rms(fourth.audio.slice(channel: channel, from: 3.12, to: 3.14)) > 1000)
        }
    }

    /// A peer back from an outage sends a start and its stop as two messages, and the clock may
    /// tick between them: the start is held until its stop comes, so the interval is the one the
    /// peer decided, not the start up to this server's present. A start whose stop does not come
    /// within the grace is begun: holding it silences nothing less.
    @Test func aLateStartAndItsStopWithATickBetweenSilenceExactlyTheirInterval() throws {
        let (plane, entry, storage) = try finishedRecording(format: .wav)
        let now = (entry.endNanos ?? entry.startNanos) + 60_000_000_000
        let stopMessage = stop(from: 1.0, to: 2.5, after: entry)
        guard case .blackoutStop(let decided) = stopMessage.body else {
            Issue.record("stop(from:to:after:) made no blackout stop: \(stopMessage.body)")
            return
        }
        let start = ClusterBlackout(agent: decided.agent, action: .start, startNanos: decided.startNanos, origin: "recorder-z",
                                    sequence: decided.sequence - 1)
        plane.tracker.received(ClusterMessage(origin: "recorder-z", sequence: start.sequence, sentNanos: start.startNanos,
                                              body: .blackoutStart(start)), at: now)
        plane.tracker.clockAdvanced(to: now + 50_000_000)
        plane.tracker.received(stopMessage, at: now + 100_000_000)
        plane.tracker.clockAdvanced(to: now + 2_000_000_000)
        plane.tracker.flush()
        let r = try #require(try RecordedCall.all(under: storage).first)
        let intervals = Self.intervals(r)
        #expect(intervals.count == 1 && intervals[0] == (1.0, 2.62), "\(intervals)")
        for channel in 0..<2 {
            #expect(ToneAnalysis.rms(r.audio.slice(channel: channel, from: 1.0, to: 2.62)) == 0)
            #expect(ToneAnalysis.rms(r.audio.slice(channel: channel, from: 2.62, to: 2.64)) > 1000)
        }
        let agent = try #require(plane.snapshots.state(of: 2))
        #expect(agent.blackout.active == false)

        // A start alone: begun once the grace has passed, from its start on.
        let lone = ClusterBlackout(agent: decided.agent, action: .start, startNanos: entry.startNanos + 3_000_000_000,
                                   origin: "recorder-z", sequence: decided.sequence + 1)
        plane.tracker.received(ClusterMessage(origin: "recorder-z", sequence: lone.sequence, sentNanos: lone.startNanos,
                                              body: .blackoutStart(lone)), at: now + 3_000_000_000)
        plane.tracker.clockAdvanced(to: now + 3_050_000_000)
        plane.tracker.flush()
        #expect(plane.snapshots.state(of: 2)?.blackout.active == false, "held within the grace")
        plane.tracker.clockAdvanced(to: now + 4_100_000_000)
        plane.tracker.flush()
        #expect(plane.snapshots.state(of: 2)?.blackout.active == true, "begun after the grace")
        let later = try #require(try RecordedCall.all(under: storage).first)
        let silenced = Self.intervals(later).map(\.0)
        #expect(silenced == [1.0, 3.0], "\(silenced)")
        #expect(ToneAnalysis.rms(later.audio.slice(channel: 0, from: 3.0, to: 3.2)) == 0)
    }

    /// The late path masks digits by the live gate's rule: a digit that overlaps the interval.
    /// In SIP_DTMF2.cap's recording, 6 (4.70–4.82 s) is pressed before the blackout's start and
    /// 3 (8.84–8.96 s) released after its stop (BlackoutReplayTests has the same case live).
    @Test func aLateBlackoutMasksTheDigitsStraddlingItsEdges() throws {
        let agent = AgentProfile(id: 2, businessUnit: 0, phone: "2504", policy: .always)
        let (plane, entry, storage) = try finishedRecording(format: .wav, capture: "SIP_DTMF2.cap", agent: agent)
        let before = try #require(try RecordedCall.all(under: storage).first { ($0.json["Dtmf"] as? [Any])?.isEmpty == false })
        let digits = (before.json["Dtmf"] as? [[String: Any]] ?? [])
        #expect(digits.count == 7 && digits.allSatisfy { $0["Masked"] as? Bool == false })
        #expect(digits.first?["Time"] as? Double == 4.7 && digits.last?["Time"] as? Double == 8.84)

        let now = (entry.endNanos ?? entry.startNanos) + 60_000_000_000
        plane.tracker.received(stop(from: 4.76, to: 8.9, after: entry, phone: "2504"), at: now)
        plane.tracker.flush()
        let r = try #require(try RecordedCall.all(under: storage).first { ($0.json["Dtmf"] as? [Any])?.isEmpty == false })
        let interval = try #require((r.json["Blackouts"] as? [[String: Any]])?.first)
        #expect(interval["Late"] as? Bool == true)
        let masked = r.json["Dtmf"] as? [[String: Any]] ?? []
        #expect(masked.map { $0["Digit"] as? String } == Array(repeating: "", count: 7), "\(masked)")
        #expect(masked.allSatisfy { $0["Masked"] as? Bool == true })
    }
}
