import Control
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `POST /api/Record/*` on the stand-in: what each request is parsed into, and the contract's
/// codes for refusals. What the commands do to a call is tested on the real control plane
/// (`ControlPlaneRouteTests`).
@Suite struct RecordRouteTests {
    private let agent2 = #""AgentIdentifier": "Phone", "Value": "5003""#

    @Test func startTakesOptionalMetadata() async throws {
        let recorder = await Fixture.recorder()
        try await Fixture.application(recorder).test(.router) { client in
            let response = try await client.post("/api/Record/StartForAgent",
                                                  json: #"{\#(agent2), "CallMetadata": {"user1": "ticket-9"}}"#)
            #expect(response.status == .ok)
        }
        #expect(await recorder.performed == [.record(RecordCommand(action: .start, agent: .init(kind: .phone, value: "5003"),
                                                                   metadata: ["user1": "ticket-9"]))])
    }

    @Test func updateTakesMetadataWithoutRegardToTheCaseOfNames() async throws {
        let recorder = await Fixture.recorder()
        try await Fixture.application(recorder).test(.router) { client in
            let response = try await client.post("/api/Record/UpdateForAgent",
                                                  json: #"{"agentIdentifier": "id", "value": 2, "callMetadata": {"user1": "a", "user2": "b"}}"#)
            #expect(response.status == .ok, "\(response.text)")
        }
        let performed = await recorder.performed
        #expect(performed == [.record(RecordCommand(action: .update, agent: .init(kind: .id, value: "2"),
                                                    metadata: ["user1": "a", "user2": "b"]))])
    }

    @Test func duplicatesNameTheirCall() async throws {
        let recorder = await Fixture.recorder()
        try await Fixture.application(recorder).test(.router) { client in
            let duplicate = try await client.post("/api/Record/StartDuplicateForAgent",
                                                  json: #"{\#(agent2), "CallIdentifier": "call-1@pbx"}"#)
            #expect(duplicate.status == .ok)
            expectError(try await client.post("/api/Record/StartDuplicateForAgent",
                                              json: #"{\#(agent2), "CallIdentifier": "nope"}"#), .notFound, "call_not_found")
        }
        #expect(await recorder.performed.first == .record(RecordCommand(action: .startDuplicate, agent: .init(kind: .phone, value: "5003"),
                                                                        callIdentifier: "call-1@pbx")))
    }

    @Test func everyCommandAddressesByEveryIdentifierKind() async throws {
        let values: [AgentIdentifierKind: String] = [
            .id: "2", .phone: "5003", .systemUsername: "me", .crmUsername: "crm.me", .username: "user.me", .deviceId: "SEP5003",
        ]
        let recorder = await Fixture.recorder()
        try await Fixture.application(recorder).test(.router) { client in
            for kind in AgentIdentifierKind.allCases {
                let response = try await client.post("/api/Record/StopForAgent",
                                                      json: #"{"AgentIdentifier": "\#(kind.rawValue.lowercased())", "Value": "\#(values[kind]!)"}"#)
                #expect(response.status == .ok, "\(kind): \(response.text)")
                #expect(try response.decode(AgentState.self).agentId == 2)
            }
        }
        #expect(await recorder.performed.count == AgentIdentifierKind.allCases.count)
    }

    @Test func everyRecordRouteAnswersTheAgentState() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client in
            for action in RecordCommand.Action.allCases {
                let body = action == .update ? #"{\#(agent2), "CallMetadata": {"user3": "c"}}"# : "{\(agent2)}"
                let response = try await client.post("/api/Record/\(action.rawValue)", json: body)
                #expect(response.status == .ok, "\(action): \(response.text)")
                #expect(try response.decode(AgentState.self).agentId == 2)
            }
        }
    }

    @Test func unknownAgentIs404() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client in
            for action in RecordCommand.Action.allCases {
                let body = #"{"AgentIdentifier": "Id", "Value": "404", "CallMetadata": {"a": "b"}}"#
                expectError(try await client.post("/api/Record/\(action.rawValue)", json: body), .notFound, "agent_not_found")
            }
        }
    }

    @Test func agentWithoutCallIs404NoActiveCall() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client in
            for action in RecordCommand.Action.allCases {
                let body = #"{"AgentIdentifier": "Id", "Value": "7", "CallMetadata": {"a": "b"}}"#
                expectError(try await client.post("/api/Record/\(action.rawValue)", json: body), .notFound, "no_active_call",
                            messageContains: "7")
            }
        }
    }

    @Test func malformedJSONIs400() async throws {
        let recorder = await Fixture.recorder()
        try await Fixture.application(recorder).test(.router) { client in
            for body in ["", "{", "not json", "[1, 2]", #"{"AgentIdentifier": "Id", "Value": "2""#] {
                expectError(try await client.post("/api/Record/StartForAgent", json: body), .badRequest, "bad_request")
            }
        }
        #expect(await recorder.performed.isEmpty)
    }

    @Test func missingParametersAre400() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client in
            expectError(try await client.post("/api/Record/StartForAgent", json: #"{"Value": "5003"}"#), .badRequest,
                        "missing_parameter", messageContains: "AgentIdentifier")
            expectError(try await client.post("/api/Record/StartForAgent", json: #"{"AgentIdentifier": "Phone"}"#), .badRequest,
                        "missing_parameter", messageContains: "Value")
            expectError(try await client.post("/api/Record/UpdateForAgent", json: "{\(agent2)}"), .badRequest,
                        "missing_parameter", messageContains: "CallMetadata")
        }
    }

    @Test func unknownIdentifierIs400() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client in
            expectError(try await client.post("/api/Record/StartForAgent", json: #"{"AgentIdentifier": "Badge", "Value": "1"}"#),
                        .badRequest, "invalid_identifier", messageContains: "Badge")
        }
    }

    @Test func reservedMetadataKeysAre400() async throws {
        let recorder = await Fixture.recorder()
        try await Fixture.application(recorder).test(.router) { client in
            for key in ["ani", "dnis", "callid", "callinstance", "calldirection", "starttime", "endtime", "deviceid", "ANI", "CallId"] {
                let body = #"{\#(agent2), "CallMetadata": {"user1": "ok", "\#(key)": "x"}}"#
                expectError(try await client.post("/api/Record/UpdateForAgent", json: body), .badRequest, "reserved_metadata_key",
                            messageContains: key)
                expectError(try await client.post("/api/Record/StartForAgent", json: body), .badRequest, "reserved_metadata_key")
            }
        }
        #expect(await recorder.performed.isEmpty, "a refused command changes nothing")
    }

    @Test func invalidMetadataIs400() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client in
            let tooMany = (0..<65).map { #""k\#($0)": "v""# }.joined(separator: ",")
            for metadata in ["{\(tooMany)}", #"{"bad key": "v"}"#, #"{"k": 5}"#, #"{"k": "\#(String(repeating: "x", count: 1025))"}"#, "[]"] {
                expectError(try await client.post("/api/Record/UpdateForAgent", json: #"{\#(agent2), "CallMetadata": \#(metadata)}"#),
                            .badRequest, "bad_request")
            }
        }
    }
}
