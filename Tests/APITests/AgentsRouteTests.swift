import API
import CalltapTestSupport
import Control
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `/api/Agents` over the real control plane while a replayed call of agent 2 (phone "callee")
/// is in progress: answers, status codes, roles, and what the agent state routes then say.
@Suite(.serialized) struct AgentsRouteTests {
    typealias Plane = ControlPlaneRouteTests
    static let adminKey = Fixture.adminKey

    static func configure(_ configuration: inout ServerConfiguration) {
        configuration.http.keys = [.init(key: adminKey, role: .admin), .init(key: Fixture.controlKey, role: .control),
                                   .init(key: Fixture.readKey, role: .read)]
    }

    func send(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil,
              key: String = adminKey) async throws -> (HTTPResponse.Status, Any?) {
        var headers: HTTPFields = [.authorization: "Bearer \(key)"]
        if body != nil { headers[.contentType] = "application/json" }
        // Through the contract check: every answer must be the documented one for its status.
        let response = try await client.request(uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        let json = response.body.readableBytes == 0 ? nil
            : try? JSONSerialization.jsonObject(with: Data(buffer: response.body), options: [.fragmentsAllowed])
        return (response.status, json)
    }

    /// The replayed call held in progress, the plane under the router with this suite's keys.
    func withPlane(_ body: @escaping @Sendable (any TestClientProtocol, Plane.RunningPlane) async throws -> Void) async throws {
        let running = try Plane.RunningPlane(capture: "sipp-g711-tones.pcap", holdAfter: 4, agents: Plane.agents,
                                             configure: Self.configure)
        defer { running.stop() }
        var configuration = ServerConfiguration()
        Self.configure(&configuration)
        let app = Application(router: buildRecorderRouter(service: running.plane, configuration: configuration))
        try await app.test(.router) { client in try await body(client, running) }
    }

    @Test func agentsAreCreatedReadReplacedAndRemoved() async throws {
        try await withPlane { client, _ in
            let nine = #"{"AgentId": 9, "Phone": "5009", "SystemUsername": "Nine", "Station": "WS-9", "Policy": "on-demand"}"#
            // Only an admin key changes agents.
            var (status, body) = try await send(client, .post, "/api/Agents", nine, key: Fixture.controlKey)
            #expect(status == .forbidden)
            (status, body) = try await send(client, .post, "/api/Agents", nine)
            #expect(status == .created)
            var agent = try #require(body as? [String: Any])
            #expect(agent["AgentId"] as? Int == 9 && agent["Phone"] as? String == "5009" && agent["Station"] as? String == "WS-9")
            #expect(agent["Policy"] as? String == "on-demand" && agent["EffectivePolicy"] as? String == "on-demand")
            #expect(agent["Source"] as? String == "api" && agent["Login"] is NSNull && agent["Username"] is NSNull)
            #expect(Set(agent.keys) == ["AgentId", "BusinessUnit", "Phone", "SystemUsername", "CrmUsername", "Username", "DeviceId",
                                        "DeviceAlias", "Station", "Policy", "EffectivePolicy", "KeepDays", "ArchiveAction", "Login", "Source",
                                        "Changed", "ChangedBy"])

            // A read key reads it, here and as an agent state.
            (status, body) = try await send(client, .get, "/api/Agents/9", key: Fixture.readKey)
            #expect(status == .ok && (body as? [String: Any])?["SystemUsername"] as? String == "Nine")
            (status, body) = try await send(client, .get, "/api/Agent?AgentIdentifier=SystemUsername&Value=nine", key: Fixture.readKey)
            #expect(status == .ok && (body as? [String: Any])?["AgentPhone"] as? String == "5009")
            (status, body) = try await send(client, .get, "/api/Agents", key: Fixture.readKey)
            #expect((body as? [[String: Any]])?.map { $0["AgentId"] as? Int } == [2, 3, 9])
            #expect((body as? [[String: Any]])?.first?["Source"] as? String == "configuration")

            // Refused: an existing id, another agent's phone or name, a missing or unknown field.
            (status, body) = try await send(client, .post, "/api/Agents", nine)
            #expect(status == .conflict)
            (status, body) = try await send(client, .post, "/api/Agents", #"{"AgentId": 10, "Phone": "callee"}"#)
            #expect(status == .conflict && ((body as? [String: Any])?["Message"] as? String)?.contains("agent 2") == true)
            (status, body) = try await send(client, .post, "/api/Agents", #"{"AgentId": 10, "Phone": "5010", "SystemUsername": "ME"}"#)
            #expect(status == .conflict)
            (status, body) = try await send(client, .post, "/api/Agents", #"{"AgentId": 10}"#)
            #expect(status == .badRequest && (body as? [String: Any])?["Code"] as? String == "missing_parameter")
            (status, body) = try await send(client, .post, "/api/Agents", #"{"AgentId": 10, "Phone": "5010", "Phnoe": "x"}"#)
            #expect(status == .badRequest && ((body as? [String: Any])?["Message"] as? String)?.contains("Phnoe") == true)
            (status, _) = try await send(client, .post, "/api/Agents", #"{"AgentId": 10, "Phone": "5010", "Policy": "sometimes"}"#)
            #expect(status == .badRequest)
            // A body naming another agent than its path is a conflict (RFC 9110, PUT).
            (status, _) = try await send(client, .put, "/api/Agents/10", #"{"AgentId": 11, "Phone": "5010"}"#)
            #expect(status == .conflict)
            // Text fields are strings: a number where a name goes is refused, not stored as text.
            (status, body) = try await send(client, .post, "/api/Agents", #"{"AgentId": 10, "Phone": "5010", "Station": 7}"#)
            #expect(status == .badRequest && ((body as? [String: Any])?["Message"] as? String)?.contains("Station") == true)
            (status, _) = try await send(client, .post, "/api/Agents", #"{"AgentId": "10", "Phone": 5010}"#)
            #expect(status == .badRequest)
            (status, _) = try await send(client, .get, "/api/Agents/x")
            #expect(status == .badRequest)

            // PUT replaces (what a GET answered may be sent back), or creates.
            agent["Phone"] = "5019"
            agent["Policy"] = NSNull()
            (status, body) = try await send(client, .put, "/api/Agents/9",
                                            String(decoding: try JSONSerialization.data(withJSONObject: agent), as: UTF8.self))
            #expect(status == .ok)
            #expect((body as? [String: Any])?["Phone"] as? String == "5019")
            #expect((body as? [String: Any])?["Policy"] is NSNull && (body as? [String: Any])?["EffectivePolicy"] as? String == "always")
            (status, _) = try await send(client, .put, "/api/Agents/12", #"{"Phone": "5012"}"#)
            #expect(status == .created)
            // Its own retention, shown as given; a value retention cannot use is refused.
            (status, body) = try await send(client, .put, "/api/Agents/12", #"{"Phone": "5012", "KeepDays": 30, "ArchiveAction": "move"}"#)
            #expect(status == .ok && (body as? [String: Any])?["KeepDays"] as? Int == 30
                    && (body as? [String: Any])?["ArchiveAction"] as? String == "move")
            for bad in [#""KeepDays": -1"#, #""KeepDays": "30""#, #""ArchiveAction": "shred""#] {
                (status, _) = try await send(client, .put, "/api/Agents/12", #"{"Phone": "5012", \#(bad)}"#)
                #expect(status == .badRequest, "\(bad)")
            }

            (status, body) = try await send(client, .delete, "/api/Agents/9")
            #expect(status == .noContent && body == nil)
            (status, _) = try await send(client, .get, "/api/Agents/9")
            #expect(status == .notFound)
            (status, _) = try await send(client, .get, "/api/Agent?AgentIdentifier=Id&Value=9")
            #expect(status == .notFound)
            (status, _) = try await send(client, .delete, "/api/Agents/9")
            #expect(status == .notFound)
            (status, body) = try await send(client, .get, "/api/Agent/GetAll")
            #expect((body as? [[String: Any]])?.compactMap { $0["AgentId"] as? Int } == [2, 3, 12])
        }
    }

    @Test func aLoginMovesTheNextCallsNotTheCallInProgress() async throws {
        try await withPlane { client, running in
            // The call of agent 2 (phone "callee") is in progress.
            for _ in 0..<1000 where !running.source.reachedHold.load(ordering: .acquiring) {
                try await Task.sleep(nanoseconds: 10_000_000)
            }
            var (status, body) = try await send(client, .get, "/api/Agent?AgentIdentifier=Id&Value=2")
            let call = try #require(((body as? [String: Any])?["ActiveCall"] as? [String: Any])?["CallInstance"] as? String)

            // Agent 3 logs in to that phone with a control key: requests by the phone find agent 3.
            (status, body) = try await send(client, .post, "/api/Agents/3/Login", #"{"Phone": "callee", "DeviceId": "PC-12"}"#,
                                            key: Fixture.controlKey)
            #expect(status == .ok)
            let login = try #require((body as? [String: Any])?["Login"] as? [String: Any])
            #expect(login["Phone"] as? String == "callee" && login["DeviceId"] as? String == "PC-12" && login["Time"] is String)
            #expect((body as? [String: Any])?["Phone"] as? String == "4000", "the definition keeps the agent's own phone")
            (status, body) = try await send(client, .get, "/api/Agent?AgentIdentifier=Phone&Value=callee")
            let three = try #require(body as? [String: Any])
            #expect(three["AgentId"] as? Int == 3 && three["AgentPhone"] as? String == "callee" && three["DeviceId"] as? String == "PC-12")
            #expect(three["ActiveCall"] is NSNull, "the call in progress keeps its agent")
            (status, body) = try await send(client, .get, "/api/Agent?AgentIdentifier=Id&Value=2")
            #expect(((body as? [String: Any])?["ActiveCall"] as? [String: Any])?["CallInstance"] as? String == call)
            // A command for the call still goes to agent 2.
            (status, body) = try await send(client, .post, "/api/Record/PauseForAgent", #"{"AgentIdentifier": "Id", "Value": "2"}"#)
            #expect(status == .ok)

            for refused in [#"{}"#, #"{"Phone": ""}"#, #"{"Phone": "4000", "DeviceId": ""}"#, #"{"DeviceId": null}"#, #"{"Phone": 4000}"#] {
                (status, _) = try await send(client, .post, "/api/Agents/3/Login", refused)
                #expect(status == .badRequest, "\(refused)")
            }
            (status, _) = try await send(client, .post, "/api/Agents/3/Login", #"{"Phone": "x"}"#, key: Fixture.readKey)
            #expect(status == .forbidden)
            (status, _) = try await send(client, .post, "/api/Agents/99/Login", #"{"Phone": "x"}"#)
            #expect(status == .notFound)

            (status, body) = try await send(client, .post, "/api/Agents/3/Logout", nil, key: Fixture.controlKey)
            #expect(status == .ok && (body as? [String: Any])?["Login"] is NSNull)
            (status, body) = try await send(client, .get, "/api/Agent?AgentIdentifier=Phone&Value=callee")
            #expect((body as? [String: Any])?["AgentId"] as? Int == 2)
        }
    }
}
