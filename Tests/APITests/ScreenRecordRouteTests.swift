import Control
import Hummingbird
import HummingbirdTesting
import Testing

/// `POST /api/ScreenRecord/*` (without the broker).
@Suite struct ScreenRecordRouteTests {
    @Test func startLinksToTheActiveCallThenStops() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client in
            let started = try await client.post("/api/ScreenRecord/StartForAgent", json: #"{"AgentIdentifier": "Id", "Value": "2"}"#)
            #expect(started.status == .ok, "\(started.text)")
            let screen = try #require(try started.decode(AgentState.self).activeCall?.screenRecordings.first)
            #expect(screen.relatedCallInstance == "call-1@pbx")
            #expect(screen.recordingState == .recording)
            // The documented wire spelling (lower-case i), which case-sensitive clients read.
            #expect(started.text.contains(#""ScreenRecordingidentifier""#))
            #expect(!started.text.contains(#""ScreenRecordingIdentifier""#))

            let updated = try await client.post("/api/ScreenRecord/UpdateForAgent",
                                                json: #"{"AgentIdentifier": "Id", "Value": "2", "CallMetadata": {"user4": "d"}}"#)
            #expect(updated.status == .ok)
            #expect(try updated.decode(AgentState.self).activeCall?.metadata["user4"] == "d")

            // The spelling older clients use.
            let stopped = try await client.post("/api/ScreenRecord/StopForAgent",
                                                json: #"{"AgentIdentifier": "Id", "Value": "2", "ScreenRecordingidentifier": "\#(screen.screenRecordingIdentifier)"}"#)
            #expect(stopped.status == .ok)
            #expect(try stopped.decode(AgentState.self).activeCall?.screenRecordings.first?.recordingState == .stopped)
        }
    }

    @Test func withoutCallStartIsADesktopOnlySession() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client in
            let started = try await client.post("/api/ScreenRecord/StartForAgent", json: #"{"AgentIdentifier": "Id", "Value": "7"}"#)
            #expect(started.status == .ok)
            let state = try started.decode(AgentState.self)
            #expect(state.activeCall == nil)
            #expect(state.desktopOnlySessions.count == 1)
            let stopped = try await client.post("/api/ScreenRecord/StopForAgent", json: #"{"AgentIdentifier": "Id", "Value": "7"}"#)
            #expect(try stopped.decode(AgentState.self).desktopOnlySessions.isEmpty)
        }
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
