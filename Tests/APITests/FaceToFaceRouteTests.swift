import API
import Atomics
import CalltapTestSupport
import Control
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The Face-to-Face API over the real control plane (a real engine, held in the middle of a SIPp
/// call so that commands go through its inbox as they do live): every `400`, `404` and `409` of
/// the contract, the `StartedBy`/`Controller` rule, the wrap-up, and the agent's state. The
/// held capture clock does not move, so a recording stays in `WrapUp` unless the wrap-up is 0 s.
@Suite(.serialized) struct FaceToFaceRouteTests {
    typealias RunningPlane = ControlPlaneRouteTests.RunningPlane

    static let streams = #"[{"Source": "Microphone", "Address": "127.0.0.1:41000", "Codec": "PCMU/8000"}, {"Source": "speaker", "Address": "127.0.0.1:41002", "Codec": "opus/48000/2"}]"#

    static func start(agent: Int, streams: String = streams, extra: String = "") -> String {
        #"{"AgentIdentifier": "Id", "Value": "\#(agent)", "Media": "Audio", "AudioSource": "Both", "Streams": \#(streams)\#(extra.isEmpty ? "" : ", " + extra)}"#
    }

    func post(_ client: some TestClientProtocol, _ uri: String, _ json: String = "") async throws -> TestResponse {
        try await client.request(uri, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: json))
    }

    func get(_ client: some TestClientProtocol, _ uri: String) async throws -> TestResponse {
        try await client.request(uri, method: .get)
    }

    func object(_ response: TestResponse) -> [String: Any] {
        ((try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any]) ?? [:]
    }

    func expectStatus(_ response: TestResponse, _ status: HTTPResponse.Status, _ code: String? = nil,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == status, "\(String(buffer: response.body))", sourceLocation: sourceLocation)
        if let code { #expect(object(response)["Code"] as? String == code, sourceLocation: sourceLocation) }
    }

    /// Waits until the held capture was read up to its hold: commands are then stamped with its
    /// capture time. (One sent before the first packet is stamped with that packet's time.)
    func waitForHold(_ running: RunningPlane) async throws {
        for _ in 0..<1000 where !running.source.reachedHold.load(ordering: .acquiring) {
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        let held = running.source.reachedHold.load(ordering: .acquiring)
        #expect(held)
    }

    /// The bytes under a folder: the recordings of these tests are a few kilobytes; a recording
    /// whose timeline started at a wrong capture time would be gigabytes of silence.
    static func bytes(under directory: String) -> Int {
        guard let e = FileManager.default.enumerator(atPath: directory) else { return 0 }
        return e.compactMap { $0 as? String }.reduce(0) { total, name in
            total + ((try? FileManager.default.attributesOfItem(atPath: directory + "/" + name)[.size] as? Int) ?? 0)
        }
    }

    /// The recording opened at the capture time of the hold (2013 in this capture), not at 0.
    func expectStartedAtCaptureTime(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        let start = object(response)["StartTime"] as? String ?? ""
        #expect(start.hasPrefix("20") && start > "2000", "StartTime \(start)", sourceLocation: sourceLocation)
    }

    func desktopSessions(_ client: some TestClientProtocol, agent: Int) async throws -> [[String: Any]] {
        object(try await get(client, "/api/Agent?agentIdentifier=Id&value=\(agent)"))["DesktopOnlySessions"] as? [[String: Any]] ?? []
    }

    /// Runs `body` over the router against the real plane, held `seconds` into a SIPp call, and
    /// checks that the recordings folder stayed small (no timeline from a wrong capture time).
    func withHeldPlane(holdAfter seconds: Double,
                       _ body: @Sendable (any TestClientProtocol, RunningPlane) async throws -> Void) async throws {
        let running = try RunningPlane(capture: "sipp-g711-tones.pcap", holdAfter: seconds, agents: ControlPlaneRouteTests.agents)
        defer {
            #expect(Self.bytes(under: running.storage) < 20_000_000)
            running.stop()
        }
        let app = Application(router: buildRecorderRouter(service: running.plane, configuration: ServerConfiguration()))
        try await app.test(.router) { client in
            try await waitForHold(running)
            try await body(client, running)
        }
    }

    /// Audio and screen are started, paused, resumed and stopped each on its own; the recording
    /// runs while either does, and goes to wrap-up once neither does.
    @Test func audioAndScreenAreSteeredEachOnItsOwn() async throws {
        try await withHeldPlane(holdAfter: 2) { client, running in
            func states(_ r: TestResponse) -> [String?] {
                let o = object(r)
                return [o["Status"] as? String, o["AudioStatus"] as? String, o["ScreenStatus"] as? String]
            }
            func screenSessions() async throws -> Int {
                try await desktopSessions(client, agent: 2).filter { $0["Kind"] as? String == "Screen" }.count
            }
            var r = try await post(client, "/api/F2F/Recordings",
                                   #"{"AgentIdentifier": "Id", "Value": "2", "Media": "Both", "AudioSource": "Both", "Streams": \#(Self.streams)}"#)
            expectStatus(r, .created)
            let id = try #require(object(r)["Id"] as? String)
            #expect(states(r) == ["Active", "Active", "Active"])
            #expect(try await screenSessions() == 1)

            r = try await post(client, "/api/F2F/Recordings/\(id)/Pause", #"{"Media": "Screen"}"#)
            #expect(states(r) == ["Active", "Active", "Paused"], "the audio goes on while the screen is paused")
            r = try await post(client, "/api/F2F/Recordings/\(id)/Pause", #"{"Media": "Screen"}"#)
            expectStatus(r, .conflict, "conflict")
            r = try await post(client, "/api/F2F/Recordings/\(id)/Pause", #"{"Media": "Audio"}"#)
            #expect(states(r) == ["Paused", "Paused", "Paused"])
            r = try await post(client, "/api/F2F/Recordings/\(id)/Resume", #"{"Media": "Screen"}"#)
            #expect(states(r) == ["Active", "Paused", "Active"], "the screen runs while the audio is paused")

            r = try await post(client, "/api/F2F/Recordings/\(id)/Stop", #"{"Media": "Screen"}"#)
            #expect(states(r) == ["Paused", "Paused", "Stopped"], "stopping the screen leaves the audio")
            #expect(try await screenSessions() == 0)
            r = try await post(client, "/api/F2F/Recordings/\(id)/Start", #"{"Media": "Screen"}"#)
            #expect(states(r) == ["Active", "Paused", "Active"])
            #expect(try await screenSessions() == 1)

            r = try await post(client, "/api/F2F/Recordings/\(id)/Stop", #"{"Media": "Audio"}"#)
            #expect(states(r) == ["Active", "Stopped", "Active"], "stopping the audio leaves the screen")
            #expect((object(r)["RecordingIdentifiers"] as? [String])?.count == 1)
            r = try await post(client, "/api/F2F/Recordings/\(id)/Start", #"{"Media": "Audio"}"#)
            #expect(states(r) == ["Active", "Active", "Active"], "the audio starts again with the streams it declared")
            #expect((object(r)["RecordingIdentifiers"] as? [String])?.count == 2, "a new segment")
            r = try await post(client, "/api/F2F/Recordings/\(id)/Start", #"{}"#)
            expectStatus(r, .badRequest, "missing_parameter")

            r = try await post(client, "/api/F2F/Recordings/\(id)/Stop")
            #expect(states(r) == ["WrapUp", "Stopped", "Stopped"])
            #expect(try await screenSessions() == 0)
            r = try await post(client, "/api/F2F/Recordings/\(id)/Start", #"{"Media": "Screen"}"#)
            expectStatus(r, .conflict, "conflict")
        }
    }

    /// A recording of one medium takes the other while it runs.
    @Test func aRunningRecordingTakesTheOtherMedium() async throws {
        try await withHeldPlane(holdAfter: 2) { client, running in
            var r = try await post(client, "/api/F2F/Recordings", #"{"AgentIdentifier": "Id", "Value": "2", "Media": "Screen"}"#)
            expectStatus(r, .created)
            let id = try #require(object(r)["Id"] as? String)
            #expect(object(r)["AudioStatus"] is NSNull)
            // The request is whole, but this recording declared no streams to start audio on.
            r = try await post(client, "/api/F2F/Recordings/\(id)/Start", #"{"Media": "Audio"}"#)
            expectStatus(r, .conflict, "conflict")
            // A name from a fixed set must not be empty, and who tagged is a string.
            r = try await post(client, "/api/F2F/Recordings/\(id)/Stop", #"{"Media": ""}"#)
            expectStatus(r, .badRequest, "bad_request")
            r = try await post(client, "/api/F2F/Recordings/\(id)/Tags", #"{"TaggedByComponent": 7, "Tags": {"a": "b"}}"#)
            expectStatus(r, .badRequest, "bad_request")
            r = try await post(client, "/api/F2F/Recordings/\(id)/Start",
                               #"{"Media": "Audio", "AudioSource": "Microphone", "Streams": \#(Self.streams)}"#)
            expectStatus(r, .ok)
            #expect(object(r)["Media"] as? String == "Both")
            #expect(object(r)["AudioStatus"] as? String == "Active" && object(r)["ScreenStatus"] as? String == "Active")
            #expect((object(r)["RecordingIdentifiers"] as? [String])?.count == 1)
        }
    }

    @Test func startConflictsPauseResumeStopAndWrapUp() async throws {
        try await withHeldPlane(holdAfter: 2) { client, running in
            var r = try await get(client, "/api/F2F/Service")
            expectStatus(r, .ok)
            #expect(object(r)["Message"] as? String == "OK")
            r = try await get(client, "/api/F2F/Application")
            #expect(object(r)["State"] as? String == "NotRecording")
            r = try await get(client, "/api/F2F/Recordings/Current?agentIdentifier=Id&value=2")
            expectStatus(r, .notFound, "not_found")
            r = try await get(client, "/api/F2F/Recordings/Current?agentIdentifier=Id&value=99")
            expectStatus(r, .notFound, "agent_not_found")
            r = try await post(client, "/api/F2F/Recordings", Self.start(agent: 99))
            expectStatus(r, .notFound, "agent_not_found")

            r = try await post(client, "/api/F2F/Recordings", Self.start(agent: 2, extra: #""Tags": {"account": "1"}"#))
            expectStatus(r, .created)
            expectStartedAtCaptureTime(r)
            var body = object(r)
            let id = try #require(body["Id"] as? String)
            #expect(r.headers[.location] == "/api/F2F/Recordings/\(id)")
            #expect(body["Status"] as? String == "Active")
            #expect(body["StartedBy"] as? String == "Api")
            #expect(body["Media"] as? String == "Audio")
            #expect(body["AudioSource"] as? String == "Both")
            #expect(body["Tags"] as? [String: String] == ["account": "1"])
            #expect((body["RecordingIdentifiers"] as? [String])?.count == 1)
            r = try await get(client, "/api/F2F/Recordings/\(id)")
            #expect(object(r)["Status"] as? String == "Active")
            r = try await get(client, "/api/F2F/Recordings/Current?agentIdentifier=Id&value=2")
            #expect(object(r)["Id"] as? String == id)
            r = try await get(client, "/api/F2F/Application")
            #expect(object(r)["State"] as? String == "Recording")
            var sessions = try await desktopSessions(client, agent: 2)
            #expect(sessions.count == 1)
            #expect(sessions.first?["SessionIdentifier"] as? String == id)
            #expect(sessions.first?["Kind"] as? String == "F2F")
            #expect(sessions.first?["State"] as? String == "Active")
            #expect(sessions.first?["StartTime"] as? String != nil)
            // The agent's call is untouched: the F2F session is not a call of the agent's state.
            r = try await get(client, "/api/Agent?agentIdentifier=Id&value=2")
            #expect((object(r)["ActiveCall"] as? [String: Any])?["CallInstance"] as? String == "1-712@127.0.10.1")

            // A second start while one is Active, then while it is Paused.
            r = try await post(client, "/api/F2F/Recordings", Self.start(agent: 2))
            expectStatus(r, .conflict, "conflict")
            r = try await post(client, "/api/F2F/Recordings/\(id)/Resume")
            expectStatus(r, .conflict, "conflict")
            r = try await post(client, "/api/F2F/Recordings/\(id)/Pause")
            expectStatus(r, .ok)
            #expect(object(r)["Status"] as? String == "Paused")
            r = try await post(client, "/api/F2F/Recordings/\(id)/Pause", "{}")
            expectStatus(r, .conflict, "conflict")
            r = try await post(client, "/api/F2F/Recordings", Self.start(agent: 2))
            expectStatus(r, .conflict, "conflict")
            sessions = try await desktopSessions(client, agent: 2)
            #expect(sessions.first?["State"] as? String == "Paused")

            // Started through the API: the desk application may neither steer nor tag it.
            r = try await post(client, "/api/F2F/Recordings/\(id)/Resume", #"{"Controller": "Desktop"}"#)
            expectStatus(r, .conflict, "conflict")
            r = try await post(client, "/api/F2F/Recordings/\(id)/Tags", #"{"TaggedByComponent": "Desk", "Tags": {"a": "b"}, "Controller": "Desktop"}"#)
            expectStatus(r, .conflict, "conflict")
            r = try await post(client, "/api/F2F/Recordings/\(id)/Resume", #"{"Controller": "Api", "Media": "Audio"}"#)
            expectStatus(r, .ok)
            #expect(object(r)["Status"] as? String == "Active")
            // Media the recording does not have; a Media that is none of the three.
            r = try await post(client, "/api/F2F/Recordings/\(id)/Pause", #"{"Media": "Screen"}"#)
            expectStatus(r, .conflict, "conflict")
            r = try await post(client, "/api/F2F/Recordings/\(id)/Pause", #"{"Media": "Video"}"#)
            expectStatus(r, .badRequest, "bad_request")

            // Tags: both parts are required and not empty.
            r = try await post(client, "/api/F2F/Recordings/\(id)/Tags", #"{"Tags": {"a": "b"}}"#)
            expectStatus(r, .badRequest, "missing_parameter")
            r = try await post(client, "/api/F2F/Recordings/\(id)/Tags", #"{"TaggedByComponent": "", "Tags": {"a": "b"}}"#)
            expectStatus(r, .badRequest, "missing_parameter")
            r = try await post(client, "/api/F2F/Recordings/\(id)/Tags", #"{"TaggedByComponent": "CRM"}"#)
            expectStatus(r, .badRequest, "missing_parameter")
            r = try await post(client, "/api/F2F/Recordings/\(id)/Tags", #"{"TaggedByComponent": "CRM", "Tags": {}}"#)
            expectStatus(r, .badRequest, "missing_parameter")
            r = try await post(client, "/api/F2F/Recordings/\(id)/Tags", #"{"TaggedByComponent": "CRM", "Tags": ["a"]}"#)
            expectStatus(r, .badRequest, "bad_request")
            r = try await post(client, "/api/F2F/Recordings/\(id)/Tags", #"{"tagged_by_component": "CRM", "Tags": {"account": "123"}}"#)
            expectStatus(r, .ok)
            #expect(object(r)["Tags"] as? [String: String] == ["account": "123"])

            // Stop: WrapUp; a second stop changes nothing; pause and resume are refused; tags still apply.
            r = try await post(client, "/api/F2F/Recordings/\(id)/Stop")
            expectStatus(r, .ok)
            body = object(r)
            #expect(body["Status"] as? String == "WrapUp")
            let stopTime = try #require(body["StopTime"] as? String)
            r = try await post(client, "/api/F2F/Recordings/\(id)/Stop")
            expectStatus(r, .ok)
            #expect(object(r)["Status"] as? String == "WrapUp")
            #expect(object(r)["StopTime"] as? String == stopTime)
            r = try await post(client, "/api/F2F/Recordings/\(id)/Pause")
            expectStatus(r, .conflict, "conflict")
            r = try await post(client, "/api/F2F/Recordings/\(id)/Resume")
            expectStatus(r, .conflict, "conflict")
            r = try await post(client, "/api/F2F/Recordings/\(id)/Tags", #"{"TaggedByComponent": "CRM", "Tags": {"outcome": "loan"}}"#)
            expectStatus(r, .ok)
            #expect(object(r)["Tags"] as? [String: String] == ["account": "123", "outcome": "loan"])
            sessions = try await desktopSessions(client, agent: 2)
            #expect(sessions.first?["State"] as? String == "WrapUp")
            r = try await get(client, "/api/F2F/Application")
            #expect(object(r)["State"] as? String == "NotRecording")

            // One in WrapUp does not block a new one (an IPv6 address this time).
            r = try await post(client, "/api/F2F/Recordings", Self.start(agent: 2, streams: #"[{"Source": "Microphone", "Address": "[::1]:41010", "Codec": "G722/8000"}]"#))
            expectStatus(r, .created)
            let second = try #require(object(r)["Id"] as? String)
            #expect(second != id)
            r = try await get(client, "/api/F2F/Recordings/Current?agentIdentifier=Id&value=2")
            #expect(object(r)["Id"] as? String == second)
            // Tagging the older one in its wrap-up leaves the newer one current.
            r = try await post(client, "/api/F2F/Recordings/\(id)/Tags", #"{"TaggedByComponent": "CRM", "Tags": {"late": "no"}}"#)
            expectStatus(r, .ok)
            r = try await get(client, "/api/F2F/Recordings/Current?agentIdentifier=Id&value=2")
            #expect(object(r)["Id"] as? String == second)
            #expect(try await desktopSessions(client, agent: 2).count == 2)

            // Unknown recordings.
            r = try await get(client, "/api/F2F/Recordings/no-such-id")
            expectStatus(r, .notFound, "not_found")
            r = try await post(client, "/api/F2F/Recordings/no-such-id/Stop")
            expectStatus(r, .notFound, "not_found")
            r = try await post(client, "/api/F2F/Recordings/no-such-id/Tags", #"{"TaggedByComponent": "CRM", "Tags": {"a": "b"}}"#)
            expectStatus(r, .notFound, "not_found")
        }
    }

    @Test func badStreamsAndBodiesAreRefused() async throws {
        try await withHeldPlane(holdAfter: 1) { client, running in
            let bad: [(String, String)] = [
                (#"[{"Source": "Microphone", "Address": "127.0.0.1", "Codec": "PCMU/8000"}]"#, "bad_request"),
                (#"[{"Source": "Microphone", "Address": "127.0.0.1:70000", "Codec": "PCMU/8000"}]"#, "bad_request"),
                (#"[{"Source": "Microphone", "Address": "127.0.0.1:0", "Codec": "PCMU/8000"}]"#, "bad_request"),
                (#"[{"Source": "Microphone", "Address": "::1:41000", "Codec": "PCMU/8000"}]"#, "bad_request"),
                (#"[{"Source": "Microphone", "Address": "host.example:41000", "Codec": "PCMU/8000"}]"#, "bad_request"),
                (#"[{"Source": "Microphone", "Address": "127.0.0.1:41000", "Codec": "G729/8000"}]"#, "bad_request"),
                (#"[{"Source": "Microphone", "Address": "127.0.0.1:41000", "Codec": "opus/16000"}]"#, "bad_request"),
                (#"[{"Source": "Camera", "Address": "127.0.0.1:41000", "Codec": "PCMU/8000"}]"#, "bad_request"),
                (#"[{"Source": "Microphone", "Codec": "PCMU/8000"}]"#, "missing_parameter"),
                (#"[]"#, "missing_parameter"),
                (#"{"Source": "Microphone"}"#, "bad_request"),
            ]
            for (streams, code) in bad {
                let r = try await post(client, "/api/F2F/Recordings", Self.start(agent: 2, streams: streams))
                expectStatus(r, .badRequest, code)
            }
            // Streams each well formed that conflict together: two of one source, one address for two.
            for streams in [
                #"[{"Source": "Microphone", "Address": "127.0.0.1:41000", "Codec": "PCMU/8000"}, {"Source": "Microphone", "Address": "127.0.0.1:41002", "Codec": "PCMU/8000"}]"#,
                #"[{"Source": "Microphone", "Address": "127.0.0.1:41000", "Codec": "PCMU/8000"}, {"Source": "Speaker", "Address": "127.0.0.1:41000", "Codec": "PCMU/8000"}]"#,
            ] {
                expectStatus(try await post(client, "/api/F2F/Recordings", Self.start(agent: 2, streams: streams)), .conflict, "conflict")
            }
            var r = try await post(client, "/api/F2F/Recordings", #"{"AgentIdentifier": "Id", "Value": "2"}"#)
            expectStatus(r, .badRequest, "missing_parameter")
            r = try await post(client, "/api/F2F/Recordings", Self.start(agent: 2, extra: #""StartedBy": "Robot""#).replacingOccurrences(of: "\"Media\": \"Audio\", ", with: ""))
            expectStatus(r, .badRequest, "bad_request")
            r = try await post(client, "/api/F2F/Recordings", #"{"AgentIdentifier": "Id", "Value": "2", "Media": "Video"}"#)
            expectStatus(r, .badRequest, "bad_request")
            // Only a speaker stream, but the microphone is asked for.
            r = try await post(client, "/api/F2F/Recordings", #"{"AgentIdentifier": "Id", "Value": "2", "AudioSource": "Microphone", "Streams": [{"Source": "Speaker", "Address": "127.0.0.1:41000", "Codec": "PCMU/8000"}]}"#)
            expectStatus(r, .conflict, "conflict")
            r = try await post(client, "/api/F2F/Recordings", #"{"AgentIdentifier": "Id", "Value": "2", "AudioSource": "Everything", "Streams": []}"#)
            expectStatus(r, .badRequest, "bad_request")
            r = try await post(client, "/api/F2F/Recordings", "not json")
            expectStatus(r, .badRequest, "bad_request")
            r = try await post(client, "/api/F2F/Recordings", Self.start(agent: 2, extra: #""Tags": {"bad key": "x"}"#))
            expectStatus(r, .badRequest, "bad_request")
            r = try await post(client, "/api/F2F/Recordings", #"{"Value": "2", "Streams": []}"#)
            expectStatus(r, .badRequest, "missing_parameter")
            // Nothing was started by any of them.
            r = try await get(client, "/api/F2F/Recordings/Current?agentIdentifier=Id&value=2")
            expectStatus(r, .notFound, "not_found")
            // Screen only needs no stream, and opens a desktop-only screen session beside the F2F one.
            r = try await post(client, "/api/F2F/Recordings", #"{"AgentIdentifier": "Id", "Value": "3", "Media": "Screen"}"#)
            expectStatus(r, .created)
            let sessions = try await desktopSessions(client, agent: 3)
            #expect(Set(sessions.compactMap { $0["Kind"] as? String }) == ["F2F", "Screen"])
            #expect((object(r)["RecordingIdentifiers"] as? [String])?.isEmpty == true)
        }
    }

    @Test func desktopStartedRecordingIsOnlyTaggedThroughTheAPI() async throws {
        try await withHeldPlane(holdAfter: 1) { client, running in
            var r = try await post(client, "/api/F2F/Recordings", Self.start(agent: 3, extra: #""StartedBy": "desktop""#))
            expectStatus(r, .created)
            expectStartedAtCaptureTime(r)
            let id = try #require(object(r)["Id"] as? String)
            #expect(object(r)["StartedBy"] as? String == "Desktop")
            for action in ["Stop", "Pause", "Resume"] {
                r = try await post(client, "/api/F2F/Recordings/\(id)/\(action)")
                expectStatus(r, .conflict, "conflict")
                r = try await post(client, "/api/F2F/Recordings/\(id)/\(action)", #"{"Controller": "Api"}"#)
                expectStatus(r, .conflict, "conflict")
            }
            #expect(object(try await get(client, "/api/F2F/Recordings/\(id)"))["Status"] as? String == "Active")
            r = try await post(client, "/api/F2F/Recordings/\(id)/Tags", #"{"TaggedByComponent": "CRM", "Tags": {"account": "9"}}"#)
            expectStatus(r, .ok)
            #expect(object(r)["Tags"] as? [String: String] == ["account": "9"])
            // The desk application itself steers it.
            r = try await post(client, "/api/F2F/Recordings/\(id)/Pause", #"{"Controller": "Desktop"}"#)
            expectStatus(r, .ok)
            #expect(object(r)["Status"] as? String == "Paused")
            r = try await post(client, "/api/F2F/Recordings/\(id)/Stop", #"{"Controller": "Desktop"}"#)
            #expect(object(r)["Status"] as? String == "WrapUp")
        }
    }

    @Test func closedRecordingRefusesEverythingAndKeepsItsSidecar() async throws {
        let running = try RunningPlane(capture: "sipp-g711-tones.pcap", holdAfter: 1, agents: ControlPlaneRouteTests.agents) {
            $0.f2f.wrapUpSeconds = 0
        }
        let app = Application(router: buildRecorderRouter(service: running.plane, configuration: ServerConfiguration()))
        let recordingId = try await app.test(.router) { client in
            try await waitForHold(running)
            var r = try await post(client, "/api/F2F/Recordings", Self.start(agent: 2, extra: #""Tags": {"account": "123"}, "TaggedByComponent": "CRM""#))
            expectStatus(r, .created)
            expectStartedAtCaptureTime(r)
            let id = try #require(object(r)["Id"] as? String)
            let recordingId = try #require((object(r)["RecordingIdentifiers"] as? [String])?.first)
            r = try await post(client, "/api/F2F/Recordings/\(id)/Stop")
            expectStatus(r, .ok)
            // Closed once the worker has finished the file (the wrap-up is 0 s here).
            var status = ""
            for _ in 0..<500 {
                status = object(try await get(client, "/api/F2F/Recordings/\(id)"))["Status"] as? String ?? ""
                if status == "Closed" { break }
                try await Task.sleep(nanoseconds: 10_000_000)
            }
            #expect(status == "Closed")
            for action in ["Stop", "Pause", "Resume"] {
                r = try await post(client, "/api/F2F/Recordings/\(id)/\(action)")
                expectStatus(r, .conflict, "conflict")
            }
            r = try await post(client, "/api/F2F/Recordings/\(id)/Tags", #"{"TaggedByComponent": "Late", "Tags": {"late": "yes"}}"#)
            expectStatus(r, .conflict, "conflict")
            #expect(object(try await get(client, "/api/F2F/Recordings/\(id)"))["Tags"] as? [String: String] == ["account": "123"])
            r = try await get(client, "/api/F2F/Recordings/Current?agentIdentifier=Id&value=2")
            expectStatus(r, .notFound, "not_found")
            #expect(try await desktopSessions(client, agent: 2).isEmpty)
            // The audio recording is in the recordings search, under the agent.
            r = try await get(client, "/api/Recordings?agentId=2")
            let items = object(r)["Items"] as? [[String: Any]] ?? []
            #expect(items.contains { $0["RecordingIdentifier"] as? String == recordingId && ($0["CallInstance"] as? String)?.hasSuffix(id) == true })
            return recordingId
        }
        #expect(Self.bytes(under: running.storage) < 20_000_000)
        running.stop()
        let entry = try #require(try await running.plane.recording(id: recordingId))
        let sidecar = try RecordedCall(sidecarPath: entry.sidecarPath)
        #expect(sidecar.json["Tags"] as? [String: String] == ["account": "123"])
        #expect(sidecar.json["TaggedBy"] as? [String: String] == ["account": "CRM"])
        #expect(sidecar.endReason == "stopped")
        #expect((sidecar.json["Audio"] as? [String: Any])?["ChannelRoles"] as? [String] == ["microphone", "speaker"])
    }

    @Test func applicationReportsErrorWhenStorageCannotBeWritten() async throws {
        let running = try RunningPlane(capture: "sipp-g711-tones.pcap", holdAfter: 2, agents: ControlPlaneRouteTests.agents)
        defer { running.stop() }
        let app = Application(router: buildRecorderRouter(service: running.plane, configuration: ServerConfiguration()))
        try await app.test(.router) { client in
            try await waitForHold(running)
            var r = try await get(client, "/api/F2F/Application")
            #expect(object(r)["State"] as? String == "NotRecording")
            r = try await post(client, "/api/F2F/Recordings", Self.start(agent: 2))
            expectStatus(r, .created)
            r = try await get(client, "/api/F2F/Application")
            #expect(object(r)["State"] as? String == "Recording")
            // The worker opens the file after the answer: wait for it, or its folder would be made
            // again under the moved root (on a loaded machine it was, and the test saw a folder).
            let deadline = Date().addingTimeInterval(10)
            while RepositoryPaths.files(under: running.storage, withExtension: "wav").isEmpty, Date() < deadline {
                try await Task.sleep(nanoseconds: 10_000_000)
            }
            // The storage root goes away and a file takes its place (root may write anywhere, so a
            // mode would not stop it): nothing more can be recorded there.
            // The running recording may make its folder again at any moment: the file is renamed
            // into place (atomic), moving away whatever folder came back meanwhile.
            let blocker = running.storage + ".file"
            #expect(FileManager.default.createFile(atPath: blocker, contents: Data("not a folder".utf8)))
            try FileManager.default.moveItem(atPath: running.storage, toPath: running.storage + ".moved")
            var placed = false
            for attempt in 0..<50 where !placed {
                placed = rename(blocker, running.storage) == 0
                if !placed { _ = rename(running.storage, running.storage + ".again\(attempt)") }
            }
            #expect(placed)
            defer {
                try? FileManager.default.removeItem(atPath: running.storage)
                try? FileManager.default.moveItem(atPath: running.storage + ".moved", toPath: running.storage)
            }
            r = try await get(client, "/api/F2F/Application")
            #expect(object(r)["State"] as? String == "Error")
            #expect((object(r)["Detail"] as? String ?? "").contains("is not a directory"), "\(String(buffer: r.body))")
            // A new recording cannot be written there: refused, not answered 201.
            r = try await post(client, "/api/F2F/Recordings", Self.start(agent: 3))
            expectStatus(r, .serviceUnavailable, "unavailable")
            #expect((object(r)["Message"] as? String ?? "").contains("storage"))
            r = try await get(client, "/api/F2F/Recordings/Current?agentIdentifier=Id&value=3")
            expectStatus(r, .notFound, "not_found")
        }
    }
}
