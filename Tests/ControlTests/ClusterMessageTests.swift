import CalltapTestSupport
import Control
import Foundation
import Testing

/// The JSON the servers exchange: what it looks like, that it reads back, and what is refused.
@Suite struct ClusterMessageTests {
    let agent = ClusterAgentKey(id: 2, phone: "5003")

    @Test func blackoutStartReadsBackWithItsFields() throws {
        let blackout = ClusterBlackout(agent: agent, action: .start, startNanos: 1_700_000_000_250_000_000,
                                       limitNanos: 1_700_000_600_250_000_000, origin: "rec-a", sequence: 41)
        let message = ClusterMessage(origin: "rec-a", sequence: 41, sentNanos: 1_700_000_001_000_000_000, body: .blackoutStart(blackout))
        let bytes = message.encoded()
        let json = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(json["Version"] as? Int == 1)
        #expect(json["Type"] as? String == "BlackoutStart")
        #expect(json["Origin"] as? String == "rec-a")
        #expect(json["Sequence"] as? Int == 41)
        let inner = try #require(json["Blackout"] as? [String: Any])
        #expect(inner["StartNanos"] as? Int == 1_700_000_000_250_000_000)
        #expect((inner["StartTime"] as? String)?.hasPrefix("2023-11-14T22:13:20.25") == true)
        #expect((inner["Agent"] as? [String: Any])?["AgentId"] as? Int == 2)
        #expect((inner["Agent"] as? [String: Any])?["Phone"] as? String == "5003")
        #expect(try ClusterMessage.decode(bytes) == message)
    }

    @Test func stopAndStateReadBack() throws {
        let stop = ClusterBlackout(agent: agent, action: .stop, startNanos: 10, stopNanos: 20, ended: "stopped", origin: "b", sequence: 7)
        for body: ClusterMessage.Body in [.blackoutStop(stop), .stateRequest, .state(requestedBy: "a", blackouts: [stop])] {
            let message = ClusterMessage(origin: "b", sequence: 9, sentNanos: 30, body: body)
            #expect(try ClusterMessage.decode(message.encoded()) == message)
        }
    }

