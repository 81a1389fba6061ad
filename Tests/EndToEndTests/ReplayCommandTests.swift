import CalltapTestSupport
import Foundation
import Testing

/// `calltap replay` as a user's script runs it: exit status, summary, files.
@Suite struct ReplayCommandTests {
    @Test func jsonSummaryCountsCallsRecordingsAndPackets() throws {
        let out = RepositoryPaths.temporaryDirectory()
        let (outcome, summary) = try CalltapProcess.replay(RepositoryPaths.capture("nb6-telephone.pcap"), out: out)
        #expect(outcome.status == 0)
        #expect(summary["Calls"] as? Int == 1)
        #expect(summary["Recordings"] as? Int == 1)
        #expect(summary["Packets"] as? Int == 527)
        #expect(summary["Truncated"] as? Bool == false)
        let notUsed = try #require(summary["NotUsed"] as? [String: Int])
        #expect(notUsed["afterCallEnd"] == 2)
        #expect(notUsed["notIP"] == 5)
        #expect((summary["Seconds"] as? Double ?? 0) > 14)
        // Files land under DIR/yyyy/mm/dd/ as <id>.wav beside <id>.json.
        let wavs = RepositoryPaths.files(under: out, withExtension: "wav")
        #expect(wavs.count == 1)
        #expect(wavs.first?.contains("/2014/01/01/") == true)
        #expect(FileManager.default.fileExists(atPath: wavs[0].replacingOccurrences(of: ".wav", with: ".json")))
    }

