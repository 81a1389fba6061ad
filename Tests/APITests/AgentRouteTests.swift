import Control
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `GET /api/Agent` and `GET /api/Agent/GetAll`.
@Suite struct AgentRouteTests {
    @Test func everyIdentifierKindFindsTheAgent() async throws {
        let app = Fixture.application(await Fixture.recorder())
        try await app.test(.router) { client in
            let values: [AgentIdentifierKind: String] = [
                .id: "2", .phone: "5003", .systemUsername: "me", .crmUsername: "crm.me", .username: "user.me", .deviceId: "SEP5003",
            ]
            for kind in AgentIdentifierKind.allCases {
                let response = try await client.get("/api/Agent?agentIdentifier=\(kind.rawValue)&value=\(values[kind]!)")
                #expect(response.status == .ok, "\(kind): \(response.text)")
                #expect(try response.decode(AgentState.self).agentId == 2, "\(kind)")
            }
        }
    }

    @Test func phoneMatchesAfterTheDialPrefix() async throws {
        let app = Fixture.application(await Fixture.recorder())
        try await app.test(.router) { client in
            let response = try await client.get("/api/Agent?agentIdentifier=Phone&value=805003")
            #expect(response.status == .ok)
            #expect(try response.decode(AgentState.self).agentPhone == "5003")
        }
    }

    @Test func namesAreMatchedWithoutRegardToCase() async throws {
        let app = Fixture.application(await Fixture.recorder())
        try await app.test(.router) { client in
            for query in ["SystemUsername&Value=ME", "CrmUsername&Value=CRM.Me", "Username&Value=User.ME", "DeviceId&Value=sep5003"] {
                let response = try await client.get("/api/Agent?AgentIdentifier=\(query)")
                #expect(response.status == .ok, "\(query): \(response.text)")
                #expect(try response.decode(AgentState.self).agentId == 2, "\(query)")
            }
            #expect(try await client.get("/api/Agent?AgentIdentifier=SystemUsername&Value=m").status == .notFound)
        }
    }

    @Test func queryNamesAndIdentifierValuesIgnoreCase() async throws {
        let app = Fixture.application(await Fixture.recorder())
        try await app.test(.router) { client in
            for query in ["AgentIdentifier=PHONE&Value=5003", "agentidentifier=phone&VALUE=5003", "AGENTIDENTIFIER=pHoNe&value=5003"] {
                let response = try await client.get("/api/Agent?\(query)")
                #expect(response.status == .ok, "\(query): \(response.text)")
                #expect(try response.decode(AgentState.self).agentId == 2)
            }
        }
    }

    @Test func stateHasTheContractShape() async throws {
        let app = Fixture.application(await Fixture.recorder())
        try await app.test(.router) { client in
            let response = try await client.get("/api/Agent?agentIdentifier=Id&value=2")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let object = try #require(response.object)
            #expect(Set(object.keys) == ["AgentId", "BusinessUnit", "AgentPhone", "SystemUsername", "CrmUsername", "Username",
                                         "DeviceId", "DeviceAlias", "ActiveCall", "InactiveCalls", "DesktopOnlySessions", "Blackout"])
            #expect(object["AgentId"] as? Int == 2)
            #expect(object["DeviceAlias"] as? String == "desk 3")
            let call = try #require(object["ActiveCall"] as? [String: Any])
            #expect(call["CallInstance"] as? String == "call-1@pbx")
            #expect(call["CallState"] as? String == "OnCall")
            #expect((call["Metadata"] as? [String: String])?["dnis"] == "4000")
            let blackout = try #require(object["Blackout"] as? [String: Any])
            #expect(blackout["Active"] as? Bool == false)
            #expect(blackout.keys.contains("StartTime"))
        }
    }

    @Test func agentWithoutCallShowsNullActiveCall() async throws {
        let app = Fixture.application(await Fixture.recorder())
        try await app.test(.router) { client in
            let response = try await client.get("/api/Agent?agentIdentifier=Id&value=7")
            #expect(response.status == .ok)
            let object = try #require(response.object)
            #expect(object["ActiveCall"] is NSNull)
            #expect(object["Username"] is NSNull)
        }
    }

    @Test func unknownAgentIs404() async throws {
        let app = Fixture.application(await Fixture.recorder())
        try await app.test(.router) { client in
            expectError(try await client.get("/api/Agent?agentIdentifier=Id&value=99"), .notFound, "agent_not_found",
                        messageContains: "99")
            expectError(try await client.get("/api/Agent?agentIdentifier=Phone&value=9999"), .notFound, "agent_not_found")
        }
    }

    @Test func missingOrInvalidParametersAre400() async throws {
        let app = Fixture.application(await Fixture.recorder())
        try await app.test(.router) { client in
            expectError(try await client.get("/api/Agent"), .badRequest, "missing_parameter")
            expectError(try await client.get("/api/Agent?agentIdentifier=Id"), .badRequest, "missing_parameter", messageContains: "Value")
            expectError(try await client.get("/api/Agent?value=2"), .badRequest, "missing_parameter", messageContains: "AgentIdentifier")
            expectError(try await client.get("/api/Agent?agentIdentifier=Id&value="), .badRequest, "missing_parameter")
            expectError(try await client.get("/api/Agent?agentIdentifier=Extension&value=2"), .badRequest, "invalid_identifier",
                        messageContains: "Extension")
        }
    }

    @Test func getAllListsAgentsInIdOrder() async throws {
        let app = Fixture.application(await Fixture.recorder())
        try await app.test(.router) { client in
            let response = try await client.get("/api/Agent/GetAll")
            #expect(response.status == .ok)
            let agents = try response.decode([AgentState].self)
            #expect(agents.map(\.agentId) == [2, 7])
            #expect(agents[0].activeCall?.callInstance == "call-1@pbx")
            #expect(agents[1].activeCall == nil)
        }
    }

    /// GetAll keeps each agent's JSON until the agent changes: an answer after a command shows
    /// the change, and the agents it did not touch are as encoded before.
    @Test func getAllShowsWhatChangedSinceTheLastAnswer() async throws {
        let app = Fixture.application(await Fixture.recorder())
        try await app.test(.router) { client in
            let before = try await client.get("/api/Agent/GetAll").decode([AgentState].self)
            #expect(before.map { $0.blackout.active } == [false, false])
            let r = try await client.post("/api/Blackout/StartForAgent", json: #"{"AgentIdentifier": "Id", "Value": "7"}"#)
            #expect(r.status == .ok)
            let after = try await client.get("/api/Agent/GetAll").decode([AgentState].self)
            #expect(after.map(\.agentId) == [2, 7])
            #expect(after.map { $0.blackout.active } == [false, true])
            #expect(after[0] == before[0])
        }
    }

    @Test func getAllWithoutAgentsIsAnEmptyArray() async throws {
        let app = Fixture.application(InMemoryRecorder(agents: []))
        try await app.test(.router) { client in
            let response = try await client.get("/api/Agent/GetAll")
            #expect(response.status == .ok)
            #expect(response.text == "[]")
        }
    }

    @Test func readsNeedAKey() async throws {
        let app = Fixture.application(await Fixture.recorder())
        try await app.test(.router) { client in
            expectError(try await client.get("/api/Agent/GetAll", key: nil), .unauthorized, "unauthorized")
            expectError(try await client.get("/api/Agent?agentIdentifier=Id&value=2", key: "wrong"), .unauthorized, "unauthorized")
            #expect(try await client.get("/api/Agent/GetAll", key: Fixture.controlKey).status == .ok)
        }
    }
}