    @Test func agentChangesReadBackAndAStateFromAnOlderServerHasNone() throws {
        var entry = DirectoryEntry(profile: AgentProfile(id: 41, phone: "4101", systemUsername: "hot", policy: .always),
                                   login: AgentLogin(phone: "4102", deviceId: nil, nanos: 5), changedNanos: 6, origin: "rec-a")
        let removed = DirectoryEntry(profile: AgentProfile(id: 42, phone: "4109"), removed: true, changedNanos: 7, origin: "rec-b")
        for body: ClusterMessage.Body in [.agents([entry, removed]), .state(requestedBy: "", blackouts: [], agents: [entry])] {
            let message = ClusterMessage(origin: "rec-a", sequence: 3, sentNanos: 8, body: body)
            #expect(try ClusterMessage.decode(message.encoded()) == message)
        }
        entry.login = nil
        #expect(try ClusterMessage.decode(ClusterMessage(origin: "a", sequence: 1, sentNanos: 0, body: .agents([entry])).encoded())
            .body == .agents([entry]))
        let older = #"{"Version":1,"Type":"State","Origin":"x","Sequence":1,"SentNanos":0,"RequestedBy":"","Blackouts":[]}"#
        #expect(try ClusterMessage.decode(Array(older.utf8)).body == .state(requestedBy: "", blackouts: [], agents: []))
    }

    @Test func futureVersionIsRefusedAsSuch() {
        let json = #"{"Version": 2, "Type": "BlackoutStart", "Origin": "x", "Sequence": 1, "SentNanos": 0, "Hologram": true}"#
        #expect(throws: ClusterMessageError.unsupportedVersion(2)) { try ClusterMessage.decode(Array(json.utf8)) }
        #expect(ClusterMessageError.unsupportedVersion(2).description
            == "cluster message version 2 is not supported (this server reads version 1)")
    }

    @Test func malformedMessagesAreRefusedWithAReason() {
        let cases: [(String, ClusterMessageError)] = [
            ("not json", .malformed("not a JSON object (8 bytes)")),
            (#"{"Type": "StateRequest"}"#, .malformed("no Version")),
            (#"{"Version": 1, "Type": "StateRequest", "Sequence": 1, "SentNanos": 0}"#, .malformed("no Origin")),
            (#"{"Version": 1, "Type": "Teleport", "Origin": "x", "Sequence": 1, "SentNanos": 0}"#, .unknownType("Teleport")),
            (#"{"Version": 1, "Type": "BlackoutStart", "Origin": "x", "Sequence": 1, "SentNanos": 0}"#, .malformed("no Blackout")),
        ]
        for (json, expected) in cases {
            #expect(throws: expected, "\(json)") { try ClusterMessage.decode(Array(json.utf8)) }
        }
        // A stop before its start, a start with a stop, a sequence that is not a number.
        let broken = [
            #"{"Version":1,"Type":"BlackoutStop","Origin":"x","Sequence":1,"SentNanos":0,"Blackout":{"Agent":{"AgentId":1,"Phone":"1"},"Action":"Stop","StartNanos":20,"StopNanos":10,"Origin":"x","Sequence":1}}"#,
            #"{"Version":1,"Type":"BlackoutStart","Origin":"x","Sequence":1,"SentNanos":0,"Blackout":{"Agent":{"AgentId":1,"Phone":"1"},"Action":"Stop","StartNanos":10,"StopNanos":20,"Origin":"x","Sequence":1}}"#,
            #"{"Version":1,"Type":"StateRequest","Origin":"x","Sequence":"one","SentNanos":0}"#,
        ]
        for json in broken {
            #expect(throws: ClusterMessageError.self, "\(json)") { try ClusterMessage.decode(Array(json.utf8)) }
        }
        // Hostile bytes never trap.
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0..<64, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(throws: ClusterMessageError.self) { try ClusterMessage.decode(bytes) }
        }
    }

    @Test func screenCommandRoutesByStationElseDevice() throws {
        let command = ScreenCommandMessage(type: .mask, agentId: 2, station: "", deviceId: "dev-17",
                                           screenRecordingIdentifier: "s-1", callMetadata: ["user1": "x"],
                                           time: "2026-11-22T10:15:30.250+01:00", origin: "rec-a")
        #expect(command.routingKey == "dev-17")
        #expect(ScreenCommandMessage.routingKey(station: "desk-4", deviceId: "dev-17") == "desk-4")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(command.encoded())) as? [String: Any])
        #expect(json["Type"] as? String == "Mask")
        #expect(json["AgentId"] as? Int == 2)
        #expect(json["ScreenRecordingIdentifier"] as? String == "s-1")
        #expect(json["RelatedCallInstance"] is NSNull)
        #expect((json["CallMetadata"] as? [String: String]) == ["user1": "x"])
        #expect(Set(json.keys) == ["Type", "AgentId", "Station", "ScreenRecordingIdentifier", "RelatedCallInstance",
                                   "CallMetadata", "Time", "Origin"])
    }

    @Test func brokerURLs() throws {
        let full = try BrokerEndpoint(url: "amqp://rec:p%40ss@broker.example:5673/calltap")
        #expect(full == (try BrokerEndpoint(url: "amqp://rec:p%40ss@broker.example:5673/calltap")))
        #expect(full.user == "rec" && full.password == "p@ss" && full.host == "broker.example" && full.port == 5673)
        #expect(full.virtualHost == "calltap")
        #expect(full.redacted == "amqp://rec@broker.example:5673/calltap")
        let bare = try BrokerEndpoint(url: "amqp://127.0.0.1")
        #expect(bare.user == "guest" && bare.password == "guest" && bare.port == 5672 && bare.virtualHost == "/")
        #expect(try BrokerEndpoint(url: "amqp://h/%2Fprod").virtualHost == "/prod")
        #expect(!bare.usesTLS)
        #expect(throws: BrokerError.badURL("http://h", "the scheme must be amqp or amqps")) { try BrokerEndpoint(url: "http://h") }
        // TLS: its own default port, and the scheme kept where the URL is shown.
        let tls = try BrokerEndpoint(url: "amqps://rec:secret@broker.example/calltap")
        #expect(tls.usesTLS && tls.port == 5671 && tls.redacted == "amqps://rec@broker.example:5671/calltap")
        #expect(throws: BrokerError.self) { try BrokerEndpoint(url: "amqp:///vhost") }
        #expect(throws: BrokerError.self) { try BrokerEndpoint(url: "amqp://h/a/b") }
    }
}
