import CalltapTestSupport
import Foundation
import Testing

/// Retention end to end: four SIPp calls recorded by `calltap serve`, each kept by another rule
/// (the agent's own 30 days over the default's 60; a business unit's 0 days, moved to the archive; 0 days set per call
/// through `Record/UpdateForAgent`; the same under a legal hold). `calltap sweep --dry-run` lists
/// what would go and touches nothing; `calltap sweep` beside the running server moves and
/// deletes it, with the index rows; the hold keeps its recording until it is lifted, and then
/// the server's own sweep at its next start removes it. Needs root (libpcap on `lo`) and sqlite3.
@Suite(.serialized) struct RetentionLiveTests {
    @Test func expiredRecordingsAreSweptHeldOnesStayAndDryRunsTouchNothing() async throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-retention")
        let storage = dir + "/recordings", archive = dir + "/archive"
        let base = try LivePorts.freeBlock(12 * 4)
        let phones = ["2001", "2002", "2003", "2004"]
        let plans = phones.enumerated().map { i, phone in
            var plan = SIPpCall.Plan(callerIP: "127.0.24.\(2 * i + 1)", calleeIP: "127.0.24.\(2 * i + 2)",
                                     portBase: base + 12 * i, calleeUser: phone, seconds: 6)
            plan.callerHertz = 500 + 100 * i
            plan.calleeHertz = 1300 + 100 * i
            return plan
        }
        let config = dir + "/calltap.yaml"
        try """
        capture:
          interfaces: [lo]
          filter: "udp and net 127.0.24.0/24"
          sipPorts: [\(plans.flatMap(\.sipPorts).map(String.init).joined(separator: ", "))]
        storage:
          root: "\(storage)"
          commitDelaySeconds: 0.5
          retention: { defaultDays: 60, archiveRoot: "\(archive)", sweepIntervalSeconds: 3600 }
          sealing: { keyFile: "\(dir)/seal.key" }
        http: { bind: "127.0.0.1:0" }
        cluster: { serverId: retention-test }
        businessUnits:
          - { id: 2, keepDays: 0, archiveAction: move }
        agents:
          - { id: 1, phone: "2001", keepDays: 30 }
          - { id: 2, businessUnit: 2, phone: "2002" }
          - { id: 3, phone: "2003" }
          - { id: 4, phone: "2004" }
        """.write(toFile: config, atomically: true, encoding: .utf8)

        var server = try await LiveServer(config: config, logPath: dir + "/serve-1.log")
        defer { server.kill() }
        _ = try await Deadline.poll("serve to be ready", timeout: 15) { try await server.get("/readyz").status == 200 ? true : nil }
        var calls: [SIPpCall] = []
        defer { calls.forEach { $0.kill() } }
        for (i, plan) in plans.enumerated() { calls.append(try await SIPpCall(plan, directory: dir + "/sipp-\(i)")) }

