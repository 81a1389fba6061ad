import API
import CalltapTestSupport
import Control
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// docs/API.md's example answer against the server's: an agent on a real call with a screen
/// recording and a face-to-face session, asked for as the document asks. Every field of the
/// example is in the answer with the same JSON type, and every field of the answer is in the
/// example, so that the contract and the code cannot drift apart unnoticed.
@Suite(.serialized) struct DocumentedExampleTests {
    /// The ```json blocks of docs/API.md, in order.
    static func documentedJSON() throws -> [Any] {
        let text = try String(contentsOf: RepositoryPaths.root.appendingPathComponent("docs/API.md"), encoding: .utf8)
        var blocks: [Any] = []
        var rest = text[...]
        while let open = rest.range(of: "```json\n") {
            guard let close = rest.range(of: "\n```", range: open.upperBound..<rest.endIndex) else { break }
            blocks.append(try JSONSerialization.jsonObject(with: Data(rest[open.upperBound..<close.lowerBound].utf8)))
            rest = rest[close.upperBound...]
        }
        return blocks
    }

    /// The JSON type of a value, `null` and strings being one where the document shows null.
    static func kind(_ value: Any) -> String {
        switch value {
        case is NSNull: "null"
        // JSONSerialization boxes true and false as NSNumbers of type char.
        case let n as NSNumber: String(cString: n.objCType) == "c" ? "boolean" : "number"
        case is String: "string"
        case is [Any]: "array"
        case is [String: Any]: "object"
        default: "\(type(of: value))"
        }
    }

    /// Where `answer` differs in shape from `documented`: missing or extra fields, other types.
    /// A documented null admits any type (an example shows it unset); arrays compare their
    /// first elements. `Metadata` lists its keys with an elision (`…`): only its types count.
    static func differences(_ documented: Any, _ answer: Any, at path: String = "") -> [String] {
        switch (documented, answer) {
        case (is NSNull, _):
            return []
        case (let d as [String: Any], let a as [String: Any]):
            var out: [String] = []
            let elided = d.keys.contains("…")
            for (key, value) in d where key != "…" {
                guard let answered = a[key] else { out.append("\(path)/\(key): documented, not answered"); continue }
                out += differences(value, answered, at: "\(path)/\(key)")
            }
            if !elided {
                for key in a.keys where d[key] == nil { out.append("\(path)/\(key): answered, not documented") }
            } else {
                for (key, value) in a where d[key] == nil && kind(value) != "string" { out.append("\(path)/\(key): \(kind(value))") }
            }
            return out
        case (let d as [Any], let a as [Any]):
            guard let first = d.first else { return [] }
            guard let answered = a.first else { return ["\(path): documented with an element, answered empty"] }
            return differences(first, answered, at: path + "[0]")
        default:
            return kind(documented) == kind(answer) ? [] : ["\(path): documented \(kind(documented)), answered \(kind(answer))"]
        }
    }

    @Test func theAgentStateExampleHasTheServersShape() async throws {
        #expect((try Self.documentedJSON().first as? [String: Any])?["AgentId"] as? Int == 2,
                "the first JSON block is the agent state example")
        let running = try ControlPlaneRouteTests.RunningPlane(capture: "sipp-g711-tones.pcap", holdAfter: 4,
                                                             agents: ControlPlaneRouteTests.agents)
        defer { running.stop() }
        let app = Application(router: buildRecorderRouter(service: running.plane, configuration: ServerConfiguration()))
        try await app.test(.router) { client in
            for _ in 0..<1000 where !running.source.reachedHold.load(ordering: .acquiring) {
                try await Task.sleep(nanoseconds: 10_000_000)
            }
            func post(_ path: String, _ body: String) async throws -> TestResponse {
                try await client.request(path, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
            }
            // The document's request form: AgentIdentifier + Value.
            var r = try await post("/api/ScreenRecord/StartForAgent", #"{"AgentIdentifier": "Phone", "Value": "callee"}"#)
            #expect(r.status == .ok)
            r = try await post("/api/F2F/Recordings",
                               #"{"AgentIdentifier": "Id", "Value": "2", "Media": "Audio", "AudioSource": "Both", "Streams": \#(FaceToFaceRouteTests.streams)}"#)
            #expect(r.status == .created)
            r = try await client.request("/api/Agent?agentIdentifier=Id&value=2", method: .get)
            #expect(r.status == .ok)
            let answer = try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
            let documented = try #require(try Self.documentedJSON().first as? [String: Any])
            let differences = Self.differences(documented, answer)
            #expect(differences.isEmpty, "docs/API.md's agent state differs from the answer: \(differences)")
        }
    }

    /// The example of an agent of `/api/Agents` (the block with `EffectivePolicy`).
    static func documentedAgent() throws -> [String: Any] {
        try #require(try documentedJSON().first { ($0 as? [String: Any])?["EffectivePolicy"] != nil } as? [String: Any],
                     "docs/API.md has an example of an agent of /api/Agents")
    }

    /// The "Agents" example: the agent as `POST /api/Agents` and a login answer it, field for field.
    @Test func theAgentsExampleHasTheServersShape() async throws {
        _ = try Self.documentedAgent()
        let running = try ControlPlaneRouteTests.RunningPlane(capture: "sipp-g711-tones.pcap", holdAfter: 1,
                                                             agents: ControlPlaneRouteTests.agents)
        defer { running.stop() }
        let app = Application(router: buildRecorderRouter(service: running.plane, configuration: ServerConfiguration()))
        try await app.test(.router) { client in
            let documented = try Self.documentedAgent()
            // The example as the request body (the answer's own fields are ignored on input).
            let body = try JSONSerialization.data(withJSONObject: documented)
            var r = try await client.request("/api/Agents", method: .post, headers: [.contentType: "application/json"],
                                             body: ByteBuffer(bytes: body))
            #expect(r.status == .created, "\(String(buffer: r.body))")
            let login = try #require(documented["Login"] as? [String: Any])
            r = try await client.request("/api/Agents/\(documented["AgentId"] ?? 0)/Login", method: .post,
                                         headers: [.contentType: "application/json"],
                                         body: ByteBuffer(string: #"{"Phone": "\#(login["Phone"] ?? "")"}"#))
            #expect(r.status == .ok)
            let answer = try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
            let differences = Self.differences(documented, answer)
            #expect(differences.isEmpty, "docs/API.md's agent of /api/Agents differs from the answer: \(differences)")
            for key in ["AgentId", "Phone", "SystemUsername", "Station", "Policy", "EffectivePolicy", "Source"] {
                #expect("\(answer[key] ?? "-")" == "\(documented[key] ?? "-")", "\(key)")
            }
        }
    }

    /// The comparison itself finds what it must: a missing field, an extra one, another type.
    @Test func theShapeComparisonFindsDifferences() {
        let documented: [String: Any] = ["A": 1, "B": "x", "C": ["D": true], "E": NSNull()]
        #expect(Self.differences(documented, ["A": 2, "B": "y", "C": ["D": false], "E": "set"]).isEmpty)
        #expect(Self.differences(documented, ["A": 2, "B": "y", "C": ["D": false]]) == ["/E: documented, not answered"])
        #expect(Self.differences(documented, ["A": 2, "B": "y", "C": ["D": false], "E": 1, "F": 1]) == ["/F: answered, not documented"])
        #expect(Self.differences(documented, ["A": "2", "B": "y", "C": ["D": 1], "E": 1]).sorted() == ["/A: documented number, answered string", "/C/D: documented boolean, answered number"])
    }
}
