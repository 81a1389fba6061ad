@testable import API
import Control
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// What the router does with paths and methods it does not serve, and with paths in another case.
@Suite struct RoutingTests {
    @Test func unknownRouteIs404WithAnErrorBody() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client in
            for path in ["/", "/api", "/api/Nothing", "/api/Record/Explode", "/api/Blackout/Explode", "/api/F2F/Nothing",
                         "/api/Recordings/a/b/c"] {
                let response = try await client.request(path, method: .post,
                                                        headers: [.authorization: "Bearer \(Fixture.controlKey)"], body: ByteBuffer(string: "{}"))
                expectError(response, .notFound, "not_found")
            }
        }
    }

    @Test func wrongMethodIs405WithAllow() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client in
            let getCommand = try await client.get("/api/Record/StartForAgent", key: Fixture.controlKey)
            expectError(getCommand, .methodNotAllowed, "method_not_allowed")
            #expect(getCommand.headers[.allow] == "POST")

            let postAgent = try await client.post("/api/Agent/GetAll", json: "{}")
            expectError(postAgent, .methodNotAllowed, "method_not_allowed")
            #expect(postAgent.headers[.allow] == "GET")

            let delete = try await client.request("/api/Recordings/x/Audio", method: .delete)
            expectError(delete, .methodNotAllowed, "method_not_allowed")
        }
    }

    @Test func pathsIgnoreCase() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client in
            #expect(try await client.get("/API/agent/getall").status == .ok)
            let response = try await client.post("/api/record/startforagent", json: #"{"AgentIdentifier": "Id", "Value": "2"}"#)
            #expect(response.status == .ok, "\(response.text)")
        }
    }

    @Test func everyEndpointIsRouted() async throws {
        // Each endpoint answers something other than 404 not_found/405 for its own method: the
        // router registers exactly the shared list.
        let (recorder, _) = (await Fixture.recorder(), ())
        try await Fixture.application(recorder).test(.router) { client in
            for endpoint in RecorderEndpoint.allCases {
                let path = endpoint.path.replacingOccurrences(of: ":id", with: "unknown-id")
                // Commands get a body they accept; other routes with a body, an empty object.
                let body = endpoint.commandPath != nil ? #"{"AgentIdentifier": "Id", "Value": "2", "CallMetadata": {}}"# : "{}"
                let key = Fixture.key(for: endpoint)
                let response = switch endpoint.method {
                case .post: try await client.post(path, json: body, key: key)
                case .get: try await client.get(path, key: key)
                default: try await client.request(path, method: endpoint.method, headers: [.authorization: "Bearer \(key)"])
                }
                let routed = response.error?.code != "not_found" || endpoint.path.contains(":id")
                #expect(routed && response.status != .methodNotAllowed, "\(endpoint.path): \(response.status) \(response.text)")
                if endpoint.path.contains(":id") {
                    #expect(response.error?.message.contains("unknown-id") == true, "the route, not the router, said 404")
                }
            }
        }
    }

    @Test func endpointsAreUnique() {
        let keys = RecorderEndpoint.allCases.map { "\($0.method.rawValue) \($0.path.lowercased())" }
        #expect(Set(keys).count == keys.count)
        #expect(RecorderEndpoint.allCases.compactMap(\.commandPath) == CommandRequest.commandPaths)
    }
}
