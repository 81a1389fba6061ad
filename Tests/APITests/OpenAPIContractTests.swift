@testable import API
import Foundation
import Hummingbird
import HummingbirdTesting
import OpenAPIKit
import Testing
import Yams

/// `/openapi.yaml` is a valid OpenAPI 3.1 document that describes exactly the routes the router
/// serves, and the answer checks every route test runs against it (`OpenAPIContract`) can fail.
@Suite struct OpenAPIContractTests {
    /// Read as YAML values and decoded from their JSON: Yams' decoder takes the quoted string
    /// `'null'` (the JSON Schema type) for a null.
    static func parsed() throws -> OpenAPI.Document {
        let values = try #require(try Yams.load(yaml: OpenAPIDocument.yaml) as? [String: Any])
        return try JSONDecoder().decode(OpenAPI.Document.self, from: JSONSerialization.data(withJSONObject: values))
    }

    @Test func documentParsesAndValidates() throws {
        let document = try Self.parsed()
        #expect(document.openAPIVersion == .v3_1_0)
        try document.validate()
        // Every $ref resolves.
        _ = try document.locallyDereferenced()
    }

    @Test func documentListsExactlyTheRouterRoutes() throws {
        let document = try Self.parsed().locallyDereferenced()
        let documented = Set(document.paths.flatMap { path, item in
            item.endpoints.map { "\($0.method.rawValue.uppercased()) \(path.rawValue)" }
        })
        let routed = Set(RecorderEndpoint.allCases.map { "\($0.method.rawValue) \($0.openAPIPath)" })
        #expect(routed.count == RecorderEndpoint.allCases.count)
        #expect(documented.subtracting(routed).isEmpty, "documented but not routed: \(documented.subtracting(routed))")
        #expect(routed.subtracting(documented).isEmpty, "routed but not documented: \(routed.subtracting(documented))")
    }

    @Test func servedDocumentIsTheEmbeddedFile() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client in
            let response = try await client.get("/openapi.yaml")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/yaml") == true)
            #expect(response.text == OpenAPIDocument.yaml)
            #expect(response.text.hasPrefix("openapi: 3.1.0\n"))
        }
    }

    /// An answer that breaks the schema in each way the checker knows is reported, each once.
    @Test func checkerReportsWrongAnswers() throws {
        let state = #"""
        {"AgentId": "2", "BusinessUnit": 0, "AgentPhone": "5003", "SystemUsername": "me", "CrmUsername": "",
         "Username": null, "DeviceId": "SEP5003", "DeviceAlias": "", "ActiveCall": 5,
         "InactiveCalls": [{"CallInstance": "c", "CallState": "Talking", "Recordings": [], "ScreenRecordings": []}],
         "DesktopOnlySessions": [{"StartTime": "yesterday"}],
         "Blackout": {"Active": false, "StartTime": null, "StopTime": null, "Origin": null}, "Extra": 1}
        """#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(state.utf8))
        let violations = OpenAPIContract.schemas.violations(of: value, against: ["$ref": "#/components/schemas/AgentState"])
        let expected = ["$.AgentId", "$.InactiveCalls[0].CallState", "$.ActiveCall: matches 0", "$.DesktopOnlySessions[0].StartTime",
                        "property Extra is not in the document"]
        for fragment in expected {
            #expect(violations.filter { $0.contains(fragment) }.count >= 1, "\(fragment) not in \(violations)")
        }
        let missing = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"Code": "x"}"#.utf8))
        #expect(OpenAPIContract.schemas.violations(of: missing, against: ["$ref": "#/components/schemas/Error"])
            .contains { $0.contains("required property Message is missing") })
    }

    @Test func undocumentedStatusIsReported() {
        let violations = OpenAPIContract.violations(method: .get, uri: "/api/Agent/GetAll", status: .init(code: 418),
                                                    contentType: nil, body: ByteBuffer())
        #expect(violations.count == 1 && violations[0].contains("answered 418"), "\(violations)")
    }
}
