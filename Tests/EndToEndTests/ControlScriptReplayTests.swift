import CalltapTestSupport
import Foundation
import Testing

/// `calltap replay --control`: API commands applied at capture times through the same code as
/// HTTP requests, and what they leave in the recordings. The captures are SIPp calls whose caller
/// ("caller") sends 700 Hz and whose callee ("callee") sends 1100 Hz.
@Suite struct ControlScriptReplayTests {
    /// A configuration with one agent on the callee's phone, and a script of JSON lines.
    struct Run {
        var out: String
        var outcome: CalltapProcess.Outcome
        var summary: [String: Any]
        var recordings: [RecordedCall]

        var statuses: [Int] { (summary["Commands"] as? [[String: Any]] ?? []).compactMap { $0["Status"] as? Int } }
        var codes: [String] { (summary["Commands"] as? [[String: Any]] ?? []).map { $0["Code"] as? String ?? "" } }

        func recording(segment: Int) -> RecordedCall? {
            recordings.first { $0.json["Segment"] as? Int == segment }
        }
    }

    static let agent = #"{"AgentIdentifier": "Phone", "Value": "callee"}"#

    static func command(_ at: Double, _ path: String, _ extra: String = "") -> String {
        let body = extra.isEmpty ? agent : String(agent.dropLast()) + ", " + extra + "}"
        return #"{"at": \#(at), "command": "\#(path)", "body": \#(body)}"#
    }

