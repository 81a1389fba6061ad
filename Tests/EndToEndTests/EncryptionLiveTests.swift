import CalltapTestSupport
import Foundation
import Media
import Testing

/// Audio encrypted at rest (`storage.encryption.keyFile`) on a live `serve` recording SIPp calls:
/// nothing plain is left on disk, the API serves the plain audio whole and by ranges (the bytes
/// whose digest the sidecar gives), `calltap export` writes the same, the chain verifies; a key
/// added and SIGHUP rotates without touching older files, and a key taken away makes its
/// recordings fail clearly (500, the metric, the log, export's exit 1), never noise. Needs root
/// (libpcap on `lo`), sipp and sox.
@Suite(.serialized) struct EncryptionLiveTests {
    static func key(_ id: String, _ seed: UInt8) -> String {
        "\(id) " + Data((0..<32).map { UInt8(truncatingIfNeeded: Int($0) * 7 + Int(seed)) }).base64EncodedString() + "\n"
    }

    @Test func encryptedRecordingsDownloadAsThePlainAudioAndRotateTheirKeys() async throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-encryption")
        let storage = dir + "/recordings", keys = dir + "/audio.keys", config = dir + "/calltap.yaml"
        try Self.key("2026a", 1).write(toFile: keys, atomically: true, encoding: .utf8)
        chmod(keys, 0o600)
        let base = try LivePorts.freeBlock(24)
        func plan(_ i: Int) -> SIPpCall.Plan {
            SIPpCall.Plan(callerIP: "127.0.27.\(2 * i + 1)", calleeIP: "127.0.27.\(2 * i + 2)", portBase: base + 12 * i, seconds: 6)
        }
        try """
        capture:
          interfaces: [lo]
          filter: "udp and net 127.0.27.0/24"
          sipPorts: [\((plan(0).sipPorts + plan(1).sipPorts).map(String.init).joined(separator: ", "))]
        storage:
          root: "\(storage)"
          commitDelaySeconds: 0.5
          encryption: { keyFile: "\(keys)" }
          sealing: { keyFile: "\(dir)/seal.key" }
        http: { bind: "127.0.0.1:0" }
        """.write(toFile: config, atomically: true, encoding: .utf8)

        var server = try await LiveServer(config: config, logPath: dir + "/serve-1.log")
        defer { server.kill() }
        _ = try await Deadline.poll("serve to be ready", timeout: 15) { try await server.get("/readyz").status == 200 ? true : nil }

        /// Places call `i`; its recording's index entry once finished.
        func record(_ i: Int) async throws -> [String: Any] {
            let call = try await SIPpCall(plan(i), directory: dir + "/sipp-\(i)")
            defer { call.kill() }
            let callID = try await call.callID()
            try await call.waitForEnd(timeout: 30)
            return try await Deadline.poll("call \(i)'s recording to finish", timeout: 15) { () -> [String: Any]? in
                let items = try await server.recordings(callInstance: callID)
                return items.first { !($0["EndTime"] is NSNull) && $0["EndTime"] != nil }
            }
        }
        func sidecar(_ id: String) throws -> (Sidecar, String) {
            let path = try #require(RepositoryPaths.files(under: storage, withExtension: "json").first { $0.hasSuffix("/\(id).json") })
            return (try JSONDecoder().decode(Sidecar.self, from: Data(contentsOf: URL(fileURLWithPath: path))), path)
        }

        let first = try #require(try await record(0)["RecordingIdentifier"] as? String)
        let (sidecar1, sidecarPath1) = try sidecar(first)
        let audioPath1 = (sidecarPath1 as NSString).deletingLastPathComponent + "/" + (sidecar1.audio.file ?? "")
        // On disk: the encrypted form only, as the sidecar says.
        let stored = try Data(contentsOf: URL(fileURLWithPath: audioPath1))
        #expect(stored.prefix(8) == Data("CTAPENC1".utf8) && stored.range(of: Data("RIFF".utf8)) == nil)
        let storedDigest = try FileDigest.sha256(path: audioPath1)
        #expect(sidecar1.encryption?.keyId == "2026a" && sidecar1.encryption?.files.first?.sha256 == storedDigest)
        #expect(RepositoryPaths.files(under: storage, withExtension: "plain").isEmpty)

