import CalltapTestSupport
import Foundation
import Testing

/// `calltap backup DIR` while `calltap serve` writes: agents are created through the API during
/// the copies; every copy passes SQLite's integrity check and holds the agents created before it
/// began. Restored as another server's database, a copy brings those agents back.
/// Needs root (libpcap on `lo`) and sqlite3.
@Suite(.serialized) struct BackupLiveTests {
    func config(_ dir: String, storage: String) throws -> String {
        let path = dir + "/calltap-\(UUID().uuidString.prefix(8)).yaml"
        try """
        capture: { interfaces: [lo], filter: "udp port 9" }
        storage: { root: "\(storage)" }
        http: { bind: "127.0.0.1:0" }
        agents:
          - { id: 1, phone: "1001" }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aBackupWhileTheServerWritesIsConsistentAndRestores() async throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-backup")
        let configA = try config(dir, storage: dir + "/a")
        let server = try await LiveServer(config: configA, logPath: dir + "/a.log")
        defer { server.kill() }
        _ = try await Deadline.poll("serve to be ready", timeout: 15) { try await server.get("/readyz").status == 200 ? true : nil }

        // Agents 100… are created one after another while three backups are taken.
        let writer = Task { () -> Int in
            var created = 0
            while !Task.isCancelled && created < 400 {
                let reply = try await server.request("POST", "/api/Agents", body: try JSONSerialization.data(withJSONObject: [
                    "AgentId": 100 + created, "Phone": "\(5000 + created)", "Username": "agent-\(created)"]))
                guard reply.status == 201 else { throw TestSupportError("create: \(reply.status) \(reply.text)") }
                created += 1
            }
            return created
        }
        var copies: [(path: String, atLeast: Int)] = []
        for i in 0..<3 {
            try await Task.sleep(nanoseconds: 300_000_000)
            let before = try await server.get("/api/Agents").array.count
            let outcome = try CalltapProcess.run(["backup", "--config", configA, dir + "/backups-\(i)"])
            #expect(outcome.status == 0, "\(outcome.standardError)")
            let path = try #require(outcome.standardOutput.split(separator: ":").first.map(String.init))
            #expect(outcome.standardOutput.contains("integrity ok"), "\(outcome.standardOutput)")
            copies.append((path, before))
        }
        let created = try await writer.value
        #expect(created == 400)
        for copy in copies {
            #expect(try SQLiteShell.rows(copy.path, "PRAGMA integrity_check") == ["ok"])
            let listed = Int(try SQLiteShell.rows(copy.path, "SELECT COUNT(*) FROM directory").first ?? "") ?? -1
            #expect(listed >= copy.atLeast, "\(copy.path): \(listed) agents, \(copy.atLeast) existed before it began")
        }
        // A backup never overwrites, and says why when it cannot read the database.
        let broken = try config(dir, storage: dir + "/nowhere")
        let refused = try CalltapProcess.run(["backup", "--config", broken, dir + "/backups-x"])
        #expect(refused.status == 2 && refused.standardError.contains("no such file"), "\(refused.standardError)")

        // Restored: the last copy as another server's database.
        let last = try #require(copies.last)
        let expected = Int(try SQLiteShell.rows(last.path, "SELECT COUNT(*) FROM directory WHERE json_extract(document, '$.removed') = 0").first ?? "") ?? -1
        try FileManager.default.createDirectory(atPath: dir + "/b", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: last.path, toPath: dir + "/b/calltap.sqlite")
        let restored = try await LiveServer(config: try config(dir, storage: dir + "/b"), logPath: dir + "/b.log")
        defer { restored.kill() }
        let agents = try await restored.get("/api/Agents").array
        #expect(agents.count == expected && expected > 1, "\(agents.count) agents after the restore, \(expected) in the copy")
        #expect(agents.contains { $0["Username"] as? String == "agent-0" && $0["Phone"] as? String == "5000" })
    }
}
