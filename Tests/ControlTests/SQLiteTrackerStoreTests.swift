import CalltapTestSupport
import Foundation
import GRDB
import Testing
@testable import Control

@Suite struct SQLiteTrackerStoreTests {
    let root = RepositoryPaths.temporaryDirectory("calltap-store")
    var path: String { root + "/" + SQLiteTrackerStore.fileName }

    func entry(_ n: Int, agent: Int? = nil, call: String? = nil, start: Int64? = nil, state: String = "Stopped") -> RecordingIndexEntry {
        RecordingIndexEntry(
            recordingIdentifier: String(format: "rec-%04d", n), callInstance: call ?? "call-\(n)@pbx", agentId: agent,
            isDuplicate: n % 7 == 0, segment: n % 3, startNanos: start ?? 1_700_000_000_000_000_000 + Int64(n) * 1_000_000_000,
            endNanos: state == "Stopped" ? 1_700_000_000_000_000_000 + Int64(n + 1) * 1_000_000_000 : nil,
            state: state, endReason: state == "Stopped" ? "bye" : nil, sidecarPath: "/r/rec-\(n).json",
            audioPaths: ["/r/rec-\(n)-caller.wav", "/r/rec-\(n)-callee.wav"], format: "wav", sampleRate: 8000,
            channelRoles: ["caller", "callee"], metadata: ["ani": "5003", "dnis": "4000", "user1": "n\(n)"])
    }

    /// Reads the file as another process would, with a connection of its own.
    func rows(_ sql: String) throws -> [Row] {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { try Row.fetchAll($0, sql: sql) }
    }

