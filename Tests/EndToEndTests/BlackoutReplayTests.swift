import CalltapTestSupport
import Foundation
import Media
import Testing

/// Blackouts on one server, driven by control scripts over SIPp captures (caller 700 Hz, callee
/// 1100 Hz; the agent is the callee): silence on every channel exactly over the interval (from
/// the start to `stopLagSeconds` past the stop), the file's length kept, the interval in the
/// sidecar with its origin and how it ended.
extension ControlScriptReplayTests {
    /// How far past a stop silence reaches.
    static let stopLag = RecordingFrames.stopLagSeconds

    /// The blackout intervals of a recording, and the seconds of capture time its file starts at.
    func blackouts(_ r: RecordedCall) -> [(start: Double, end: Double, origin: String, ended: String)] {
        (r.json["Blackouts"] as? [[String: Any]] ?? []).map {
            ($0["Start"] as? Double ?? -1, $0["End"] as? Double ?? -1, $0["Origin"] as? String ?? "", $0["Ended"] as? String ?? "")
        }
    }

    /// Every channel is exact silence over [from, to] (the sidecar's interval) and carries its
    /// tone just outside it. The interval itself is checked against the command times apart.
    func expectSilence(_ r: RecordedCall, from: Double, to: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        for channel in 0..<2 {
            #expect(ToneAnalysis.rms(r.audio.slice(channel: channel, from: from, to: to)) == 0, sourceLocation: sourceLocation)
            let tone: Double = channel == 0 ? 1100 : 700
            if from > 0.6 {
                #expect(dominant(r, channel: channel, from: from - 0.5, to: from - 0.02) == tone, sourceLocation: sourceLocation)
                // Within one packet (20 ms) of the start, sound.
                #expect(ToneAnalysis.rms(r.audio.slice(channel: channel, from: from - 0.02, to: from)) > 1000, sourceLocation: sourceLocation)
            }
            if to + 0.6 < r.audio.durationSeconds {
                #expect(dominant(r, channel: channel, from: to + 0.02, to: to + 0.5) == tone, sourceLocation: sourceLocation)
                #expect(ToneAnalysis.rms(r.audio.slice(channel: channel, from: to, to: to + 0.02)) > 1000, sourceLocation: sourceLocation)
            }
        }
    }

    @Test func blackoutSilencesEveryChannelOverItsIntervalAndKeepsTheLength() throws {
        let run = try replay("sipp-g711-tones.pcap", policy: "always", script: [
            Self.command(2, "Blackout/StartForAgent"),
            Self.command(4, "Blackout/StopForAgent"),
        ])
        #expect(run.statuses == [200, 200])
        let r = try #require(run.recordings.first)
        #expect(r.durationSeconds > 7.9)
        let offset = startSeconds(r) - (try firstPacket("sipp-g711-tones.pcap"))
        let b = blackouts(r)
        #expect(b.count == 1)
        #expect(abs((b.first?.start ?? 0) - (2 - offset)) < 0.002)
        #expect(abs((b.first?.end ?? 0) - (4 - offset + Self.stopLag)) < 0.002)
        #expect(b.first?.origin == "calltap")
        #expect(b.first?.ended == "stopped")
        expectSilence(r, from: b[0].start, to: b[0].end)
    }

