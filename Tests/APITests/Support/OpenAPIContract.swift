@testable import API
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import Yams

/// The served OpenAPI document as the route tests hold the answers to it: every answer to a
/// documented route must have a documented status, and a JSON answer must satisfy the schema
/// documented for that status (`JSONSchemaSubset`).
enum OpenAPIContract {
    /// The document as plain YAML values, for the schema checks. If it did not load, every route
    /// test says so (no operation is found).
    static let schemas = JSONSchemaSubset(document: (try? Yams.load(yaml: OpenAPIDocument.yaml)) as? [String: Any] ?? [:])

    /// What is wrong with `response` as the answer to `method` on `uri`; nothing for a request no
    /// documented route takes (unknown paths, HEAD, OPTIONS), whose answers the router tests check.
    static func violations(method: HTTPRequest.Method, uri: String, response: TestResponse) -> [String] {
        violations(method: method, uri: uri, status: response.status, contentType: response.headers[.contentType], body: response.body)
    }

    static func violations(method: HTTPRequest.Method, uri: String, status answered: HTTPResponse.Status,
                           contentType: String?, body: ByteBuffer) -> [String] {
        let requestPath = String(uri.prefix { $0 != "?" })
        guard let endpoint = RecorderEndpoint.allCases.first(where: { $0.method == method && $0.matches(requestPath: requestPath) }) else {
            return []
        }
        let operationName = "\(method.rawValue) \(endpoint.openAPIPath)"
        guard let operation = (schemas.document["paths"] as? [String: Any])?[endpoint.openAPIPath]
                .flatMap({ ($0 as? [String: Any])?[method.rawValue.lowercased()] }) as? [String: Any] else {
            return ["\(operationName) is not in the document"]
        }
        let status = String(answered.code)
        guard let documented = (operation["responses"] as? [String: Any])?[status],
              let answer = schemas.resolved(documented) as? [String: Any] else {
            return ["\(operationName) answered \(status), which the document does not list: \(String(buffer: body).prefix(200))"]
        }
        guard let content = answer["content"] as? [String: Any] else {
            return body.readableBytes == 0 ? [] : ["\(operationName) \(status) has a body the document does not describe"]
        }
        let mediaType = contentType.map { String($0.prefix { $0 != ";" }) } ?? ""
        guard let media = content[mediaType] as? [String: Any] else {
            return ["\(operationName) \(status) answered \(mediaType), the document lists \(content.keys.sorted())"]
        }
        guard mediaType == "application/json", let schema = media["schema"] else { return [] }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))
        } catch {
            return ["\(operationName) \(status): the body is not JSON: \(error)"]
        }
        return schemas.violations(of: value, against: schema).map { "\(operationName) \(status): \($0)" }
    }
}

extension TestClientProtocol {
    /// Executes a request and records an issue for each way its answer departs from the document.
    /// Every route test sends its requests through here (`get` and `post` too).
    func request(_ uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil,
                 sourceLocation: SourceLocation = #_sourceLocation) async throws -> TestResponse {
        let response = try await execute(uri: uri, method: method, headers: headers, body: body)
        for violation in OpenAPIContract.violations(method: method, uri: uri, response: response) {
            Issue.record("contract: \(violation)", sourceLocation: sourceLocation)
        }
        return response
    }
}
