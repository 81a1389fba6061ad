import Control
import Hummingbird
import HummingbirdTesting
import Testing

/// `POST /api/ScreenRecord/*` on the stand-in: parsing and refusals. Screen recordings over their
/// life are tested on the real control plane (`ControlPlaneRouteTests`).
@Suite struct ScreenRecordRouteTests {
    /// Both spellings of the identifier are taken (the documented one with a lower-case i).
    @Test func stopNamesTheScreenRecordingInEitherSpelling() async throws {
        let recorder = await Fixture.recorder()
        try await Fixture.application(recorder).test(.router) { client in
            for name in ["ScreenRecordingidentifier", "ScreenRecordingIdentifier"] {
                let stopped = try await client.post("/api/ScreenRecord/StopForAgent",
                                                    json: #"{"AgentIdentifier": "Id", "Value": "2", "\#(name)": "screen-1"}"#)
                #expect(stopped.status == .ok)
            }
        }
        let stop = ScreenCommand(action: .stop, agent: .init(kind: .id, value: "2"), metadata: nil, screenRecordingIdentifier: "screen-1")
        #expect(await recorder.performed == [.screen(stop), .screen(stop)])
    }

    @Test func refusals() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client in
            expectError(try await client.post("/api/ScreenRecord/StartForAgent", json: #"{"AgentIdentifier": "Id", "Value": "99"}"#),
                        .notFound, "agent_not_found")
            expectError(try await client.post("/api/ScreenRecord/UpdateForAgent", json: #"{"AgentIdentifier": "Id", "Value": "2"}"#),
                        .badRequest, "missing_parameter")
            expectError(try await client.post("/api/ScreenRecord/StartForAgent", json: #"{"AgentIdentifier": "Seat", "Value": "2"}"#),
                        .badRequest, "invalid_identifier")
            expectError(try await client.post("/api/ScreenRecord/UpdateForAgent",
                                              json: #"{"AgentIdentifier": "Id", "Value": "2", "CallMetadata": {"endtime": "x"}}"#),
                        .badRequest, "reserved_metadata_key")
            expectError(try await client.post("/api/ScreenRecord/StopForAgent", json: "{"), .badRequest, "bad_request")
            expectError(try await client.post("/api/ScreenRecord/StopForAgent", json: #"{"AgentIdentifier": "Id", "Value": "2"}"#,
                                              key: Fixture.readKey), .forbidden, "forbidden")
        }
    }
}