    @Test func retroactiveStartSilencesTheSecondBeforeTheCommand() throws {
        let run = try replay("sipp-g711-tones.pcap", policy: "always", script: [
            Self.command(5, "Blackout/StartForAgent", #""TimeOffset": -1"#),
            Self.command(6, "Blackout/StopForAgent"),
        ])
        #expect(run.statuses == [200, 200])
        let r = try #require(run.recordings.first)
        let offset = startSeconds(r) - (try firstPacket("sipp-g711-tones.pcap"))
        let b = try #require(blackouts(r).first)
        #expect(abs(b.start - (4 - offset)) < 0.002)
        #expect(abs(b.end - (6 - offset + Self.stopLag)) < 0.002)
        expectSilence(r, from: b.start, to: b.end)
    }

    @Test func startFurtherBackThanTheCommitDelayIsClamped() throws {
        // Commit delay 2 s (the default): a start 5 s back silences from 2 s back.
        let run = try replay("sipp-g711-tones.pcap", policy: "always", script: [
            Self.command(6, "Blackout/StartForAgent", #""TimeOffset": -5"#),
            Self.command(7, "Blackout/StopForAgent"),
        ])
        #expect(run.statuses == [200, 200])
        let r = try #require(run.recordings.first)
        let offset = startSeconds(r) - (try firstPacket("sipp-g711-tones.pcap"))
        let b = try #require(blackouts(r).first)
        #expect(abs(b.start - (4 - offset)) < 0.002)
        #expect(abs(b.end - (7 - offset + Self.stopLag)) < 0.002)
        expectSilence(r, from: b.start, to: b.end)
    }

    @Test func maxAgentBlackoutEndsAForgottenBlackout() throws {
        let run = try replay("sipp-g711-tones.pcap", policy: "always", script: [
            Self.command(2, "Blackout/StartForAgent"),
        ], extraConfig: "blackout: { maxAgentBlackoutSeconds: 1.5 }")
        #expect(run.statuses == [200])
        let r = try #require(run.recordings.first)
        let offset = startSeconds(r) - (try firstPacket("sipp-g711-tones.pcap"))
        let b = try #require(blackouts(r).first)
        #expect(b.ended == "maxAgentBlackout")
        #expect(abs(b.end - (3.5 - offset + Self.stopLag)) < 0.002)
        #expect(abs(b.start - (2 - offset)) < 0.002)
        expectSilence(r, from: b.start, to: b.end)
    }

    @Test func aCallStartingDuringTheBlackoutCarriesItFromItsStart() throws {
        // The blackout is started at the capture's first packet, before the INVITE is read.
        let run = try replay("sipp-g711-tones.pcap", policy: "always", script: [
            Self.command(0, "Blackout/StartForAgent"),
            Self.command(3, "Blackout/StopForAgent"),
            Self.command(4, "Blackout/StopForAgent", #""BlackoutStopTime": "2001-01-01T00:00:00Z""#),
        ])
        // The second stop finds no blackout running: nothing to do.
        #expect(run.statuses == [200, 200, 200])
        let r = try #require(run.recordings.first)
        let offset = startSeconds(r) - (try firstPacket("sipp-g711-tones.pcap"))
        let b = try #require(blackouts(r).first)
        #expect(b.start == 0)
        #expect(abs(b.end - (3 - offset + Self.stopLag)) < 0.002)
        expectSilence(r, from: b.start, to: b.end)
    }

    @Test func stopBeforeTheStartIsABadRequest() throws {
        let run = try replay("sipp-g711-tones.pcap", policy: "always", script: [
            Self.command(3, "Blackout/StartForAgent"),
            Self.command(4, "Blackout/StopForAgent", #""BlackoutStopTime": "2001-01-01T00:00:00Z""#),
            Self.command(5, "Blackout/StopForAgent"),
        ])
        #expect(run.statuses == [200, 400, 200])
        #expect(run.codes[1] == "bad_request")
    }

    @Test func digitsInsideTheBlackoutAreNeverStored() throws {
        // SIP_DTMF2.cap: RFC 4733 digits 6 7 8 9 1 2 3 at 81.53 … 85.67 s into the capture, sent
        // by 2502 to agent 2504. The blackout covers 7 to 2.
        let dir = RepositoryPaths.temporaryDirectory()
        let config = dir + "/calltap.yaml"
        try "agents:\n  - { id: 4, phone: \"2504\", policy: always }\n".write(toFile: config, atomically: true, encoding: .utf8)
        let script = dir + "/control.jsonl"
        let agent = #"{"AgentIdentifier": "Phone", "Value": "2504"}"#
        try [#"{"at": 82.5, "command": "Blackout/StartForAgent", "body": \#(agent)}"#,
             #"{"at": 85.3, "command": "Blackout/StopForAgent", "body": \#(agent)}"#]
            .joined(separator: "\n").write(toFile: script, atomically: true, encoding: .utf8)
        let (outcome, summary) = try CalltapProcess.replay(RepositoryPaths.capture("SIP_DTMF2.cap"), out: dir + "/out",
                                                           extra: ["--config", config, "--control", script])
        #expect(outcome.status == 0)
        #expect((summary["Commands"] as? [[String: Any]])?.compactMap { $0["Status"] as? Int } == [200, 200])
        let r = try #require(try RecordedCall.all(under: dir + "/out").first { ($0.json["Dtmf"] as? [Any])?.isEmpty == false })
        let dtmf = try #require(r.json["Dtmf"] as? [[String: Any]])
        #expect(dtmf.map { $0["Digit"] as? String } == ["6", "", "", "", "", "", "3"])
        #expect(dtmf.map { $0["Masked"] as? Bool } == [false, true, true, true, true, true, false])
        #expect(blackouts(r).count == 1)
    }

    /// A digit that straddles a blackout's edge is masked: 6 (4.70–4.82 s into the file) is
    /// pressed before the start and released inside, 3 (8.84–8.96 s) pressed inside and released
    /// after the stop. The rule is the late path's too (`Sidecar.Digit.overlaps`).
    @Test func digitsStraddlingTheEdgesAreMasked() throws {
        let dir = RepositoryPaths.temporaryDirectory()
        let config = dir + "/calltap.yaml"
        try "agents:\n  - { id: 4, phone: \"2504\", policy: always }\n".write(toFile: config, atomically: true, encoding: .utf8)
        let script = dir + "/control.jsonl"
        let agent = #"{"AgentIdentifier": "Phone", "Value": "2504"}"#
        // The file starts 76.828 s after the capture's first packet.
        try [#"{"at": 81.588, "command": "Blackout/StartForAgent", "body": \#(agent)}"#,
             #"{"at": 85.728, "command": "Blackout/StopForAgent", "body": \#(agent)}"#]
            .joined(separator: "\n").write(toFile: script, atomically: true, encoding: .utf8)
        let (outcome, _) = try CalltapProcess.replay(RepositoryPaths.capture("SIP_DTMF2.cap"), out: dir + "/out",
                                                     extra: ["--config", config, "--control", script])
        #expect(outcome.status == 0)
        let r = try #require(try RecordedCall.all(under: dir + "/out").first { ($0.json["Dtmf"] as? [Any])?.isEmpty == false })
        let dtmf = try #require(r.json["Dtmf"] as? [[String: Any]])
        let b = try #require(blackouts(r).first)
        #expect(abs(b.start - 4.76) < 0.002 && abs(b.end - 8.9 - Self.stopLag) < 0.002, "blackout \(b)")
        #expect(dtmf.first?["Time"] as? Double == 4.7 && dtmf.last?["Time"] as? Double == 8.84)
        #expect(dtmf.map { $0["Digit"] as? String } == ["", "", "", "", "", "", ""])
        #expect(dtmf.allSatisfy { $0["Masked"] as? Bool == true })
    }
}
