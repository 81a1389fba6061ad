import CalltapTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A storage root copied to another path (a restore, a move to a bigger disk) and served from
/// there: the index names files relative to the root, so the interrupted recording is repaired
/// in the copy, the original is left as it was, and the API serves the copy's audio.
/// Needs root (libpcap on `lo`), sipp, sox and sqlite3.
@Suite(.serialized) struct RelocatedStorageTests {
    @Test func aCopiedRootIsRepairedAndServedWhereItNowIs() async throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-relocated")
        let plan = SIPpCall.Plan(callerIP: "127.0.22.1", calleeIP: "127.0.22.2", portBase: try LivePorts.freeBlock(12),
                                 calleeUser: "callee", seconds: 6)
        let original = dir + "/recordings", copy = dir + "/moved/recordings"
        func config(_ root: String, _ name: String) throws -> String {
            let path = dir + "/\(name).yaml"
            try """
            capture:
              interfaces: [lo]
              filter: "udp and net 127.0.22.0/30"
              sipPorts: [\(plan.sipPorts.map(String.init).joined(separator: ", "))]
            storage: { root: "\(root)", commitDelaySeconds: 0.5 }
            http: { bind: "127.0.0.1:0" }
            cluster: { serverId: relocated-test }
            agents:
              - { id: 1, businessUnit: 0, phone: "callee", systemUsername: one, deviceId: "dev-1", policy: always }
            """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        let first = try await LiveServer(config: try config(original, "first"), logPath: dir + "/serve-1.log")
        defer { first.kill() }
        _ = try await Deadline.poll("serve to be ready", timeout: 15) { try await first.get("/readyz").status == 200 ? true : nil }
        let call = try await SIPpCall(plan, directory: dir + "/sipp")
        defer { call.kill() }
        let id = try await call.callID()
        let recordingId = try await Deadline.poll("the call to be recorded", timeout: 15) { () -> String? in
            let agent = try await first.agent(phone: "callee")
            guard let active = agent["ActiveCall"] as? [String: Any], active["CallInstance"] as? String == id else { return nil }
            return (active["Recordings"] as? [[String: Any]] ?? []).first?["RecordingIdentifier"] as? String
        }
        // Some seconds of audio on disk, then kill -9 mid-call.
        try await Task.sleep(nanoseconds: 3_000_000_000)
        first.kill()
        try await call.waitForEnd(timeout: 15)

        let originalWAV = try #require(RepositoryPaths.files(under: original, withExtension: "wav").first)
        let originalBytes = try Data(contentsOf: URL(fileURLWithPath: originalWAV))
        // The killed writer left the sizes of its open: RIFF 8, data 0.
        #expect(Self.u32(originalBytes, 4) == 8)
        try FileManager.default.createDirectory(atPath: dir + "/moved", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: original, toPath: copy)
        let movedWAV = copy + String(originalWAV.dropFirst(original.count))
        #expect(FileManager.default.fileExists(atPath: movedWAV))

        let second = try await LiveServer(config: try config(copy, "second"), logPath: dir + "/serve-2.log")
        defer { second.kill() }
        _ = try await Deadline.poll("the copy to be served", timeout: 15) { try await second.get("/readyz").status == 200 ? true : nil }
        let items = try await second.recordings(callInstance: id)
        #expect(items.map { $0["EndReason"] as? String } == ["interrupted"], "\(items)")

        // Repaired where it now is: the header says the file's length, and the sidecar is there.
        let moved = try Data(contentsOf: URL(fileURLWithPath: movedWAV))
        #expect(UInt64(Self.u32(moved, 4)) == UInt64(moved.count) - 8)
        let recorded = try RecordedCall(sidecarPath: (movedWAV as NSString).deletingPathExtension + ".json")
        #expect(recorded.endReason == "interrupted")
        #expect(recorded.json["RecordingIdentifier"] as? String == recordingId)
        #expect(recorded.durationSeconds > 1.5)
        #expect(recorded.audio.frames > 8000)
        // The original is untouched: same bytes, still no sidecar.
        #expect(try Data(contentsOf: URL(fileURLWithPath: originalWAV)) == originalBytes)
        #expect(!FileManager.default.fileExists(atPath: (originalWAV as NSString).deletingPathExtension + ".json"))

        // The API serves the copy's audio and sidecar.
        let audio = try await second.get("/api/Recordings/\(recordingId)/Audio")
        #expect(audio.status == 200)
        #expect(audio.body == moved)
        let sidecar = try await second.get("/api/Recordings/\(recordingId)")
        #expect(sidecar.object["EndReason"] as? String == "interrupted")

        // The index names the files relative to the root.
        let rows = try SQLiteShell.rows(copy + "/calltap.sqlite", "SELECT sidecarPath, audioPaths FROM recordings")
        let relative = String(movedWAV.dropFirst(copy.count + 1))
        #expect(rows == ["\((relative as NSString).deletingPathExtension).json|[\"\(relative)\"]"])
        #expect(try await second.terminate() == 0)
    }

    static func u32(_ data: Data, _ at: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(data[data.startIndex + at + $1]) << (8 * UInt32($1)) }
    }
}