        // Each agent's recording, while its call runs.
        var recording: [String: String] = [:]
        for phone in phones {
            recording[phone] = try await Deadline.poll("\(phone)'s call to be recorded", timeout: 15) { () -> String? in
                let call = try await server.agent(phone: phone)["ActiveCall"] as? [String: Any]
                return (call?["Recordings"] as? [[String: Any]])?.first?["RecordingIdentifier"] as? String
            }
        }
        func ref(_ phone: String) -> [String: Any] { ["AgentIdentifier": "Phone", "Value": phone] }
        // A value the retention cannot use is refused, and nothing changes.
        let refused = try await server.post("/api/Record/UpdateForAgent", ref("2003").merging(["CallMetadata": ["keepdays": "ten"]]) { $1 })
        #expect(refused.status == 400 && refused.text.contains("keepdays"), "\(refused.status) \(refused.text)")
        for phone in ["2003", "2004"] {
            let update = try await server.post("/api/Record/UpdateForAgent", ref(phone).merging(["CallMetadata": ["KeepDays": "0"]]) { $1 })
            #expect(update.status == 200, "\(update.text)")
        }
        let held = try await server.request("POST", "/api/Recordings/\(recording["2004"]!)/Hold",
                                            body: Data(#"{"Reason": "dispute 1138"}"#.utf8))
        #expect(held.status == 200, "\(held.text)")
        #expect((held.object["Hold"] as? [String: Any])?["Reason"] as? String == "dispute 1138")

        for call in calls { _ = try await call.caller.waitForExit(timeout: 30) }
        let items = try await Deadline.poll("the four recordings to be finished", timeout: 20) { () -> [String: [String: Any]]? in
            let page = try await server.get("/api/Recordings").object["Items"] as? [[String: Any]] ?? []
            let finished = page.filter { !($0["EndTime"] is NSNull) && $0["EndTime"] != nil }
            guard finished.count == 4 else { return nil }
            return Dictionary(uniqueKeysWithValues: finished.map { ($0["RecordingIdentifier"] as? String ?? "", $0) })
        }
        func item(_ phone: String) -> [String: Any] { items[recording[phone]!] ?? [:] }
        #expect(item("2001")["KeepDays"] as? Int == 30 && item("2001")["ArchiveAction"] as? String == "delete")
        let end = LiveServeTests.seconds(item("2001")["EndTime"]), expiry = LiveServeTests.seconds(item("2001")["ExpiresAt"])
        #expect(abs(expiry - end - 30 * 86_400) < 1, "expires 30 days after its end: \(item("2001"))")
        #expect(item("2002")["KeepDays"] as? Int == 0 && item("2002")["ArchiveAction"] as? String == "move")
        #expect(item("2003")["KeepDays"] as? Int == 0 && item("2003")["ArchiveAction"] as? String == "delete")
        #expect(item("2004")["KeepDays"] as? Int == 0 && item("2004")["Hold"] is [String: Any])

        // The files each recording has, from the index as an operator reads it.
        let database = storage + "/calltap.sqlite"
        func files(_ phone: String) throws -> [String] {
            let row = try SQLiteShell.rows(database, "SELECT sidecarPath, audioPaths FROM recordings WHERE recordingIdentifier = '\(recording[phone]!)'")
            guard let fields = row.first?.split(separator: "|", maxSplits: 1), fields.count == 2 else { return [] }
            let audio = try JSONSerialization.jsonObject(with: Data(fields[1].utf8)) as? [String] ?? []
            return ([String(fields[0])] + audio).map { $0.hasPrefix("/") ? $0 : storage + "/" + $0 }
        }
        let kept = try files("2001"), moved = try files("2002"), deleted = try files("2003"), onHold = try files("2004")
        for path in kept + moved + deleted + onHold { #expect(FileManager.default.fileExists(atPath: path), "\(path)") }
        #expect(moved.count == 2 && deleted.count == 2)

        let dry = try CalltapProcess.run(["sweep", "--dry-run", "--config", config])
        #expect(dry.status == 0, "\(dry.standardError)")
        #expect(dry.standardOutput.contains("would move \(recording["2002"]!)"), "\(dry.standardOutput)")
        #expect(dry.standardOutput.contains("would delete \(recording["2003"]!)"), "\(dry.standardOutput)")
        #expect(!dry.standardOutput.contains(recording["2001"]!) && !dry.standardOutput.contains(recording["2004"]!))
        #expect(dry.standardOutput.contains("2 recordings would go"), "\(dry.standardOutput)")
        for path in moved + deleted { #expect(FileManager.default.fileExists(atPath: path), "a dry run left \(path)") }

        let swept = try CalltapProcess.run(["sweep", "--config", config])
        #expect(swept.status == 0, "\(swept.standardOutput) \(swept.standardError)")
        #expect(swept.standardOutput.contains("2 recordings swept"), "\(swept.standardOutput)")
        for path in deleted { #expect(!FileManager.default.fileExists(atPath: path), "deleted: \(path)") }
        for path in moved {
            let target = archive + "/" + path.dropFirst(storage.count + 1)
            #expect(!FileManager.default.fileExists(atPath: path) && FileManager.default.fileExists(atPath: target), "moved: \(target)")
        }
        let archivedSidecar = try #require(FileManager.default.contents(atPath: archive + "/" + moved[0].dropFirst(storage.count + 1)))
        #expect((try JSONSerialization.jsonObject(with: archivedSidecar) as? [String: Any])?["RecordingIdentifier"] as? String
                == recording["2002"])
        #expect(Set(try SQLiteShell.rows(database, "SELECT recordingIdentifier FROM recordings"))
                == Set([recording["2001"]!, recording["2004"]!]))
        #expect(try await server.get("/api/Recordings/\(recording["2003"]!)").status == 404)
        for path in kept + onHold { #expect(FileManager.default.fileExists(atPath: path), "kept: \(path)") }
        // The audit trail has the hold (from this client's address) and each recording swept.
        let trail = try await server.get("/api/Audit").object["Items"] as? [[String: Any]] ?? []
        func audited(_ action: String, _ recording: String) -> [String: Any]? {
            trail.first { $0["Action"] as? String == action && $0["RecordingIdentifier"] as? String == recording }
        }
        let holdEntry = audited("POST /api/Recordings/\(recording["2004"]!)/Hold", recording["2004"]!)
        #expect(holdEntry?["Actor"] as? String == "anonymous" && holdEntry?["Status"] as? Int == 200, "\(trail)")
        #expect((holdEntry?["Client"] as? String)?.hasPrefix("127.0.0.1:") == true, "\(trail)")
        #expect(audited("sweep move", recording["2002"]!)?["Actor"] as? String == "sweeper", "\(trail)")
        #expect(audited("sweep delete", recording["2003"]!)?["AgentId"] as? Int == 3, "\(trail)")

        // Lifted, the hold no longer keeps it: the server's sweep at its next start removes it.
        let lifted = try await server.request("DELETE", "/api/Recordings/\(recording["2004"]!)/Hold", body: nil)
        #expect(lifted.status == 200 && lifted.object["Hold"] is NSNull, "\(lifted.text)")
        #expect(try await server.terminate() == 0)
        server = try await LiveServer(config: config, logPath: dir + "/serve-2.log")
        // The sweep logs and counts a recording after deleting its files: both are waited for too.
        _ = try await Deadline.poll("the lifted recording to be swept at start", timeout: 15) { () -> Bool? in
            guard onHold.allSatisfy({ !FileManager.default.fileExists(atPath: $0) }),
                  server.log.contains(recording["2004"]!) else { return nil }
            return try await server.get("/metrics").text.contains(#"calltap_recordings_swept_total{action="delete"} 1"#) ? true : nil
        }
        #expect(server.log.contains("retention: recording swept") && server.log.contains(recording["2004"]!), "\(server.log)")
        let metrics = try await server.get("/metrics").text
        #expect(metrics.contains(#"calltap_recordings_swept_total{action="delete"} 1"#), "\(metrics)")
        #expect(Set(try SQLiteShell.rows(database, "SELECT recordingIdentifier FROM recordings")) == [recording["2001"]!])
        for path in kept { #expect(FileManager.default.fileExists(atPath: path), "kept for 30 days: \(path)") }

        // Sealed (the server made its key), and every removal on the ledger: by `calltap sweep`
        // beside the server, then by the server itself. The chain holds; a byte changed does not.
        let ledger = try String(contentsOfFile: storage + "/seal-ledger.jsonl", encoding: .utf8)
        let events = ledger.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]).map { ($0["Event"] as? String ?? "", $0["Recording"] as? String ?? "") }
        }
        #expect(events.map(\.0) == ["sealed", "sealed", "sealed", "sealed", "archived", "removed", "removed"], "\(ledger)")
        #expect(events.suffix(3).map(\.1) == [recording["2002"]!, recording["2003"]!, recording["2004"]!], "\(ledger)")
        var verified = try CalltapProcess.run(["verify", "--config", config])
        #expect(verified.status == 0, "\(verified.standardOutput) \(verified.standardError)")
        #expect(verified.standardOutput.contains("7 ledger lines, 1 sidecars, 1 audio files checked"), "\(verified.standardOutput)")
        let audio = try #require(kept.first { $0.hasSuffix(".wav") })
        var bytes = try Data(contentsOf: URL(fileURLWithPath: audio))
        bytes[bytes.count - 100] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: audio))
        verified = try CalltapProcess.run(["verify", "--config", config])
        #expect(verified.status == 1)
        #expect(verified.standardOutput.contains("changed: \(audio.dropFirst(storage.count + 1)): the audio of recording \(recording["2001"]!)"),
                "\(verified.standardOutput)")
    }
}

