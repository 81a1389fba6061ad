import API
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `/openapi.yaml` documents exactly the routes the router serves (both come from `RecorderEndpoint`).
@Suite struct OpenAPIDocumentTests {
    /// `paths:` of the document: each path and the methods under it, read from the YAML's indentation
    /// (two spaces for a path, four for a method), which is all this check needs.
    static func documentedOperations(_ yaml: String) -> Set<String> {
        var operations = Set<String>()
        var inPaths = false
        var currentPath: String?
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            guard inPaths else { continue }
            if !line.hasPrefix(" ") && !line.isEmpty { break }
            if line.hasPrefix("  /") && line.hasSuffix(":") && !line.hasPrefix("   ") {
                currentPath = String(line.dropFirst(2).dropLast())
            } else if let currentPath, line.hasPrefix("    ") && !line.hasPrefix("     ") && line.hasSuffix(":") {
                let method = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "post", "put", "patch", "delete", "head", "options"].contains(method) {
                    operations.insert("\(method.uppercased()) \(currentPath)")
                }
            }
        }
        return operations
    }

    @Test func documentListsExactlyTheRouterRoutes() {
        let documented = Self.documentedOperations(OpenAPIDocument.yaml)
        let routed = Set(RecorderEndpoint.allCases.map { "\($0.method.rawValue) \($0.openAPIPath)" })
        #expect(routed.count == RecorderEndpoint.allCases.count)
        #expect(documented.subtracting(routed).isEmpty, "documented but not routed: \(documented.subtracting(routed))")
        #expect(routed.subtracting(documented).isEmpty, "routed but not documented: \(routed.subtracting(documented))")
    }

    @Test func documentIsOpenAPI31WithBearerKeys() {
        let yaml = OpenAPIDocument.yaml
        #expect(yaml.hasPrefix("openapi: 3.1.0\n"))
        #expect(yaml.contains("scheme: bearer"))
        #expect(!yaml.contains("\t"), "YAML forbids tabs for indentation")
        for code in ["agent_not_found", "no_active_call", "reserved_metadata_key", "payload_too_large"] {
            #expect(yaml.contains(code))
        }
    }

    @Test func servedDocumentIsTheSame() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client in
            let response = try await client.get("/openapi.yaml")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/yaml") == true)
            #expect(response.text == OpenAPIDocument.yaml)
            let served = Self.documentedOperations(response.text)
            for endpoint in RecorderEndpoint.allCases {
                #expect(served.contains("\(endpoint.method.rawValue) \(endpoint.openAPIPath)"))
            }
        }
    }
}
