@testable import API
import Control
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Agents every route test starts with. Agent 2 is addressed by every identifier kind.
enum Fixture {
    static let controlKey = "control-key-0123456789"
    static let readKey = "read-key-0123456789"
    static let adminKey = "admin-key-0123456789"

    static let agents = [
        AgentProfile(id: 2, businessUnit: 0, phone: "5003", systemUsername: "me", crmUsername: "crm.me",
                     username: "user.me", deviceId: "SEP5003", deviceAlias: "desk 3", station: "WS-17", policy: .onDemand),
        AgentProfile(id: 7, businessUnit: 1, phone: "5010", systemUsername: "other", deviceId: "5010"),
    ]

    static func recorder(callOnAgent2: Bool = true) async -> InMemoryRecorder {
        let recorder = InMemoryRecorder(agents: agents)
        if callOnAgent2 { await recorder.placeCall(agentId: 2, callInstance: "call-1@pbx") }
        return recorder
    }

    /// The key of the least role that may call `endpoint`.
    static func key(for endpoint: RecorderEndpoint) -> String {
        switch endpoint.access {
        case .admin: adminKey
        case .control: controlKey
        default: readKey
        }
    }

    /// A configuration with one key of each role, unless `keys` is false.
    static func configuration(keys: Bool = true, publicMetrics: Bool = false) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        if keys {
            configuration.http.keys = [.init(key: adminKey, role: .admin), .init(key: controlKey, role: .control),
                                       .init(key: readKey, role: .read)]
        }
        configuration.http.publicMetrics = publicMetrics
        return configuration
    }

    static func application(_ service: some RecorderService, configuration: ServerConfiguration = configuration(),
                            metrics: RecorderMetrics = RecorderMetrics()) -> some ApplicationProtocol {
        Application(router: buildRecorderRouter(service: service, configuration: configuration, metrics: metrics))
    }
}

extension TestClientProtocol {
    func get(_ uri: String, key: String? = Fixture.readKey, headers: HTTPFields = [:],
             sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestResponse {
        var headers = headers
        if let key { headers[.authorization] = "Bearer \(key)" }
        return try await request(uri, method: .get, headers: headers, sourceLocation: sourceLocation)
    }

    func post(_ uri: String, json: String, key: String? = Fixture.controlKey,
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let key { headers[.authorization] = "Bearer \(key)" }
        return try await request(uri, method: .post, headers: headers, body: ByteBuffer(string: json), sourceLocation: sourceLocation)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
    }

    /// The error body every failure carries.
    var error: APIErrorResponse.Body? { try? decode(APIErrorResponse.Body.self) }

    /// The JSON object body as a dictionary, to check properties that must be present (also as null).
    var object: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] }
}

/// Checks status and error body in one go.
func expectError(_ response: TestResponse, _ status: HTTPResponse.Status, _ code: String,
                 messageContains fragment: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(response.status == status, "body: \(response.text)", sourceLocation: sourceLocation)
    #expect(response.error?.code == code, "body: \(response.text)", sourceLocation: sourceLocation)
    #expect(response.error?.message.isEmpty == false, sourceLocation: sourceLocation)
    if let fragment {
        #expect(response.error?.message.contains(fragment) == true, "message: \(response.error?.message ?? "none")",
                sourceLocation: sourceLocation)
    }
    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
}