    @Test func humanSummaryNamesWhatWasNotUsed() throws {
        let out = RepositoryPaths.temporaryDirectory()
        let outcome = try CalltapProcess.run(["replay", RepositoryPaths.capture("SIP_CALL_RTP_G711.pcap"), "--out", out])
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput.contains("recordings      3"))
        #expect(outcome.standardOutput.contains("otherUdp 657"))
    }

    @Test func twoReplaysGiveByteIdenticalFiles() throws {
        let a = RepositoryPaths.temporaryDirectory(), b = RepositoryPaths.temporaryDirectory()
        for out in [a, b] {
            let (outcome, _) = try CalltapProcess.replay(RepositoryPaths.capture("nb6-telephone.pcap"), out: out)
            #expect(outcome.status == 0)
        }
        let filesA = RepositoryPaths.files(under: a, withExtension: "wav") + RepositoryPaths.files(under: a, withExtension: "json")
        let filesB = RepositoryPaths.files(under: b, withExtension: "wav") + RepositoryPaths.files(under: b, withExtension: "json")
        #expect(filesA.count == 2)
        #expect(filesA.map { String($0.dropFirst(a.count)) } == filesB.map { String($0.dropFirst(b.count)) })
        for (x, y) in zip(filesA, filesB) {
            #expect(try Data(contentsOf: URL(fileURLWithPath: x)) == Data(contentsOf: URL(fileURLWithPath: y)))
        }
    }

    /// The summary streams its list of files (a replay of 40,000 calls must not hold them all):
    /// every file written, once, ordered by the recording's start, the same in JSON and in text,
    /// and the same with one media worker as with four.
    @Test func summaryListsEveryFileInStartOrder() throws {
        let dir = RepositoryPaths.temporaryDirectory()
        let capture = try GeneratedCapture(in: dir, name: "rolling", ["--calls", "60", "--seconds", "0.4", "--rolling", "10"])
        var listed: [[String]] = []
        for workers in ["1", "4"] {
            let out = dir + "/out" + workers
            let config = dir + "/workers" + workers + ".yaml"
            try "media:\n  workers: \(workers)\n".write(toFile: config, atomically: true, encoding: .utf8)
            let (outcome, summary) = try CalltapProcess.replay(capture.path, out: out, extra: ["--config", config])
            #expect(outcome.status == 0, "\(outcome.standardError)")
            let files = try #require(summary["Files"] as? [String])
            #expect(files.count == 60)
            #expect(Set(files) == Set(RepositoryPaths.files(under: out, withExtension: "wav")))
            let starts = try files.map { path -> String in
                let sidecar = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path.replacingOccurrences(of: ".wav", with: ".json"))))
                return try #require((sidecar as? [String: Any])?["StartTime"] as? String)
            }
            #expect(starts == starts.sorted())
            let text = try CalltapProcess.run(["replay", capture.path, "--out", dir + "/text" + workers, "--config", config])
            let wrote = text.standardOutput.split(separator: "\n").filter { $0.hasPrefix("  wrote ") }
                .map { $0.dropFirst("  wrote ".count).trimmingCharacters(in: .whitespaces) }
            #expect(wrote.map { String($0.dropFirst(dir.count + 5 + workers.count)) } == files.map { String($0.dropFirst(out.count)) })
            listed.append(files.map { String($0.dropFirst(out.count)) })
        }
        #expect(listed[0] == listed[1])
    }

    @Test func badInputExitsTwoWithOneLine() throws {
        let dir = RepositoryPaths.temporaryDirectory()
        var rng = SeededGenerator(seed: 0xBAD_F11E)
        let random = dir + "/random.pcap"
        try Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }).write(to: URL(fileURLWithPath: random))
        let empty = dir + "/empty.pcap"
        try Data().write(to: URL(fileURLWithPath: empty))
        // A valid pcap header with link type 147 (USER0), which calltap does not decode.
        let user0 = dir + "/user0.pcap"
        try Data([0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 147, 0, 0, 0])
            .write(to: URL(fileURLWithPath: user0))
        let badConfig = dir + "/bad.yaml"
        try "storage: { format: mp3 }\n".write(toFile: badConfig, atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["replay", dir + "/missing.pcap", "--out", dir], "no such file"),
            (["replay", random, "--out", dir], "not a readable capture"),
            (["replay", empty, "--out", dir], "not a readable capture"),
            (["replay", dir, "--out", dir], "directory"),
            (["replay", user0, "--out", dir], "unsupported link type"),
            (["replay", RepositoryPaths.capture("nb6-telephone.pcap"), "--config", badConfig, "--out", dir], "storage.format"),
        ]
        for (arguments, words) in cases {
            let outcome = try CalltapProcess.run(arguments)
            #expect(outcome.status == 2, "\(arguments)")
            let lines = outcome.standardError.split(separator: "\n")
            #expect(lines.count == 1, "\(outcome.standardError)")
            #expect(outcome.standardError.contains(words), "\(outcome.standardError)")
            #expect(outcome.standardOutput.isEmpty)
        }
        #expect(RepositoryPaths.files(under: dir, withExtension: "wav").isEmpty)
    }

    @Test func truncatedCaptureIsRecordedUpToTheCut() throws {
        let dir = RepositoryPaths.temporaryDirectory()
        let whole = try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.capture("nb6-telephone.pcap")))
        let cutPath = dir + "/cut.pcap"
        // Cut 60 % in, almost surely inside a packet.
        try whole.prefix(whole.count * 6 / 10 + 7).write(to: URL(fileURLWithPath: cutPath))
        let out = dir + "/out"
        let (outcome, summary) = try CalltapProcess.replay(cutPath, out: out)
        #expect(outcome.status == 0)
        #expect(summary["Truncated"] as? Bool == true)
        #expect(outcome.standardError.contains("cut short"))
        #expect(summary["Recordings"] as? Int == 1)
        let recording = try #require(try RecordedCall.all(under: out).first)
        // It ends with the capture, at its last audio, and holds sound in both channels.
        #expect(recording.endReason == "shutdown")
        #expect(recording.audio.durationSeconds > 2)
        #expect(recording.audio.channels.allSatisfy { ToneAnalysis.rms($0[...]) > 50 })
    }

    @Test func malformedSIPIsCountedNotFatal() throws {
        let out = RepositoryPaths.temporaryDirectory()
        let (outcome, summary) = try CalltapProcess.replay(RepositoryPaths.capture("c07-sip-r2.pcap"), out: out)
        #expect(outcome.status == 0)
        let notUsed = try #require(summary["NotUsed"] as? [String: Int])
        #expect((notUsed["malformedSip"] ?? 0) > 0)
        #expect(summary["Packets"] as? Int == 39)
        #expect(summary["Recordings"] as? Int == 0)
    }
}
