import API
import Control
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `POST` and `DELETE /api/Recordings/{id}/Hold` over the real control plane and its SQLite
/// index, on the open recording of a replayed call held in progress: who may, what the answer
/// and the list then say, and the bodies refused. Every answer goes through the contract check.
@Suite(.serialized) struct RecordingHoldRouteTests {
    typealias Plane = ControlPlaneRouteTests

    func send(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil,
              key: String = Fixture.adminKey) async throws -> (HTTPResponse.Status, [String: Any]) {
        var headers: HTTPFields = [.authorization: "Bearer \(key)"]
        if body != nil { headers[.contentType] = "application/json" }
        let response = try await client.request(uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
        let json = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
        return (response.status, json)
    }

    @Test func anAdminPlacesAndLiftsAHoldAndTheListShowsIt() async throws {
        let running = try Plane.RunningPlane(capture: "sipp-g711-tones.pcap", holdAfter: 4, agents: Plane.agents,
                                             configure: AgentsRouteTests.configure)
        defer { running.stop() }
        var configuration = ServerConfiguration()
        AgentsRouteTests.configure(&configuration)
        let app = Application(router: buildRecorderRouter(service: running.plane, configuration: configuration))
        try await app.test(.router) { client in
            var id: String?
            for _ in 0..<100 where id == nil {
                let (_, page) = try await send(client, .get, "/api/Recordings", key: Fixture.readKey)
                id = (page["Items"] as? [[String: Any]])?.first?["RecordingIdentifier"] as? String
                if id == nil { try await Task.sleep(nanoseconds: 100_000_000) }
            }
            let recording = try #require(id, "the replayed call is recorded")
            let hold = "/api/Recordings/\(recording)/Hold"

            // Only an admin key places or lifts a hold.
            #expect(try await send(client, .post, hold, #"{"Reason": "x"}"#, key: Fixture.controlKey).0 == .forbidden)
            #expect(try await send(client, .delete, hold, key: Fixture.readKey).0 == .forbidden)

            var (status, body) = try await send(client, .post, hold, #"{"Reason": "dispute 1138"}"#)
            #expect(status == .ok)
            #expect(body["RecordingIdentifier"] as? String == recording)
            let placed = try #require(body["Hold"] as? [String: Any])
            #expect(placed["Reason"] as? String == "dispute 1138")
            #expect((placed["PlacedAt"] as? String)?.hasSuffix("Z") == true)
            // Still open: no retention yet.
            #expect(body["KeepDays"] is NSNull && body["ExpiresAt"] is NSNull)

            let (_, page) = try await send(client, .get, "/api/Recordings", key: Fixture.readKey)
            let listed = (page["Items"] as? [[String: Any]])?.first { $0["RecordingIdentifier"] as? String == recording }
            #expect((listed?["Hold"] as? [String: Any])?["Reason"] as? String == "dispute 1138")

            // Without a body the reason is empty; a second hold replaces the first.
            (status, body) = try await send(client, .post, hold)
            #expect(status == .ok && (body["Hold"] as? [String: Any])?["Reason"] as? String == "")

            for bad in [#"{"Reason": 5}"#, #"{"Why": "x"}"#, "[1]", #"{"Reason": "\#(String(repeating: "r", count: 1025))"}"#] {
                (status, body) = try await send(client, .post, hold, bad)
                #expect(status == .badRequest, "\(bad): \(body)")
            }
            #expect(try await send(client, .post, "/api/Recordings/no-such/Hold", "{}").0 == .notFound)

            (status, body) = try await send(client, .delete, hold)
            #expect(status == .ok && body["Hold"] is NSNull)
            (status, body) = try await send(client, .delete, hold)
            #expect(status == .ok && body["Hold"] is NSNull, "lifting a hold that is not there changes nothing")
        }
    }
}
