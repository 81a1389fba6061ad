import CalltapTestSupport
import Foundation
import Testing

/// `calltap serve` killed with SIGKILL while it records a live SIPp call (caller 700 Hz, callee
/// 1100 Hz), and started again: each interrupted segment holds the call's audio up to 100 ms
/// before its kill (the audio held for the commit delay comes back from its journal) with its
/// streams' statistics, and a recording whose sidecar was final before the kill is never
/// touched, even when the kill comes within 50 ms of the BYE. Needs root, sipp, sox.
@Suite(.serialized) struct CrashRecoveryLiveTests {
    static let callerHertz = 700.0, calleeHertz = 1100.0
    /// What a kill may cost: audio received up to this long before it must be in the file.
    static let allowedLoss = 0.1

    struct Setup {
        var dir: String
        var config: String
        var storage: String
        var plan: SIPpCall.Plan
    }

    static func setup(_ label: String, ip: Int, seconds: Double) throws -> Setup {
        let dir = RepositoryPaths.temporaryDirectory(label)
        let plan = SIPpCall.Plan(callerIP: "127.0.24.\(ip)", calleeIP: "127.0.24.\(ip + 1)", portBase: try LivePorts.freeBlock(12),
                                 seconds: seconds)
        let storage = dir + "/recordings"
        let config = dir + "/calltap.yaml"
        try """
        capture:
          interfaces: [lo]
          filter: "udp and host \(plan.callerIP) and host \(plan.calleeIP)"
          sipPorts: [\(plan.sipPorts.map(String.init).joined(separator: ", "))]
        storage: { root: "\(storage)", sealing: { keyFile: "\(dir)/seal.key" } }
        http: { bind: "127.0.0.1:0" }
        calls: { idleTimeoutSeconds: 30 }
        cluster: { serverId: crash-test }
        agents:
          - { id: 5, businessUnit: 0, phone: "callee", systemUsername: five, deviceId: "dev-5", policy: always }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        return Setup(dir: dir, config: config, storage: storage, plan: plan)
    }

    static func started(_ s: Setup, log: String) async throws -> LiveServer {
        let server = try await LiveServer(config: s.config, logPath: s.dir + "/" + log)
        do {
            _ = try await Deadline.poll("serve to be ready", timeout: 15) {
                try await server.get("/readyz").status == 200 ? true : nil
            }
        } catch {
            server.kill()
            throw error
        }
        return server
    }

    /// The recordings are sealed: every one written, by the finisher or by recovery after a kill,
    /// is on the chain, which `calltap verify` finds intact.
    static func expectSealedChainIntact(_ s: Setup, recordings: Int, label: String) throws {
        let verified = try CalltapProcess.run(["verify", "--config", s.config])
        #expect(verified.status == 0, "\(label): \(verified.standardOutput) \(verified.standardError)")
        #expect(verified.standardOutput.contains(", \(recordings) sidecars,"), "\(label): \(verified.standardOutput)")
    }

    /// ISO 8601 capture time in seconds since 1970, as the live tests read sidecars.
    static func seconds(_ iso: Any?) -> Double { LiveServeTests.seconds(iso) }

    /// Every file under `root` with its bytes: what a finished recording is made of.
    static func snapshot(_ root: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for ext in ["json", "wav"] {
            for path in try RepositoryPaths.files(under: root, withExtension: ext) {
                files[path] = FileManager.default.contents(atPath: path)
            }
        }
        return files
    }

    /// Checks an interrupted segment against the kill that ended it: its file runs to 100 ms
    /// before the kill, with each side's tone to the end, and its sidecar keeps its streams.
    /// Returns the audio missing before the kill (seconds; negative when the file runs past it).
    @discardableResult
    static func checkInterrupted(_ r: RecordedCall, killedAt kill: Double, label: String) -> Double {
        let start = seconds(r.json["StartTime"])
        let due = kill - start - allowedLoss
        let missing = kill - start - r.audio.durationSeconds
        #expect(r.endReason == "interrupted", "\(label): \(r.endReason)")
        #expect(r.audio.durationSeconds >= due, "\(label): the file holds \(r.audio.durationSeconds) s, the kill came \(kill - start) s after its start")
        #expect(abs(r.durationSeconds - r.audio.durationSeconds) < 0.01, "\(label): sidecar \(r.durationSeconds) s, file \(r.audio.durationSeconds) s")
        if due > 0.3, r.audio.durationSeconds >= due {
            // The agent is the callee; a call known from its RTP alone has caller and callee.
            let roles = (r.json["Audio"] as? [String: Any])?["ChannelRoles"] as? [String] ?? []
            let tones = roles.enumerated().map { ($0.offset, $0.element == "agent" || $0.element == "callee" ? calleeHertz : callerHertz) }
            #expect(roles.count == 2, "\(label): roles \(roles)")
            for (channel, hertz) in tones {
                let tail = ToneAnalysis.dominantFrequency(r.audio.slice(channel: channel, from: due - 0.25, to: due),
                                                          sampleRate: r.audio.sampleRate)
                #expect(tail == hertz, "\(label): channel \(channel) ends with \(tail) Hz before the kill, not \(hertz)")
            }
        }
        let packets = r.streams.compactMap { $0["Packets"] as? Int }
        #expect(r.streams.count == 2 && packets.allSatisfy { $0 > 0 }, "\(label): streams \(r.streams)")
        return missing
    }

    @Test func segmentsKilledAtRandomMomentsKeepTheirAudioUpToTheKill() async throws {
        let kills = 20
        let s = try Self.setup("calltap-crash", ip: 1, seconds: 75)
        let call = try await SIPpCall(s.plan, directory: s.dir + "/sipp")
        defer { call.kill() }
        _ = try await call.callID()
        var random = SeededGenerator(seed: 1504)
        var killTimes: [Double] = []
        for k in 0..<kills {
            let server = try await Self.started(s, log: "serve-\(k).log")
            defer { server.kill() }
            _ = try await Deadline.poll("the call to be recorded (run \(k))", timeout: 10) { () -> Bool? in
                let metrics = try await server.get("/metrics").text
                return metrics.contains("calltap_recordings_open 1") ? true : nil
            }
            // A moment anywhere in the segment's first 2.5 s: within the commit delay, or past it.
            try await Task.sleep(nanoseconds: UInt64(Double.random(in: 0.05...2.5, using: &random) * 1e9))
            killTimes.append(Date().timeIntervalSince1970)
            server.kill()
            #expect(call.caller.isRunning, "the call must outlast the kills")
        }
        // The last start repairs the last segment; then a clean stop.
        let last = try await Self.started(s, log: "serve-last.log")
        defer { last.kill() }
        #expect(try await last.terminate() == 0)

        // Every recording here is of this call (after a restart, one known from its stored
        // signalling or, before that was stored, from its RTP alone).
        let segments = try RecordedCall.all(under: s.storage)
            .sorted { Self.seconds($0.json["StartTime"]) < Self.seconds($1.json["StartTime"]) }
        let interrupted = segments.filter { $0.endReason.hasPrefix("interrupted") }
        #expect(interrupted.count == kills, "\(segments.map(\.endReason))")
        var missing: [Double] = []
        for r in interrupted {
            let start = Self.seconds(r.json["StartTime"])
            guard let kill = killTimes.first(where: { $0 > start }) else {
                Issue.record("no kill after the segment that started at \(start)")
                continue
            }
            missing.append(Self.checkInterrupted(r, killedAt: kill, label: "segment \(r.json["Segment"] ?? "?")"))
        }
        if !missing.isEmpty {
            print("crash recovery: \(missing.count) kills, audio missing before the kill: worst "
                  + "\(String(format: "%.3f", missing.max()!)) s, median \(String(format: "%.3f", missing.sorted()[missing.count / 2])) s")
        }
        // Nothing was left to repair, and no journal is left behind.
        #expect(try RepositoryPaths.files(under: s.storage, withExtension: "held").isEmpty)
        try Self.expectSealedChainIntact(s, recordings: segments.count, label: "after \(kills) kills")
    }

    @Test func aKillWithin50msOfTheByeNeverAltersAFinishedRecording() async throws {
        for (attempt, delay) in [0.0, 0.015, 0.03, 0.045].enumerated() {
            let s = try Self.setup("calltap-crash-bye", ip: 10 + 2 * attempt, seconds: 4)
            let server = try await Self.started(s, log: "serve.log")
            defer { server.kill() }
            let call = try await SIPpCall(s.plan, directory: s.dir + "/sipp")
            defer { call.kill() }
            let callID = try await call.callID()
            // Kill `delay` after the caller sent its BYE (SIPp logs a message as it sends it).
            let byeSeen = try await Deadline.poll("the caller's BYE", timeout: 15, interval: 0.001) { () -> Double? in
                call.caller.messages.contains("BYE sip:") ? Date().timeIntervalSince1970 : nil
            }
            if delay > 0 { try await Task.sleep(nanoseconds: UInt64(delay * 1e9)) }
            let killedAt = Date().timeIntervalSince1970
            server.kill()
            let before = try Self.snapshot(s.storage)
            let finishedBefore = before.keys.filter { $0.hasSuffix(".json") }

            let again = try await Self.started(s, log: "serve-again.log")
            defer { again.kill() }
            #expect(try await again.terminate() == 0)
            // Whatever was final before the kill is byte for byte what it was.
            let after = try Self.snapshot(s.storage)
            for path in finishedBefore {
                #expect(after[path] == before[path], "attempt \(attempt): \((path as NSString).lastPathComponent) was altered")
                let wav = (path as NSString).deletingPathExtension + ".wav"
                #expect(after[wav] == before[wav], "attempt \(attempt): the audio of a finished recording was altered")
            }
            let recorded = try RecordedCall.all(under: s.storage).filter { $0.callInstance == callID }
            #expect(recorded.count == 1, "attempt \(attempt): \(recorded.map(\.endReason))")
            if let r = recorded.first, r.endReason != "bye" {
                Self.checkInterrupted(r, killedAt: killedAt, label: "attempt \(attempt)")
            }
            try Self.expectSealedChainIntact(s, recordings: try RecordedCall.all(under: s.storage).count, label: "attempt \(attempt)")
            print("crash at BYE + \(Int((killedAt - byeSeen) * 1000)) ms: \(recorded.first?.endReason ?? "no recording"), "
                  + "\(finishedBefore.isEmpty ? "no sidecar yet" : "sidecar already final")")
            call.kill()
        }
    }
}
