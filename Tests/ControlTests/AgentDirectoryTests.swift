import CalltapTestSupport
import Engine
import Foundation
import Testing
@testable import Control

/// The agent directory as the tracker changes it: the agents API, reloads of the configuration
/// (the later change wins per agent), logins, changes from other servers, and a restart.
@Suite struct AgentDirectoryTests {
    static let one = AgentProfile(id: 1, phone: "100", systemUsername: "one", deviceId: "dev-1")
    static let two = AgentProfile(id: 2, phone: "200", systemUsername: "two", policy: .onDemand)

    static func tracker(_ agents: [AgentProfile] = [one, two], serverId: String = "rec-a",
                        store: TrackerStore? = nil) -> AgentTracker {
        var configuration = ServerConfiguration()
        configuration.agents = agents
        configuration.engine.serverId = serverId
        return AgentTracker(configuration: configuration, store: store)
    }

    static func phoneOf(_ tracker: AgentTracker, _ number: String) -> Int? {
        tracker.directory.agent(phone: number)?.id
    }

    @Test func createdReplacedAndRemovedAgentsAreFoundAsTheyAre() throws {
        let tracker = Self.tracker()
        let nine = AgentProfile(id: 9, phone: "900", systemUsername: "Nine")
        let (created, isNew) = try tracker.define(nine, creating: true, at: 1_000).get()
        #expect(isNew && created.source == "api" && created.entry.changedNanos == 1_000 && created.entry.origin == "rec-a")
        #expect(tracker.directory.agent(AgentReference(kind: .systemUsername, value: "NINE"))?.id == 9)
        #expect(Self.phoneOf(tracker, "900") == 9)
        #expect(tracker.snapshots.state(of: 9)?.agentPhone == "900", "published for /api/Agent")
        #expect(tracker.snapshots.directory.isListed(9), "the directory the API reads")

        // POST refuses an existing id; PUT replaces.
        #expect(throws: ControlError.self) { try tracker.define(nine, creating: true, at: 2_000).get() }
        var moved = nine
        moved.phone = "901"
        let (replaced, isNewAgain) = try tracker.define(moved, creating: false, at: 3_000).get()
        #expect(!isNewAgain && replaced.entry.profile.phone == "901")
        #expect(Self.phoneOf(tracker, "900") == nil && Self.phoneOf(tracker, "901") == 9)

        // Clashes with another agent are conflicts; an unusable phone is a bad request.
        var clash = moved
        clash.phone = "100"
        #expect(throws: ControlError(.conflict, "phone '100' is agent 1's")) { try tracker.define(clash, creating: false, at: 4_000).get() }
        clash = AgentProfile(id: 10, phone: "1000", systemUsername: "ONE")
        #expect(throws: ControlError(.conflict, "SystemUsername 'ONE' is agent 1's (names are matched without regard to case)")) {
            try tracker.define(clash, creating: true, at: 4_000).get()
        }
        #expect(throws: ControlError.self) { try tracker.define(AgentProfile(id: 11, phone: ""), creating: true, at: 4_000).get() }

