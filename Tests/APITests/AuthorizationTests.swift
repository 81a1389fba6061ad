@testable import API
import Control
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `Authorization: Bearer <key>` with `read`, `control` and `admin` roles.
@Suite struct AuthorizationTests {
    private let body = #"{"AgentIdentifier": "Id", "Value": "2"}"#

    @Test func commandsNeedAControlKey() async throws {
        let recorder = await Fixture.recorder()
        try await Fixture.application(recorder).test(.router) { client in
            for endpoint in RecorderEndpoint.allCases where endpoint.method == .post {
                let path = endpoint.path
                expectError(try await client.post(path, json: body, key: nil), .unauthorized, "unauthorized", messageContains: "Bearer")
                expectError(try await client.post(path, json: body, key: "not-a-key"), .unauthorized, "unauthorized")
                expectError(try await client.post(path, json: body, key: Fixture.readKey), .forbidden, "forbidden",
                            messageContains: endpoint.access == .admin ? "'admin' role is needed" : "'control' role is needed")
            }
        }
        #expect(await recorder.performed.isEmpty, "no refused command reached the recorder")
    }

    @Test func unauthorizedAnswersCarryTheChallenge() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client in
            let response = try await client.get("/api/Agent/GetAll", key: nil)
            #expect(response.status == .unauthorized)
            #expect(response.headers[.wwwAuthenticate] == "Bearer")
        }
    }

    @Test func malformedAuthorizationHeadersAreRefused() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client in
            for header in ["Basic \(Fixture.readKey)", "Bearer", "Bearer ", Fixture.readKey, "Bearer \(Fixture.readKey)x",
                           "Bearer \(Fixture.readKey.dropLast())"] {
                let response = try await client.request("/api/Agent/GetAll", method: .get, headers: [.authorization: header])
                expectError(response, .unauthorized, "unauthorized")
            }
            // The scheme is case-insensitive (RFC 9110).
            let response = try await client.request("/api/Agent/GetAll", method: .get,
                                                    headers: [.authorization: "bearer \(Fixture.readKey)"])
            #expect(response.status == .ok)
        }
    }

    @Test func controlKeyMayDoEverything() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client async throws in
            #expect(try await client.get("/api/Agent/GetAll", key: Fixture.controlKey).status == .ok)
            #expect(try await client.get("/metrics", key: Fixture.controlKey).status == .ok)
            #expect(try await client.post("/api/Record/StartForAgent", json: body, key: Fixture.controlKey).status == .ok)
        }
    }

    @Test func readEndpointsNeedAKey() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client in
            for endpoint in RecorderEndpoint.allCases where endpoint.access == .read || endpoint.access == .metrics {
                let path = endpoint.path.replacingOccurrences(of: ":id", with: "some-id")
                expectError(try await client.get(path, key: nil), .unauthorized, "unauthorized")
                expectError(try await client.get(path, key: "wrong"), .unauthorized, "unauthorized")
            }
        }
    }

    @Test func healthAndReadinessAreOpen() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client async throws in
            #expect(try await client.get("/healthz", key: nil).status == .ok)
            #expect(try await client.get("/readyz", key: nil).status == .ok)
            #expect(try await client.get("/healthz", key: "wrong").status == .ok)
        }
    }

    @Test func withoutKeysEveryRequestIsAllowed() async throws {
        let app = Fixture.application(await Fixture.recorder(), configuration: Fixture.configuration(keys: false))
        try await app.test(.router) { client in
            #expect(try await client.get("/api/Agent/GetAll", key: nil).status == .ok)
            #expect(try await client.get("/metrics", key: nil).status == .ok)
            let response = try await client.post("/api/Record/StartForAgent", json: body, key: nil)
            #expect(response.status == .ok, "\(response.text)")
        }
    }

    @Test func keysCompareExactly() {
        #expect(APIKeyAuthorization.constantTimeEqual("abc", "abc"))
        #expect(!APIKeyAuthorization.constantTimeEqual("abc", "abd"))
        #expect(!APIKeyAuthorization.constantTimeEqual("abc", "abcd"))
        #expect(!APIKeyAuthorization.constantTimeEqual("", "a"))
        // A length that wraps a byte must not make keys equal.
        #expect(!APIKeyAuthorization.constantTimeEqual("a", String(repeating: "a", count: 257)))
    }
}
