import API
import Control
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The audit trail over the real control plane and its SQLite store, while a replayed call of
/// agent 2 is in progress: commands, refused requests, holds and sidecar reads each leave an
/// entry with the key's name, the route, the agent or recording and the status; reads of agent
/// state leave none; `GET /api/Audit` is for admin keys, filters and pages.
@Suite(.serialized) struct AuditRouteTests {
    typealias Plane = ControlPlaneRouteTests

    func send(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil,
              key: String?) async throws -> (HTTPResponse.Status, [String: Any]) {
        var headers: HTTPFields = [:]
        if let key { headers[.authorization] = "Bearer \(key)" }
        if body != nil { headers[.contentType] = "application/json" }
        let response = try await client.request(uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
        return (response.status, json)
    }

    @Test func everyChangeAndEveryRecordingReadIsAuditedWithItsKeyName() async throws {
        let running = try Plane.RunningPlane(capture: "sipp-g711-tones.pcap", holdAfter: 4, agents: Plane.agents,
                                             configure: Self.configure)
        defer { running.stop() }
        var configuration = ServerConfiguration()
        Self.configure(&configuration)
        let app = Application(router: buildRecorderRouter(service: running.plane, configuration: configuration))
        try await app.test(.router) { client in
            try await Plane().waitForHold(running, client)
            let agent = #"{"AgentIdentifier": "Id", "Value": "2"}"#
            #expect(try await send(client, .post, "/api/Record/PauseForAgent", agent, key: "control-secret-1").0 == .ok)
            #expect(try await send(client, .post, "/api/Record/ResumeForAgent", agent, key: "read-secret-1").0 == .forbidden)
            #expect(try await send(client, .post, "/api/Blackout/StartForAgent", agent, key: nil).0 == .unauthorized)
            #expect(try await send(client, .post, "/api/Record/ResumeForAgent", #"{"AgentIdentifier": "Id", "Value": "99"}"#,
                                   key: "control-secret-1").0 == .notFound)
            // Reads of agent state are not audited.
            #expect(try await send(client, .get, "/api/Agent/GetAll", key: "read-secret-1").0 == .ok)
            let (_, page) = try await send(client, .get, "/api/Recordings", key: "read-secret-1")
            let recording = try #require((page["Items"] as? [[String: Any]])?.first?["RecordingIdentifier"] as? String)
            #expect(try await send(client, .get, "/api/Recordings/\(recording)", key: "read-secret-1").0 == .ok)
            #expect(try await send(client, .post, "/api/Recordings/\(recording)/Hold", #"{"Reason": "case 9"}"#,
                                   key: "admin-secret-1").0 == .ok)

            // Only an admin reads the trail.
            #expect(try await send(client, .get, "/api/Audit", key: "control-secret-1").0 == .forbidden)
            running.plane.tracker.flush()
            var (status, body) = try await send(client, .get, "/api/Audit", key: "admin-secret-1")
            #expect(status == .ok)
            let items = try #require(body["Items"] as? [[String: Any]])
            let lines = items.map { item in
                ["Actor", "Action", "Status", "Outcome", "AgentId", "RecordingIdentifier"].map { "\(item[$0] ?? "-")" }
                    .joined(separator: " ")
            }
            // Newest first. The oldest is waitForHold's probe, sent without a key.
            #expect(Array(lines.prefix(7)) == [
                "admin POST /api/Recordings/\(recording)/Hold 200 ok 2 \(recording)",
                "reader GET /api/Recordings/\(recording) 200 ok 2 \(recording)",
                "crm POST /api/Record/ResumeForAgent 404 agent_not_found <null> <null>",
                "unauthenticated POST /api/Blackout/StartForAgent 401 unauthorized <null> <null>",
                "reader POST /api/Record/ResumeForAgent 403 forbidden <null> <null>",
                "crm POST /api/Record/PauseForAgent 200 ok 2 <null>",
                "unauthenticated POST /api/Record/UpdateForAgent 401 unauthorized <null> <null>",
            ], "\(lines)")
            #expect(items.count == 7)
            #expect(items.allSatisfy { ($0["Time"] as? String)?.hasSuffix("Z") == true && $0["Client"] is NSNull })
            #expect(Set(items.compactMap { $0["Id"] as? String }).count == 7)

            // Filters, and pages that follow each other without a gap.
            (_, body) = try await send(client, .get, "/api/Audit?keyName=crm", key: "admin-secret-1")
            #expect((body["Items"] as? [[String: Any]])?.count == 2)
            (_, body) = try await send(client, .get, "/api/Audit?recordingId=\(recording)", key: "admin-secret-1")
            #expect((body["Items"] as? [[String: Any]])?.count == 2)
            (_, body) = try await send(client, .get, "/api/Audit?agentId=2&limit=2", key: "admin-secret-1")
            let first = try #require(body["Items"] as? [[String: Any]])
            let cursor = try #require(body["NextCursor"] as? String)
            (_, body) = try await send(client, .get, "/api/Audit?agentId=2&limit=2&cursor=\(cursor)", key: "admin-secret-1")
            let second = try #require(body["Items"] as? [[String: Any]])
            #expect(first.count == 2 && second.count == 1 && body["NextCursor"] is NSNull)
            #expect(Set((first + second).compactMap { $0["Id"] as? String }).count == 3)
            (status, body) = try await send(client, .get, "/api/Audit?from=2026-12-04T10:00:00Z&to=2026-12-04T09:00:00Z",
                                            key: "admin-secret-1")
            #expect(status == .ok && (body["Items"] as? [[String: Any]])?.isEmpty == true, "an empty range holds nothing")
            for bad in ["?cursor=abc", "?limit=0", "?from=yesterday", "?who=me"] {
                #expect(try await send(client, .get, "/api/Audit\(bad)", key: "admin-secret-1").0 == .badRequest, "\(bad)")
            }
        }
    }

    static func configure(_ configuration: inout ServerConfiguration) {
        configuration.http.keys = [.init(name: "admin", key: "admin-secret-1", role: .admin),
                                   .init(name: "crm", key: "control-secret-1", role: .control),
                                   .init(name: "reader", key: "read-secret-1", role: .read)]
    }
}