/// `storage.whenFull: deleteOldestExpired` on a 40 MiB tmpfs: two recorded calls, one whose
/// retention has run out (0 days) and one kept for ever; another process then takes the space
/// down below `storage.minFreeMiB`. The server sweeps at once (its hourly sweep is far off): the
/// expired recording goes, the other stays, and the disk stays "low" in /readyz until the
/// filler goes. Needs root (tmpfs, libpcap on `lo`).
@Suite(.serialized) struct WhenFullLiveTests {
    @Test func lowSpaceSweepsExpiredRecordingsAtOnceAndNeverTheOthers() async throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-whenfull")
        let storage = dir + "/recordings"
        try FileManager.default.createDirectory(atPath: storage, withIntermediateDirectories: true)
        let mounted = try ChildProcess.run(["/bin/mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", storage],
                                           logPath: dir + "/mount.log", timeout: 10)
        try #require(mounted == 0, "mount tmpfs")
        defer { _ = try? ChildProcess.run(["/bin/umount", "-l", storage], logPath: dir + "/umount.log", timeout: 10) }
        let base = try LivePorts.freeBlock(24)
        let plans = ["3001", "3002"].enumerated().map { i, phone in
            SIPpCall.Plan(callerIP: "127.0.25.\(2 * i + 1)", calleeIP: "127.0.25.\(2 * i + 2)", portBase: base + 12 * i,
                          calleeUser: phone, seconds: 4)
        }
        let config = dir + "/calltap.yaml"
        try """
        capture:
          interfaces: [lo]
          filter: "udp and net 127.0.25.0/24"
          sipPorts: [\(plans.flatMap(\.sipPorts).map(String.init).joined(separator: ", "))]
        storage:
          root: "\(storage)"
          commitDelaySeconds: 0.5
          minFreeMiB: 20
          reserveMiB: 0
          whenFull: deleteOldestExpired
          retention: { sweepIntervalSeconds: 3600 }
        http: { bind: "127.0.0.1:0" }
        businessUnits:
          - { id: 5, keepDays: 0 }
        agents:
          - { id: 1, businessUnit: 5, phone: "3001" }
          - { id: 2, phone: "3002" }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try await LiveServer(config: config, logPath: dir + "/serve.log")
        defer { server.kill() }
        _ = try await Deadline.poll("serve to be ready", timeout: 15) { try await server.get("/readyz").status == 200 ? true : nil }
        var calls: [SIPpCall] = []
        defer { calls.forEach { $0.kill() } }
        for (i, plan) in plans.enumerated() { calls.append(try await SIPpCall(plan, directory: dir + "/sipp-\(i)")) }
        for call in calls { _ = try await call.caller.waitForExit(timeout: 30) }
        let database = storage + "/calltap.sqlite"
        let rows = try await Deadline.poll("both recordings to be finished", timeout: 20) { () -> [String]? in
            let rows = try SQLiteShell.rows(database, "SELECT agentId || '|' || sidecarPath FROM recordings WHERE state = 'Stopped' ORDER BY agentId")
            return rows.count == 2 ? rows : nil
        }
        let sidecars = rows.map { storage + "/" + $0.split(separator: "|")[1] }
        #expect(sidecars.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        try await Task.sleep(nanoseconds: 1_000_000_000)
        #expect(FileManager.default.fileExists(atPath: sidecars[0]), "nothing is swept while there is room")

        // Another process leaves 10 MiB free, below the minimum of 20.
        let free = try FileManager.default.attributesOfFileSystem(forPath: storage)[.systemFreeSize] as? NSNumber
        let freeMiB = try #require(free).intValue >> 20
        #expect(freeMiB > 30, "\(freeMiB) MiB free on the 40 MiB tmpfs")
        let filled = try ChildProcess.run(["/bin/dd", "if=/dev/zero", "of=\(storage)/filler", "bs=1M", "count=\(freeMiB - 10)"],
                                          logPath: dir + "/dd.log", timeout: 30)
        #expect(filled == 0)
        _ = try await Deadline.poll("the expired recording to be swept for space", timeout: 20) { () -> Bool? in
            FileManager.default.fileExists(atPath: sidecars[0]) ? nil : true
        }
        // The sweep logs its summary after its last deletion: wait for it before the index is read.
        _ = try await Deadline.poll("the sweep's summary for space in the log", timeout: 10) {
            server.log.contains("reason=storage low") ? true : nil
        }
        #expect(FileManager.default.fileExists(atPath: sidecars[1]), "a recording kept for ever is never swept for space")
        #expect(try SQLiteShell.rows(database, "SELECT agentId FROM recordings") == ["2"])
        #expect(try await server.get("/readyz").status == 503, "still below the minimum")
        try FileManager.default.removeItem(atPath: storage + "/filler")
        _ = try await Deadline.poll("/readyz to recover", timeout: 15) { try await server.get("/readyz").status == 200 ? true : nil }
        #expect(FileManager.default.fileExists(atPath: sidecars[1]))
    }
}