    func replay(_ capture: String, policy: String, script: [String], out: String? = nil, extraConfig: String = "") throws -> Run {
        let dir = RepositoryPaths.temporaryDirectory()
        let out = out ?? dir + "/recordings"
        let config = dir + "/calltap.yaml"
        try """
        agents:
          - { id: 7, businessUnit: 1, phone: "callee", systemUsername: agent7, deviceId: "dev-7", station: "WS-7", policy: \(policy) }
        \(extraConfig)
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let scriptPath = dir + "/control.jsonl"
        try script.joined(separator: "\n").write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let (outcome, summary) = try CalltapProcess.replay(RepositoryPaths.capture(capture), out: out,
                                                           extra: ["--config", config, "--control", scriptPath])
        return Run(out: out, outcome: outcome, summary: summary, recordings: try RecordedCall.all(under: out))
    }

    func startSeconds(_ r: RecordedCall) -> Double {
        let text = r.json["StartTime"] as? String ?? ""
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text)?.timeIntervalSince1970 ?? .nan
    }

    func dominant(_ r: RecordedCall, channel: Int, from: Double, to: Double) -> Double {
        ToneAnalysis.dominantFrequency(r.audio.slice(channel: channel, from: from, to: to), sampleRate: r.audio.sampleRate)
    }

    /// The capture's first packet (the INVITE), seconds since 1970.
    func firstPacket(_ capture: String) throws -> Double {
        let reader = try CaptureFileReader(path: RepositoryPaths.capture(capture))
        return Double(try #require(reader.packets.first).nanos) / 1e9
    }

    @Test func startStopAndRestartMakeTwoSegmentsWithTheUpdateInEach() throws {
        let run = try replay("sipp-g711-tones.pcap", policy: "on-demand", script: [
            Self.command(0, "Record/StartForAgent"),          // before the INVITE: no call yet
            Self.command(1, "Record/StartForAgent"),
            Self.command(2, "Record/UpdateForAgent", #""CallMetadata": {"user1": "order-42"}"#),
            Self.command(3, "Record/StopForAgent"),
            Self.command(5, "Record/StartForAgent"),
            Self.command(20, "Record/UpdateForAgent", #""CallMetadata": {"user2": "after the call"}"#),
        ])
        #expect(run.outcome.status == 0, "\(run.outcome.standardError)")
        #expect(run.statuses == [404, 200, 200, 200, 200, 200])
        #expect(run.codes.first == "no_active_call")
        #expect(run.recordings.count == 2)
        let first = try #require(run.recording(segment: 0)), second = try #require(run.recording(segment: 1))
        #expect(first.json["RecordingIdentifier"] as? String != second.json["RecordingIdentifier"] as? String)
        let t0 = try firstPacket("sipp-g711-tones.pcap")
        // Each segment starts at its command and ends at its stop, or at the BYE (8.007 s).
        #expect(abs(startSeconds(first) - (t0 + 1)) < 0.002)
        #expect(abs(first.durationSeconds - 2) < 0.002)
        #expect(first.endReason == "stopped")
        #expect(abs(startSeconds(second) - (t0 + 5)) < 0.002)
        #expect(abs(second.durationSeconds - 3.007) < 0.01)
        #expect(second.endReason == "bye")
        for r in [first, second] {
            // One agent on the call: the agent (the callee) left, the customer right.
            #expect(r.json["AgentId"] as? Int == 7)
            #expect((r.json["Audio"] as? [String: Any])?["ChannelRoles"] as? [String] == ["agent", "customer"])
            #expect(dominant(r, channel: 0, from: 0.2, to: r.audio.durationSeconds - 0.2) == 1100)
            #expect(dominant(r, channel: 1, from: 0.2, to: r.audio.durationSeconds - 0.2) == 700)
            #expect(r.metadata["user1"] == "order-42")
            #expect(r.metadata["user2"] == "after the call")
            #expect(r.metadata["calldirection"] == "I")
            #expect(r.metadata["deviceid"] == "dev-7")
            #expect(r.metadata["station"] == "WS-7")
            #expect(r.metadata["ani"] == "caller")
            #expect(r.metadata["dnis"] == "callee")
        }
    }

    @Test func duplicateStartedMidCallIsItsOwnFileAndStoppingItLeavesThePrimary() throws {
        // The stop is stamped with an ISO time (with an offset), the start in seconds.
        let stopAt = Date(timeIntervalSince1970: try firstPacket("sipp-g711-tones.pcap") + 6)
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        iso.timeZone = TimeZone(secondsFromGMT: 3600)
        let run = try replay("sipp-g711-tones.pcap", policy: "always", script: [
            Self.command(3, "Record/StartDuplicateForAgent"),
            #"{"at": "\#(iso.string(from: stopAt))", "command": "Record/StopDuplicateForAgent", "body": \#(Self.agent)}"#,
        ])
        #expect(run.outcome.status == 0, "\(run.outcome.standardError)")
        #expect(run.statuses == [200, 200])
        #expect(run.recordings.count == 2)
        let primary = try #require(run.recordings.first { $0.json["IsDuplicate"] as? Bool == false })
        let duplicate = try #require(run.recordings.first { $0.json["IsDuplicate"] as? Bool == true })
        let t0 = try firstPacket("sipp-g711-tones.pcap")
        // The primary runs from the first RTP packet to the BYE, through the duplicate's stop.
        #expect(primary.durationSeconds > 7.9)
        #expect(primary.endReason == "bye")
        #expect(abs(startSeconds(duplicate) - (t0 + 3)) < 0.002)
        #expect(abs(duplicate.durationSeconds - 3) < 0.002)
        #expect(duplicate.endReason == "stopped")
        #expect(dominant(duplicate, channel: 0, from: 0.1, to: 2.9) == 1100)
        #expect(dominant(duplicate, channel: 1, from: 0.1, to: 2.9) == 700)
        // The duplicate's samples are the primary's over the same stretch. Each recording anchors
        // its streams at the first packet it sees, so they may sit a few samples apart (never a packet).
        let offset = startSeconds(duplicate) - startSeconds(primary)
        let frames = Int(offset * Double(primary.audio.sampleRate))
        let probe = Array(duplicate.audio.channels[0][4000..<12000])
        let lag = (-40...40).first { lag in
            Array(primary.audio.channels[0][(frames + 4000 + lag)..<(frames + 12000 + lag)]) == probe
        }
        #expect(lag != nil)
    }

    @Test func duplicateOfAHeldCallNamedByItsCallIdentifier() throws {
        let run = try replay("sipp-hold.pcap", policy: "on-demand", script: [
            Self.command(4, "Record/StartDuplicateForAgent", #""CallIdentifier": "no-such-call""#),
            Self.command(4, "Record/StartDuplicateForAgent", #""CallIdentifier": "1-1329@127.0.10.1""#),
        ])
        #expect(run.outcome.status == 0, "\(run.outcome.standardError)")
        #expect(run.statuses == [404, 200])
        #expect(run.codes.first == "call_not_found")
        // On-demand: the only recording is the duplicate, from 4 s (on hold) to the BYE at 9.02 s.
        #expect(run.recordings.count == 1)
        let duplicate = try #require(run.recordings.first)
        #expect(duplicate.json["IsDuplicate"] as? Bool == true)
        #expect(duplicate.callInstance == "1-1329@127.0.10.1")
        #expect(abs(startSeconds(duplicate) - (try firstPacket("sipp-hold.pcap") + 4)) < 0.002)
        #expect(abs(duplicate.durationSeconds - 5.02) < 0.02)
        // After the hold (6 s, 2 s into the file) both sides talk again.
        #expect(dominant(duplicate, channel: 0, from: 2.5, to: 4.5) == 1100)
        #expect(dominant(duplicate, channel: 1, from: 2.5, to: 4.5) == 700)
    }

    @Test func pauseSilencesEveryChannelAndKeepsTheTimeline() throws {
        let run = try replay("sipp-g711-tones.pcap", policy: "always", script: [
            Self.command(2, "Record/PauseForAgent"),
            Self.command(4, "Record/ResumeForAgent"),
        ])
        #expect(run.statuses == [200, 200])
        let r = try #require(run.recordings.first)
        #expect(r.durationSeconds > 7.9)
        let start = startSeconds(r) - (try firstPacket("sipp-g711-tones.pcap"))
        let pauses = try #require(r.json["Pauses"] as? [[String: Any]])
        #expect(pauses.count == 1)
        let from = try #require(pauses.first?["Start"] as? Double), to = try #require(pauses.first?["End"] as? Double)
        #expect(abs(from - (2 - start)) < 0.002)
        #expect(abs(to - (4 - start + Self.stopLag)) < 0.002)
        for channel in 0..<2 {
            let silent = ToneAnalysis.silentIntervals(r.audio.channels[channel], sampleRate: r.audio.sampleRate, threshold: 1)
            #expect(silent.contains { abs($0.start - from) < 0.011 && abs($0.end - to) < 0.011 })
            #expect(ToneAnalysis.rms(r.audio.slice(channel: channel, from: from, to: to)) == 0)
        }
        #expect(dominant(r, channel: 0, from: 0.5, to: from - 0.1) == 1100)
        #expect(dominant(r, channel: 0, from: to + 0.1, to: to + 2) == 1100)
    }

    @Test func sameCaptureAndScriptGiveByteIdenticalRecordings() throws {
        let script = [
            Self.command(1, "Record/StartForAgent"),
            Self.command(2.5, "Record/UpdateForAgent", #""CallMetadata": {"user3": "x"}"#),
            Self.command(3, "Record/StopForAgent"),
            Self.command(4, "Record/StartForAgent"),
        ]
        let a = try replay("sipp-g711-tones.pcap", policy: "on-demand", script: script)
        let b = try replay("sipp-g711-tones.pcap", policy: "on-demand", script: script)
        let filesA = RepositoryPaths.files(under: a.out, withExtension: "wav") + RepositoryPaths.files(under: a.out, withExtension: "json")
        let filesB = RepositoryPaths.files(under: b.out, withExtension: "wav") + RepositoryPaths.files(under: b.out, withExtension: "json")
        #expect(filesA.count == 4)
        #expect(filesA.map { String($0.dropFirst(a.out.count)) } == filesB.map { String($0.dropFirst(b.out.count)) })
        for (x, y) in zip(filesA, filesB) {
            #expect(try Data(contentsOf: URL(fileURLWithPath: x)) == Data(contentsOf: URL(fileURLWithPath: y)))
        }
    }

    @Test func badScriptLineExitsTwoNamingTheLine() throws {
        let dir = RepositoryPaths.temporaryDirectory()
        let scriptPath = dir + "/bad.jsonl"
        try [Self.command(1, "Record/StartForAgent"),
             #"{"at": 2, "command": "Record/UpdateForAgent", "body": {"AgentIdentifier": "Phone", "Value": "callee", "CallMetadata": {"ani": "x"}}}"#]
            .joined(separator: "\n").write(toFile: scriptPath, atomically: true, encoding: .utf8)
        let outcome = try CalltapProcess.run(["replay", RepositoryPaths.capture("sipp-g711-tones.pcap"), "--out", dir + "/out",
                                              "--control", scriptPath])
        #expect(outcome.status == 2)
        #expect(outcome.standardError.contains("bad.jsonl:2:"))
        #expect(outcome.standardError.contains("reserved_metadata_key"))
    }
}