        // Through the API: the plain audio, byte for byte the file whose digest the sidecar has.
        let whole = try await server.get("/api/Recordings/\(first)/Audio")
        #expect(whole.status == 200 && whole.body.prefix(4) == Data("RIFF".utf8))
        let wholeFile = dir + "/download.wav"
        try whole.body.write(to: URL(fileURLWithPath: wholeFile))
        #expect(try FileDigest.sha256(path: wholeFile) == sidecar1.sha256)
        let decoded = try DecodedAudio(path: wholeFile)
        #expect(ToneAnalysis.dominantFrequency(decoded.slice(channel: 0, from: 1, to: 2), sampleRate: decoded.sampleRate) == 700)
        #expect(ToneAnalysis.dominantFrequency(decoded.slice(channel: 1, from: 1, to: 2), sampleRate: decoded.sampleRate) == 1100)
        let size = whole.body.count
        try #require(size > 2 * EncryptedAudioFile.defaultChunkBytes + 501, "the call spans several chunks: \(size) bytes")
        let chunk = EncryptedAudioFile.defaultChunkBytes
        for (range, expected) in [("bytes=0-43", 0..<44), ("bytes=\(chunk - 10)-\(chunk + 9)", chunk - 10..<chunk + 10),
                                  ("bytes=\(size - 1)-", size - 1..<size), ("bytes=-100", size - 100..<size),
                                  ("bytes=1000-\(2 * chunk + 500)", 1000..<2 * chunk + 501)] {
            let part = try await server.request("GET", "/api/Recordings/\(first)/Audio", body: nil, headers: ["Range": range])
            #expect(part.status == 206, "\(range)")
            #expect(part.body == whole.body[expected], "\(range)")
        }
        // calltap export: the same bytes, checked against the sidecar.
        let exported = try CalltapProcess.run(["export", first, "--output", dir + "/export.wav", "--config", config])
        #expect(exported.status == 0, "\(exported.standardError)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/export.wav")) == whole.body)

        // Rotation: a second key, current after SIGHUP; the next recording uses it, the first keeps its own.
        try (Self.key("2026a", 1) + Self.key("2026b", 2)).write(toFile: keys, atomically: true, encoding: .utf8)
        chmod(keys, 0o600)
        kill(server.pid, SIGHUP)
        _ = try await Deadline.poll("the keys to be reloaded", timeout: 10) { server.log.contains("audio keys reloaded") ? true : nil }
        let second = try #require(try await record(1)["RecordingIdentifier"] as? String)
        let (sidecar2, _) = try sidecar(second)
        #expect(sidecar2.encryption?.keyId == "2026b")
        for (id, digest) in [(first, sidecar1.sha256), (second, sidecar2.sha256)] {
            let body = try await server.get("/api/Recordings/\(id)/Audio").body
            try body.write(to: URL(fileURLWithPath: wholeFile))
            #expect(try FileDigest.sha256(path: wholeFile) == digest)
        }
        let verified = try CalltapProcess.run(["verify", "--config", config])
        #expect(verified.status == 0, "\(verified.standardOutput)")

        // The first key taken away (restart): its recording fails clearly, the other still plays.
        try Self.key("2026b", 2).write(toFile: keys, atomically: true, encoding: .utf8)
        chmod(keys, 0o600)
        #expect(try await server.terminate() == 0)
        server = try await LiveServer(config: config, logPath: dir + "/serve-2.log")
        _ = try await Deadline.poll("serve to be ready again", timeout: 15) { try await server.get("/readyz").status == 200 ? true : nil }
        let refused = try await server.get("/api/Recordings/\(first)/Audio")
        #expect(refused.status == 500 && refused.text.contains("key '2026a'"), "\(refused.status) \(refused.text)")
        #expect(try await server.get("/api/Recordings/\(second)/Audio").status == 200)
        let metrics = try await server.get("/metrics").text
        #expect(metrics.contains("calltap_audio_decryption_failures_total 1") && metrics.contains("calltap_audio_encryption_failures_total 0"))
        #expect(server.log.contains("recording audio cannot be decrypted"))
        let noKey = try CalltapProcess.run(["export", first, "--output", dir + "/never.wav", "--config", config])
        #expect(noKey.status == 1 && noKey.standardError.contains("key '2026a'"), "\(noKey.standardError)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/never.wav"))
        // A byte of the second's audio changed on disk: refused before the answer starts.
        let audioPath2 = try #require(RepositoryPaths.files(under: storage, withExtension: "wav").first { $0.contains(second) })
        var bytes = try Data(contentsOf: URL(fileURLWithPath: audioPath2))
        bytes[100] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: audioPath2))
        #expect(try await server.get("/api/Recordings/\(second)/Audio").status == 500)
        #expect(try await server.terminate() == 0)
    }
}