        try tracker.remove(agentId: 9, at: 5_000).get()
        #expect(tracker.directory.agent(AgentReference(kind: .id, value: "9")) == nil)
        #expect(Self.phoneOf(tracker, "901") == nil)
        #expect(tracker.snapshots.state(of: 9) == nil)
        #expect(tracker.directory.agent(id: 9)?.phone == "901", "a call in progress keeps its agent")
        #expect(throws: ControlError.self) { try tracker.remove(agentId: 9, at: 6_000).get() }
        // Its phone is free for another agent, and its id can be made again.
        _ = try tracker.define(AgentProfile(id: 12, phone: "901"), creating: true, at: 7_000).get()
        #expect(try tracker.define(nine, creating: true, at: 8_000).get().created)
    }

    @Test func aLoginMovesThePhoneAndTheLatestLoginWins() throws {
        let tracker = Self.tracker()
        // Agent 2 hot-desks at agent 1's phone and desktop.
        let login = try tracker.login(agentId: 2, phone: "100", deviceId: "DEV-1", at: 1_000).get()
        #expect(login.entry.login == AgentLogin(phone: "100", deviceId: "DEV-1", nanos: 1_000))
        #expect(Self.phoneOf(tracker, "100") == 2)
        #expect(Self.phoneOf(tracker, "200") == nil, "the agent's own phone no longer reaches them")
        #expect(tracker.directory.agent(id: 2)?.deviceId == "DEV-1")
        #expect(tracker.directory.agent(AgentReference(kind: .deviceId, value: "dev-1"))?.id == 2, "the device finds who logged in there")
        #expect(tracker.snapshots.state(of: 2)?.agentPhone == "100")
        #expect(login.entry.profile.phone == "200", "the definition is unchanged")

        // Agent 1 logs in to the same phone later: agent 2 is logged out of it, keeps the desktop.
        _ = try tracker.login(agentId: 1, phone: "100", deviceId: nil, at: 2_000).get()
        #expect(Self.phoneOf(tracker, "100") == 1)
        #expect(tracker.directory.entries[2]?.login == AgentLogin(phone: nil, deviceId: "DEV-1", nanos: 1_000))
        #expect(tracker.directory.entries[2]?.changedNanos == 2_000)
        #expect(Self.phoneOf(tracker, "200") == 2)

        let out = try tracker.logout(agentId: 2, at: 3_000).get()
        #expect(out.entry.login == nil && tracker.directory.agent(id: 2)?.deviceId == "")
        #expect(throws: ControlError.self) { try tracker.login(agentId: 3, phone: "300", deviceId: nil, at: 4_000).get() }
    }

    @Test func aReloadAppliesOnlyWhatTheFileChanged() throws {
        let tracker = Self.tracker()
        // The API moves agent 1 and creates agent 9.
        var moved = Self.one
        moved.phone = "101"
        _ = try tracker.define(moved, creating: false, at: 1_000).get()
        _ = try tracker.define(AgentProfile(id: 9, phone: "900"), creating: true, at: 1_000).get()

        // The same file again: the API's changes stay.
        var outcome = tracker.reload(agents: [Self.one, Self.two], policies: RecordingPolicies(), at: 2_000)
        #expect(outcome == DirectoryReload())
        #expect(Self.phoneOf(tracker, "101") == 1 && Self.phoneOf(tracker, "900") == 9)
        #expect(tracker.directory.definition(of: 1)?.source == "api")

        // The file changes agent 1 (later than the API did): the file wins. It drops agent 2, adds
        // agent 3, and makes on-demand the default.
        var edited = Self.one
        edited.station = "WS-1"
        let three = AgentProfile(id: 3, phone: "300")
        outcome = tracker.reload(agents: [edited, three], policies: RecordingPolicies(defaultPolicy: .onDemand), at: 3_000)
        #expect(outcome.added == [3] && outcome.replaced == [1] && outcome.removed == [2] && outcome.policiesChanged)
        #expect(Self.phoneOf(tracker, "100") == 1 && Self.phoneOf(tracker, "101") == nil)
        #expect(tracker.directory.definition(of: 1)?.source == "configuration")
        #expect(tracker.directory.definition(of: 2) == nil && tracker.directory.definition(of: 9) != nil)
        #expect(tracker.directory.definition(of: 3)?.effectivePolicy == .onDemand)

        // A file agent that clashes with an agent the API made is not applied.
        outcome = tracker.reload(agents: [edited, three, AgentProfile(id: 4, phone: "900")], policies: RecordingPolicies(), at: 4_000)
        #expect(outcome.skipped == [4] && outcome.added.isEmpty)
        #expect(Self.phoneOf(tracker, "900") == 9)
        #expect(tracker.directory.definition(of: 3)?.effectivePolicy == .always)
    }

    @Test func anotherServersLaterChangeWinsAndAnEarlierOneDoesNot() throws {
        let tracker = Self.tracker()
        var remote = DirectoryEntry(profile: AgentProfile(id: 1, phone: "150"), changedNanos: 5_000, origin: "rec-b")
        tracker.apply(remote: remote)
        #expect(Self.phoneOf(tracker, "150") == 1)
        #expect(tracker.directory.entries[1]?.configured == Self.one, "this server's memory of its file is kept")

        remote.profile.phone = "160"
        remote.changedNanos = 4_000
        tracker.apply(remote: remote)
        #expect(Self.phoneOf(tracker, "150") == 1, "an earlier change is ignored")

        // Same time: the larger server id wins on every server.
        remote.changedNanos = 5_000
        remote.origin = "rec-c"
        tracker.apply(remote: remote)
        #expect(Self.phoneOf(tracker, "160") == 1)
        remote.origin = "rec-0"
        remote.profile.phone = "170"
        tracker.apply(remote: remote)
        #expect(Self.phoneOf(tracker, "160") == 1)

        var removal = DirectoryEntry(profile: Self.two, removed: true, changedNanos: 6_000, origin: "rec-b")
        tracker.apply(remote: removal)
        #expect(tracker.directory.definition(of: 2) == nil)
        removal.removed = false
        removal.changedNanos = 7_000
        tracker.apply(remote: removal)
        #expect(tracker.directory.definition(of: 2)?.entry.profile == Self.two)
    }

    @Test func theDirectorySurvivesARestartWithTheFileAppliedOverIt() throws {
        let storage = RepositoryPaths.temporaryDirectory("calltap-directory")
        func plane(_ agents: [AgentProfile]) throws -> (ControlPlane, SQLiteTrackerStore) {
            var configuration = ServerConfiguration()
            configuration.engine.storageRoot = storage
            configuration.agents = agents
            let store = try SQLiteTrackerStore(path: storage + "/calltap.sqlite")
            let plane = ControlPlane(configuration: configuration, engine: CaptureEngine(configuration: configuration.engine), store: store)
            plane.tracker.restore(from: try store.load(), now: 10_000) { $0 }
            return (plane, store)
        }
        do {
            let (first, store) = try plane([Self.one, Self.two])
            var moved = Self.two
            moved.phone = "201"
            _ = try first.tracker.define(moved, creating: false, at: 20_000).get()
            _ = try first.tracker.define(AgentProfile(id: 9, phone: "900", systemUsername: "nine"), creating: true, at: 20_000).get()
            _ = try first.tracker.login(agentId: 9, phone: "555", deviceId: nil, at: 21_000).get()
            try first.tracker.remove(agentId: 1, at: 22_000).get()
            store.flush()
        }
        // Started again on the same file: everything the API did is still so.
        let (second, _) = try plane([Self.one, Self.two])
        let directory = second.snapshots.directory
        #expect(directory.agents.map(\.id) == [2, 9])
        #expect(directory.agent(phone: "201")?.id == 2 && directory.agent(phone: "555")?.id == 9)
        #expect(second.snapshots.state(of: 9)?.systemUsername == "nine")
        #expect(second.snapshots.all().map(\.agentId) == [2, 9])
        // Started on a file that changed agent 2: the file's agent 2 wins, the rest stays.
        var edited = Self.two
        edited.station = "WS-2"
        let (third, _) = try plane([Self.one, edited])
        #expect(third.snapshots.directory.agent(phone: "200")?.station == "WS-2")
        #expect(third.snapshots.directory.agents.map(\.id) == [2, 9])
    }
}
