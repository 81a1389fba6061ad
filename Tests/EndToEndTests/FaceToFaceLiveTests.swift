import CalltapTestSupport
import Foundation
import Testing

/// A face-to-face recording live: `calltap serve` captures on `lo` while `calltap desk-stream`
/// sends a 1000 Hz microphone and a 600 Hz speaker in Opus to two declared loopback ports, and an
/// HTTP client starts, pauses, resumes, tags and stops the recording. The assertions are on what
/// the server recorded (its sidecar's pause interval against the file's silence), never on the
/// client's sleeps. Needs root (libpcap on `lo`).
@Suite(.serialized) struct FaceToFaceLiveTests {
    /// A folder with a 1000 Hz microphone and a 600 Hz speaker file of `seconds` at `rate`, and
    /// `calltap serve` capturing on `lo` the two ports from `base` on, ready.
    struct Desk {
        var dir: String
        var base: Int
        var storage: String
        var mic: String
        var speaker: String
        var server: LiveServer
    }

    static func desk(_ name: String, wrapUpSeconds: Double, seconds: Int, rate: Int) async throws -> Desk {
        let dir = RepositoryPaths.temporaryDirectory(name)
        let base = try LivePorts.freeBlock(4)
        let storage = dir + "/recordings", config = dir + "/calltap.yaml"
        try """
        capture:
          interfaces: [lo]
          filter: "udp and dst host 127.0.0.1 and dst portrange \(base)-\(base + 2)"
        storage: { root: "\(storage)", commitDelaySeconds: 0.5 }
        http: { bind: "127.0.0.1:0" }
        f2f: { wrapUpSeconds: \(wrapUpSeconds) }
        cluster: { serverId: \(name) }
        agents:
          - { id: 2, phone: "5003", systemUsername: adviser, deviceId: "desk-2", policy: on-demand }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let mic = dir + "/mic.wav", speaker = dir + "/speaker.wav"
        for (path, hertz) in [(mic, 1000.0), (speaker, 600.0)] {
            try DeskStreamTests.WAVFile.write(path: path, interleaved: ToneSynthesis.sine(frequency: hertz, sampleRate: rate, count: rate * seconds, amplitude: 8000),
                                              sampleRate: rate, channels: 1)
        }
        let server = try await LiveServer(config: config, logPath: dir + "/serve.log")
        do {
            _ = try await Deadline.poll("serve to be ready", timeout: 15) {
                try await server.get("/readyz").status == 200 ? true : nil
            }
        } catch {
            server.kill()
            throw error
        }
        return Desk(dir: dir, base: base, storage: storage, mic: mic, speaker: speaker, server: server)
    }

    @Test func deskStreamRecordedWithPauseAndTagsOverHTTP() async throws {
        let d = try await Self.desk("calltap-f2f-live", wrapUpSeconds: 1, seconds: 8, rate: 48000)
        let server = d.server, base = d.base, storage = d.storage, mic = d.mic, speaker = d.speaker
        defer { server.kill() }
        #expect(try await server.get("/api/F2F/Service").object["Message"] as? String == "OK")
        let micAddress = "127.0.0.1:\(base)", speakerAddress = "127.0.0.1:\(base + 2)"
        let started = try await server.post("/api/F2F/Recordings", [
            "AgentIdentifier": "Id", "Value": "2", "Media": "Audio", "AudioSource": "Both",
            "Streams": [["Source": "Microphone", "Address": micAddress, "Codec": "opus/48000/2"],
                        ["Source": "Speaker", "Address": speakerAddress, "Codec": "opus/48000/2"]],
            "Tags": ["account": "123"], "TaggedByComponent": "CRM",
        ])
        #expect(started.status == 201, "\(started.text)")
        let id = try #require(started.object["Id"] as? String)
        let recordingId = try #require((started.object["RecordingIdentifiers"] as? [String])?.first)

        let desk = Process()
        desk.executableURL = URL(fileURLWithPath: CalltapProcess.binary)
        desk.arguments = ["desk-stream", "--microphone", mic, "--speaker", speaker, "--to", "\(micAddress),\(speakerAddress)", "--codec", "opus"]
        desk.standardOutput = FileHandle.nullDevice
        desk.standardError = FileHandle.nullDevice
        try desk.run()
        defer { if desk.isRunning { desk.terminate() } }

        try await Task.sleep(nanoseconds: 2_000_000_000)
        var reply = try await server.post("/api/F2F/Recordings/\(id)/Pause", [:])
        #expect(reply.object["Status"] as? String == "Paused", "\(reply.text)")
        #expect(try await server.get("/api/F2F/Application").object["State"] as? String == "Recording")
        try await Task.sleep(nanoseconds: 2_000_000_000)
        reply = try await server.post("/api/F2F/Recordings/\(id)/Resume", [:])
        #expect(reply.object["Status"] as? String == "Active", "\(reply.text)")
        reply = try await server.post("/api/F2F/Recordings/\(id)/Tags", ["TaggedByComponent": "Desk", "Tags": ["note": "ok"]])
        #expect(reply.status == 200, "\(reply.text)")
        try await Task.sleep(nanoseconds: 1_500_000_000)
        reply = try await server.post("/api/F2F/Recordings/\(id)/Stop", [:])
        #expect(reply.object["Status"] as? String == "WrapUp", "\(reply.text)")
        let agent = try await server.get("/api/Agent?agentIdentifier=Id&value=2").object
        #expect((agent["DesktopOnlySessions"] as? [[String: Any]])?.first?["State"] as? String == "WrapUp")
        _ = try await Deadline.poll("the recording to close after its wrap-up", timeout: 15) {
            try await server.get("/api/F2F/Recordings/\(id)").object["Status"] as? String == "Closed" ? true : nil
        }
        let listed = try await server.get("/api/Recordings?agentId=2").object["Items"] as? [[String: Any]] ?? []
        #expect(listed.contains { $0["RecordingIdentifier"] as? String == recordingId })
        desk.waitUntilExit()
        #expect(try await server.terminate() == 0, "\(server.log.suffix(3000))")

        let r = try #require(try RecordedCall.all(under: storage).first { $0.json["RecordingIdentifier"] as? String == recordingId })
        #expect(r.endReason == "stopped")
        #expect(r.json["Tags"] as? [String: String] == ["account": "123", "note": "ok"])
        #expect(r.json["TaggedBy"] as? [String: String] == ["account": "CRM", "note": "Desk"])
        #expect((r.json["Audio"] as? [String: Any])?["ChannelRoles"] as? [String] == ["microphone", "speaker"])
        let pause = try #require((r.json["Pauses"] as? [[String: Any]])?.first)
        let from = try #require(pause["Start"] as? Double), to = try #require(pause["End"] as? Double)
        // The client slept 2 s between its commands: the server's interval is about that long.
        // The client waited 2 s between its Pause and its Resume; HTTP on a loaded machine may add
        // to that, never take from it. The exact check is the silence against the interval below.
        #expect(to - from > 1.95 && to - from < 4, "pause \(from)…\(to)")
        for channel in 0..<2 {
            let samples = r.audio.channels[channel]
            var a = Int((from + to) / 2 * Double(r.audio.sampleRate)), b = a
            #expect(samples[a] == 0)
            while a > 0 && samples[a - 1] == 0 { a -= 1 }
            while b < samples.count && samples[b] == 0 { b += 1 }
            let silentFrom = Double(a) / Double(r.audio.sampleRate), silentTo = Double(b) / Double(r.audio.sampleRate)
            #expect(abs(silentFrom - from) <= 0.02, "channel \(channel) silent from \(silentFrom), pause from \(from)")
            #expect(abs(silentTo - to) <= 0.02, "channel \(channel) silent until \(silentTo), pause until \(to)")
            let tone: Double = channel == 0 ? 1000 : 600
            let before = ToneAnalysis.dominantFrequency(r.audio.slice(channel: channel, from: from - 1, to: from - 0.05),
                                                        sampleRate: r.audio.sampleRate, from: 200, to: 2000)
            let after = ToneAnalysis.dominantFrequency(r.audio.slice(channel: channel, from: to + 0.05, to: to + 1),
                                                       sampleRate: r.audio.sampleRate, from: 200, to: 2000)
            #expect(before == tone && after == tone, "channel \(channel): \(before) Hz before, \(after) Hz after")
        }
    }

    /// `desk-stream --server` as the desk application: it opens the recording (`StartedBy:
    /// Desktop`), streams G.722, and stops it after the last packet; the API may tag it, not stop it.
    @Test func deskStreamOpensAndStopsTheRecordingItself() async throws {
        let d = try await Self.desk("calltap-f2f-desk", wrapUpSeconds: 5, seconds: 4, rate: 16000)
        let server = d.server, base = d.base, storage = d.storage, mic = d.mic, speaker = d.speaker
        defer { server.kill() }
        let outcome = try CalltapProcess.run(["desk-stream", "--microphone", mic, "--speaker", speaker,
                                              "--to", "127.0.0.1:\(base),127.0.0.1:\(base + 2)", "--codec", "g722",
                                              "--server", server.baseURL, "--agent-identifier", "Phone", "--agent", "5003",
                                              "--tag", "branch=north", "--json"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any])
        let location = try #require(summary["RecordingLocation"] as? String)
        let id = String(location.split(separator: "/").last ?? "")
        // Stopped by the desk, in its wrap-up (5 s): the API may still tag it, not steer it.
        var reply = try await server.get("/api/F2F/Recordings/\(id)")
        #expect(reply.object["StartedBy"] as? String == "Desktop")
        #expect(reply.object["Status"] as? String == "WrapUp", "\(reply.text)")
        reply = try await server.post("/api/F2F/Recordings/\(id)/Stop", [:])
        #expect(reply.status == 409, "\(reply.text)")
        reply = try await server.post("/api/F2F/Recordings/\(id)/Tags", ["TaggedByComponent": "CRM", "Tags": ["outcome": "done"]])
        #expect(reply.status == 200, "\(reply.text)")
        _ = try await Deadline.poll("the recording to close", timeout: 15) {
            try await server.get("/api/F2F/Recordings/\(id)").object["Status"] as? String == "Closed" ? true : nil
        }
        let recordingId = try #require((try await server.get("/api/F2F/Recordings/\(id)").object["RecordingIdentifiers"] as? [String])?.first)
        #expect(try await server.terminate() == 0, "\(server.log.suffix(3000))")

        let r = try #require(try RecordedCall.all(under: storage).first { $0.json["RecordingIdentifier"] as? String == recordingId })
        #expect(r.endReason == "stopped")
        let tags = r.json["Tags"] as? [String: String] ?? [:]
        #expect(tags == ["branch": "north", "outcome": "done"])
        #expect((r.json["Audio"] as? [String: Any])?["ChannelRoles"] as? [String] == ["microphone", "speaker"])
        // About the 4 s streamed, each tone in its channel.
        #expect(r.durationSeconds > 3.5 && r.durationSeconds < 6, "\(r.durationSeconds) s")
        let end = r.durationSeconds
        #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: 0, from: 0.8, to: min(3, end - 0.5)), sampleRate: r.audio.sampleRate) == 1000)
        #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: 1, from: 0.8, to: min(3, end - 0.5)), sampleRate: r.audio.sampleRate) == 600)
    }

    /// Audio and screen steered each on its own while a desk streams: audio paused while the
    /// screen runs, the screen paused while the audio runs, the screen stopped while the audio
    /// goes on. The states say so at each step, and the sidecar holds the audio's pause only.
    @Test func audioAndScreenArePausedAndStoppedEachOnItsOwn() async throws {
        let d = try await Self.desk("calltap-f2f-media", wrapUpSeconds: 1, seconds: 9, rate: 48000)
        let server = d.server, base = d.base, storage = d.storage
        defer { server.kill() }
        let micAddress = "127.0.0.1:\(base)", speakerAddress = "127.0.0.1:\(base + 2)"
        let started = try await server.post("/api/F2F/Recordings", [
            "AgentIdentifier": "Id", "Value": "2", "Media": "Both", "AudioSource": "Both",
            "Streams": [["Source": "Microphone", "Address": micAddress, "Codec": "opus/48000/2"],
                        ["Source": "Speaker", "Address": speakerAddress, "Codec": "opus/48000/2"]],
        ])
        #expect(started.status == 201, "\(started.text)")
        let id = try #require(started.object["Id"] as? String)
        let recordingId = try #require((started.object["RecordingIdentifiers"] as? [String])?.first)
        let desk = Process()
        desk.executableURL = URL(fileURLWithPath: CalltapProcess.binary)
        desk.arguments = ["desk-stream", "--microphone", d.mic, "--speaker", d.speaker, "--to", "\(micAddress),\(speakerAddress)", "--codec", "opus"]
        desk.standardOutput = FileHandle.nullDevice
        desk.standardError = FileHandle.nullDevice
        try desk.run()
        defer { if desk.isRunning { desk.terminate() } }

        func steer(_ action: String, _ media: String) async throws -> (audio: String?, screen: String?, status: String?) {
            let reply = try await server.post("/api/F2F/Recordings/\(id)/\(action)", ["Media": media])
            #expect(reply.status == 200, "\(action) \(media): \(reply.text)")
            return (reply.object["AudioStatus"] as? String, reply.object["ScreenStatus"] as? String, reply.object["Status"] as? String)
        }
        func screenState() async throws -> String? {
            let agent = try await server.get("/api/Agent?agentIdentifier=Id&value=2").object
            let sessions = agent["DesktopOnlySessions"] as? [[String: Any]] ?? []
            return sessions.first { $0["Kind"] as? String == "Screen" }?["State"] as? String
        }
        try await Task.sleep(nanoseconds: 1_500_000_000)
        var states = try await steer("Pause", "Audio")
        #expect(states.audio == "Paused" && states.screen == "Active" && states.status == "Active", "\(states)")
        try await Task.sleep(nanoseconds: 1_500_000_000)
        states = try await steer("Resume", "Audio")
        #expect(states.audio == "Active" && states.screen == "Active", "\(states)")
        try await Task.sleep(nanoseconds: 1_000_000_000)
        states = try await steer("Pause", "Screen")
        #expect(states.audio == "Active" && states.screen == "Paused" && states.status == "Active", "\(states)")
        try await Task.sleep(nanoseconds: 1_000_000_000)
        states = try await steer("Resume", "Screen")
        #expect(states.audio == "Active" && states.screen == "Active", "\(states)")
        states = try await steer("Stop", "Screen")
        #expect(states.audio == "Active" && states.screen == "Stopped" && states.status == "Active", "\(states)")
        #expect(try await screenState() == nil, "the screen session ended with the screen")
        try await Task.sleep(nanoseconds: 1_000_000_000)
        states = try await steer("Stop", "Audio")
        #expect(states.audio == "Stopped" && states.screen == "Stopped" && states.status == "WrapUp", "\(states)")
        _ = try await Deadline.poll("the recording to close", timeout: 15) {
            try await server.get("/api/F2F/Recordings/\(id)").object["Status"] as? String == "Closed" ? true : nil
        }
        desk.terminate()
        #expect(try await server.terminate() == 0, "\(server.log.suffix(3000))")

        let r = try #require(try RecordedCall.all(under: storage).first { $0.json["RecordingIdentifier"] as? String == recordingId })
        #expect(r.endReason == "stopped")
        // One pause, the audio's (the client waited 1.5 s); the screen's pause is not in the audio.
        let pauses = r.json["Pauses"] as? [[String: Any]] ?? []
        #expect(pauses.count == 1, "\(pauses)")
        let from = try #require(pauses.first?["Start"] as? Double), to = try #require(pauses.first?["End"] as? Double)
        #expect(to - from > 1.45 && to - from < 3.5, "pause \(from)…\(to)")
        for channel in 0..<2 {
            let tone: Double = channel == 0 ? 1000 : 600
            #expect(ToneAnalysis.rms(r.audio.slice(channel: channel, from: from + 0.1, to: to - 0.1)) == 0, "channel \(channel) silent while paused")
            // Sound on both sides of the audio's pause, and all through the screen's pause after it.
            let after = ToneAnalysis.dominantFrequency(r.audio.slice(channel: channel, from: to + 0.1, to: min(to + 2.5, r.durationSeconds - 0.2)),
                                                       sampleRate: r.audio.sampleRate, from: 200, to: 2000)
            #expect(after == tone, "channel \(channel): \(after) Hz after the audio's pause")
            #expect(ToneAnalysis.rms(r.audio.slice(channel: channel, from: to + 0.1, to: min(to + 2.5, r.durationSeconds - 0.2))) > 1000)
        }
    }
}
