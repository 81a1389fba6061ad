import Control
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `POST /api/Record/*`: each command changes the agent's state and answers it; refusals carry
/// the contract's codes.
@Suite struct RecordRouteTests {
    private let agent2 = #""AgentIdentifier": "Phone", "Value": "5003""#

    @Test func startStopAndRestartMakeSegments() async throws {
        let recorder = await Fixture.recorder()
        try await Fixture.application(recorder).test(.router) { client in
            let started = try await client.post("/api/Record/StartForAgent", json: "{\(agent2)}")
            #expect(started.status == .ok, "\(started.text)")
            let state = try started.decode(AgentState.self)
            #expect(state.activeCall?.recordings.map(\.recordingState) == [.recording])
            #expect(state.activeCall?.recordings.first?.isDuplicate == false)

            // Idempotent: starting again changes nothing.
            let again = try await client.post("/api/Record/StartForAgent", json: "{\(agent2)}")
            #expect(try again.decode(AgentState.self).activeCall?.recordings.count == 1)

            let stopped = try await client.post("/api/Record/StopForAgent", json: "{\(agent2)}")
            #expect(stopped.status == .ok)
            #expect(try stopped.decode(AgentState.self).activeCall?.recordings.map(\.recordingState) == [.stopped])

            let restarted = try await client.post("/api/Record/StartForAgent", json: "{\(agent2)}")
            let recordings = try restarted.decode(AgentState.self).activeCall?.recordings ?? []
            #expect(recordings.map(\.recordingState) == [.stopped, .recording])
            #expect(Set(recordings.map(\.recordingIdentifier)).count == 2)
        }
    }

    @Test func startTakesOptionalMetadata() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client in
            let response = try await client.post("/api/Record/StartForAgent",
                                                  json: #"{\#(agent2), "CallMetadata": {"user1": "ticket-9"}}"#)
            #expect(response.status == .ok)
            #expect(try response.decode(AgentState.self).activeCall?.metadata["user1"] == "ticket-9")
        }
    }

    @Test func updateMergesMetadata() async throws {
        let recorder = await Fixture.recorder()
        try await Fixture.application(recorder).test(.router) { client in
            let response = try await client.post("/api/Record/UpdateForAgent",
                                                  json: #"{"agentIdentifier": "id", "value": 2, "callMetadata": {"user1": "a", "user2": "b"}}"#)
            #expect(response.status == .ok, "\(response.text)")
            let metadata = try response.decode(AgentState.self).activeCall?.metadata ?? [:]
            #expect(metadata["user1"] == "a")
            #expect(metadata["user2"] == "b")
            #expect(metadata["dnis"] == "4000")
        }
        let performed = await recorder.performed
        #expect(performed == [.record(RecordCommand(action: .update, agent: .init(kind: .id, value: "2"),
                                                    metadata: ["user1": "a", "user2": "b"]))])
    }

    @Test func duplicatesAreIndependentOfThePrimary() async throws {
        let recorder = await Fixture.recorder()
        await recorder.placeCall(agentId: 2, callInstance: "held@pbx", onHold: true)
        try await Fixture.application(recorder).test(.router) { client in
            _ = try await client.post("/api/Record/StartForAgent", json: "{\(agent2)}")
            let duplicate = try await client.post("/api/Record/StartDuplicateForAgent", json: "{\(agent2)}")
            #expect(duplicate.status == .ok)
            #expect(try duplicate.decode(AgentState.self).activeCall?.recordings.map(\.isDuplicate) == [false, true])

            let held = try await client.post("/api/Record/StartDuplicateForAgent",
                                             json: #"{\#(agent2), "CallIdentifier": "held@pbx"}"#)
            let heldState = try held.decode(AgentState.self)
            #expect(heldState.inactiveCalls.first?.recordings.map(\.isDuplicate) == [true])

            let stopped = try await client.post("/api/Record/StopDuplicateForAgent", json: "{\(agent2)}")
            let recordings = try stopped.decode(AgentState.self).activeCall?.recordings ?? []
            #expect(recordings.map(\.recordingState) == [.recording, .stopped], "the primary keeps recording")

            expectError(try await client.post("/api/Record/StartDuplicateForAgent",
                                              json: #"{\#(agent2), "CallIdentifier": "nope"}"#), .notFound, "call_not_found")
        }
    }

    @Test func pauseAndResume() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client in
            _ = try await client.post("/api/Record/StartForAgent", json: "{\(agent2)}")
            let paused = try await client.post("/api/Record/PauseForAgent", json: "{\(agent2)}")
            #expect(paused.status == .ok)
            #expect(try paused.decode(AgentState.self).activeCall?.recordings.map(\.recordingState) == [.paused])
            let resumed = try await client.post("/api/Record/ResumeForAgent", json: "{\(agent2)}")
            #expect(try resumed.decode(AgentState.self).activeCall?.recordings.map(\.recordingState) == [.recording])
        }
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