    @Test func writesReachTheFileAsRowsWithOneColumnPerField() throws {
        let store = try SQLiteTrackerStore(storageRoot: root)
        store.saveAgent(id: 2, document: StoredDocument(Data(#"{"AgentId":2}"#.utf8)))
        store.saveCall(callInstance: "a@pbx", document: StoredDocument(Data("call a".utf8)))
        store.saveRecording(entry(1, agent: 2, call: "a@pbx", state: "Recording"))
        store.flush()

        let agents = try rows("SELECT id, document, updatedAt FROM agents")
        #expect(agents.count == 1)
        #expect(agents.first?["id"] == 2)
        #expect(agents.first?["document"] == Data(#"{"AgentId":2}"#.utf8))
        #expect((agents.first?["updatedAt"] as String?)?.isEmpty == false)
        #expect(try rows("SELECT document FROM calls WHERE callInstance = 'a@pbx'").first?["document"] == Data("call a".utf8))

        let row = try #require(try rows("SELECT * FROM recordings").first)
        #expect(row["recordingIdentifier"] == "rec-0001")
        #expect(row["callInstance"] == "a@pbx")
        #expect(row["agentId"] == 2)
        #expect(row["startNanos"] == Int64(1_700_000_001_000_000_000))
        #expect(row["endNanos"] == nil as Int64?)
        #expect(row["state"] == "Recording")
        #expect(row["audioPaths"] == #"["/r/rec-1-caller.wav","/r/rec-1-callee.wav"]"#)
        #expect(row["channelRoles"] == #"["caller","callee"]"#)
        #expect(row["metadata"] == #"{"ani":"5003","dnis":"4000","user1":"n1"}"#)
        #expect(row["sampleRate"] == 8000)

        // WAL, and the indexes the search relies on.
        let queue = try DatabaseQueue(path: path)
        #expect(try queue.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        let indexes = try rows("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'recordings'")
            .map { $0["name"] as String }
        #expect(Set(indexes).isSuperset(of: ["recordings_by_start", "recordings_by_agent", "recordings_by_call", "recordings_by_state"]))
    }

    @Test func reopeningAfterTheStoreIsGoneGivesTheSameState() throws {
        do {
            let store = try SQLiteTrackerStore(storageRoot: root)
            store.saveAgent(id: 2, document: StoredDocument(Data("two".utf8)))
            store.saveAgent(id: 3, document: StoredDocument(Data("three".utf8)))
            store.saveAgent(id: 2, document: StoredDocument(Data("two, later".utf8)))
            store.saveCall(callInstance: "a@pbx", document: StoredDocument(Data("a".utf8)))
            store.saveCall(callInstance: "b@pbx", document: StoredDocument(Data("b".utf8)))
            store.removeCall(callInstance: "a@pbx")
            store.saveRecording(entry(1, agent: 2, state: "Stopped"))
            store.saveRecording(entry(2, agent: 2, state: "Recording"))
            store.saveRecording(entry(3, agent: 3, state: "Paused"))
            // No flush: going away must commit what was queued.
        }
        let reopened = try SQLiteTrackerStore(storageRoot: root)
        let stored = try reopened.load()
        #expect(stored.agents == [2: Data("two, later".utf8), 3: Data("three".utf8)])
        #expect(stored.calls == ["b@pbx": Data("b".utf8)])
        // Open when the server stopped: everything but Stopped, oldest first.
        #expect(stored.openRecordings == [entry(2, agent: 2, state: "Recording"), entry(3, agent: 3, state: "Paused")])
        #expect(try reopened.recording(id: "rec-0001") == entry(1, agent: 2, state: "Stopped"))
        #expect(try reopened.recording(id: "nope") == nil)
    }

    @Test func onlyTheLastVersionOfADocumentInABatchIsEncoded() {
        let encodings = ManagedCounter()
        func document(_ text: String) -> StoredDocument {
            StoredDocument(encoding: CountedText(text: text, counter: encodings))
        }
        let batch: [TrackerWriteQueue.Write] = [
            .agent(id: 1, document: document("one v1")), .call(callInstance: "a", document: document("a v1")),
            .recording(entry(1)), .agent(id: 1, document: document("one v2")), .removeCall(callInstance: "a"),
            .recording(entry(1, state: "Stopped")), .directoryEntry(id: 1, document: document("entry")),
        ]
        let kept = TrackerWriteQueue.latestDocuments(batch)
        #expect(kept.map { $0.documentKey ?? "recording" } == ["recording", "agent 1", "call a", "recording", "directory 1"])
        for write in kept {
            if case .agent(_, let d) = write { _ = d.data }
            if case .directoryEntry(_, let d) = write { _ = d.data }
        }
        #expect(encodings.value == 2, "the versions a later one replaces are never encoded")
    }

    @Test func flushWaitsForEveryEarlierWriteInOrder() throws {
        let store = try SQLiteTrackerStore(storageRoot: root)
        // Many updates of one row from another thread: the last one asked for must be the one kept.
        let writer = Thread {
            for i in 0..<2000 { store.saveAgent(id: 7, document: StoredDocument(Data("v\(i)".utf8))) }
        }
        writer.start()
        for i in 0..<500 {
            var e = entry(1, state: i == 499 ? "Stopped" : "Recording")
            e.metadata["step"] = "\(i)"
            store.saveRecording(e)
        }
        store.flush()
        let row = try #require(try rows("SELECT state, metadata FROM recordings").first)
        #expect(row["state"] == "Stopped")
        #expect((row["metadata"] as String).contains(#""step":"499""#))
        while !writer.isFinished { Thread.sleep(forTimeInterval: 0.001) }
        store.flush()
        #expect(try rows("SELECT document FROM agents WHERE id = 7").first?["document"] == Data("v1999".utf8))
        #expect(store.failedWrites == 0)
    }

    @Test func pagesWalkNewestFirstWithFiltersAndCursors() throws {
        let store = try SQLiteTrackerStore(storageRoot: root)
        // 120 recordings; every fourth shares its start with the one before (ties broken by id);
        // agents 1...3 in turn; two calls.
        var all: [RecordingIndexEntry] = []
        for n in 1...120 {
            let start = 1_700_000_000_000_000_000 + Int64(n - (n % 4 == 0 ? 1 : 0)) * 1_000_000_000
            all.append(entry(n, agent: n % 3 + 1, call: n % 2 == 0 ? "even@pbx" : "odd@pbx", start: start))
        }
        for e in all.shuffled() { store.saveRecording(e) }
        store.flush()
        let newestFirst = all.sorted { ($0.startNanos, $0.recordingIdentifier) > ($1.startNanos, $1.recordingIdentifier) }

        func walk(_ query: RecordingQuery) throws -> (items: [RecordingIndexEntry], pages: Int) {
            var query = query
            var items: [RecordingIndexEntry] = []
            var pages = 0
            while true {
                let page = try store.recordings(query)
                items += page.items
                pages += 1
                guard let next = page.nextCursor else { return (items, pages) }
                query.cursor = next
                if pages > 200 { Issue.record("the cursor does not advance"); return (items, pages) }
            }
        }

        let everything = try walk(RecordingQuery(limit: 25))
        #expect(everything.items == newestFirst)
        #expect(everything.pages == 5)

        let agent2 = try walk(RecordingQuery(agentId: 2, limit: 7))
        #expect(agent2.items == newestFirst.filter { $0.agentId == 2 })
        #expect(agent2.items.count == 40)

        let from = 1_700_000_000_000_000_000 + Int64(30) * 1_000_000_000
        let to = 1_700_000_000_000_000_000 + Int64(90) * 1_000_000_000
        let window = try walk(RecordingQuery(agentId: 1, callInstance: "even@pbx", fromNanos: from, toNanos: to, limit: 4))
        let expected = newestFirst.filter { $0.agentId == 1 && $0.callInstance == "even@pbx" && $0.startNanos >= from && $0.startNanos < to }
        #expect(window.items == expected)
        #expect(!expected.isEmpty)

        // The limit is clamped to 1...1000.
        #expect(try store.recordings(RecordingQuery(limit: 0)).items.count == 1)
        let big = try store.recordings(RecordingQuery(limit: 5000))
        #expect(big.items.count == 120)
        #expect(big.nextCursor == nil)
        // A page that ends exactly at the last entry says there is no next one.
        #expect(try store.recordings(RecordingQuery(limit: 120)).nextCursor == nil)
        #expect(try store.recordings(RecordingQuery(callInstance: "nobody@pbx")).items.isEmpty)
    }

    @Test(arguments: ["garbage!", "", "bm8tY29sb24", "eDp5", "MTIzOg"])
    func aCursorThePagesDidNotGiveIsABadRequest(_ cursor: String) throws {
        let store = try SQLiteTrackerStore(storageRoot: root)
        store.saveRecording(entry(1))
        store.flush()
        #expect {
            _ = try store.recordings(RecordingQuery(cursor: cursor))
        } throws: { error in
            (error as? ControlError)?.code == .badRequest
        }
    }

    @Test func aFailedWriteIsCountedAndTheOthersStillLand() throws {
        let store = try SQLiteTrackerStore(storageRoot: root)
        store.saveAgent(id: 1, document: StoredDocument(Data("one".utf8)))
        store.flush()
        // Another connection takes the calls table away: writes to it fail, the rest must not.
        try DatabaseQueue(path: path).write { try $0.execute(sql: "DROP TABLE calls") }
        store.saveCall(callInstance: "a@pbx", document: StoredDocument(Data("a".utf8)))
        store.saveAgent(id: 2, document: StoredDocument(Data("two".utf8)))
        store.saveRecording(entry(5))
        store.flush()
        #expect(store.failedWrites == 1)
        #expect(try rows("SELECT id FROM agents ORDER BY id").map { $0["id"] as Int } == [1, 2])
        #expect(try rows("SELECT recordingIdentifier FROM recordings").count == 1)
    }

    @Test func anUnopenableFileIsATypedError() throws {
        let blocker = root + "/not-a-folder"
        _ = FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8))
        #expect(throws: TrackerStoreError.self) {
            _ = try SQLiteTrackerStore(path: blocker + "/calltap.sqlite")
        }
    }

    @Test func pathsAreStoredRelativeToTheRootAndReadBackUnderIt() throws {
        let store = try SQLiteTrackerStore(storageRoot: root + "/")
        var e = entry(3, state: "Recording")
        e.sidecarPath = root + "/2026/12/04/rec-3.json"
        e.audioPaths = [root + "/./2026/12/04/rec-3.wav", "/elsewhere/rec-3.wav"]
        store.saveRecording(e)
        store.flush()
        let row = try #require(try rows("SELECT sidecarPath, audioPaths FROM recordings").first)
        #expect(row["sidecarPath"] == "2026/12/04/rec-3.json")
        // A file outside the root keeps its absolute path.
        #expect(row["audioPaths"] == #"["2026/12/04/rec-3.wav","/elsewhere/rec-3.wav"]"#)
        let read = try #require(try store.recording(id: "rec-0003"))
        #expect(read.sidecarPath == root + "/2026/12/04/rec-3.json")
        #expect(read.audioPaths == [root + "/2026/12/04/rec-3.wav", "/elsewhere/rec-3.wav"])
        #expect(try store.load().openRecordings.map(\.audioPaths) == [read.audioPaths])
    }

    /// A database from before relative paths, in a root copied from `/srv/old-root`: the
    /// migration makes every path under either root relative, so the copy resolves to itself.
    @Test func theMigrationMakesAbsolutePathsRelative() throws {
        try FileManager.default.createDirectory(atPath: root + "/2025/01/31", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: root + "/2025/01/31/moved.wav", contents: Data())
        let queue = try DatabaseQueue(path: path)
        try TrackerSchema.migrator(root: StorageRoot(root)).migrate(queue, upTo: "v1: agents, calls, recordings")
        try queue.write { db in
            var here = entry(1, state: "Recording")
            here.sidecarPath = root + "/2025/01/30/here.json"
            here.audioPaths = [root + "/2025/01/30/here.wav"]
            var moved = entry(2)
            moved.sidecarPath = "/srv/old-root/2025/01/31/moved.json"
            moved.audioPaths = ["/srv/old-root/2025/01/31/moved.wav"]
            var foreign = entry(3)
            foreign.sidecarPath = "/srv/other/notes/foreign.json"
            foreign.audioPaths = ["/srv/other/notes/foreign.wav"]
            for e in [here, moved, foreign] {
                // What v1 wrote: the paths as they were, in v1's columns.
                try db.execute(sql: """
                    INSERT INTO recordings (recordingIdentifier, callInstance, agentId, isDuplicate, segment, startNanos,
                        endNanos, state, endReason, sidecarPath, audioPaths, format, sampleRate, channelRoles, metadata, updatedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [
                    e.recordingIdentifier, e.callInstance, e.agentId, e.isDuplicate, e.segment, e.startNanos, e.endNanos,
                    e.state, e.endReason, e.sidecarPath, try RecordingIndexEntry.jsonText(e.audioPaths), e.format,
                    e.sampleRate, try RecordingIndexEntry.jsonText(e.channelRoles),
                    try RecordingIndexEntry.jsonText(e.metadata), Date(),
                ])
            }
        }
        try queue.close()

        let store = try SQLiteTrackerStore(storageRoot: root)
        let stored = try rows("SELECT recordingIdentifier, sidecarPath, audioPaths FROM recordings ORDER BY recordingIdentifier")
            .map { "\($0["recordingIdentifier"] as String) \($0["sidecarPath"] as String) \($0["audioPaths"] as String)" }
        #expect(stored == [
            #"rec-0001 2025/01/30/here.json ["2025/01/30/here.wav"]"#,
            #"rec-0002 2025/01/31/moved.json ["2025/01/31/moved.wav"]"#,
            #"rec-0003 /srv/other/notes/foreign.json ["/srv/other/notes/foreign.wav"]"#,
        ])
        #expect(try store.recording(id: "rec-0002")?.audioPaths == [root + "/2025/01/31/moved.wav"])
        #expect(try store.load().openRecordings.map(\.sidecarPath) == [root + "/2025/01/30/here.json"])
    }
}

/// A value that counts how often it is encoded.
private struct CountedText: Encodable, Sendable {
    var text: String
    var counter: ManagedCounter

    func encode(to encoder: any Encoder) throws {
        counter.increment()
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}

private final class ManagedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}
