import Control
import Hummingbird

extension RecorderRoutes {
    /// `/api/Agents`: agents managed at runtime (docs/API.md, "Agents").
    func agents(_ endpoint: RecorderEndpoint, request: Request, context: some RequestContext) async throws -> Response {
        guard let administration = service as? any AgentAdministration else {
            throw ControlError(.unavailable, "this server does not manage agents")
        }
        switch endpoint {
        case .agentList:
            return JSONResponse.make(await administration.agentDefinitions())
        case .agentCreate:
            let profile = try AgentDefinitionRequest.parse(try await bodyLimit.collect(request), pathId: nil)
            AuditScope.note(agentId: profile.id)
            let (agent, _) = try await administration.defineAgent(profile, creating: true)
            return JSONResponse.make(agent, status: .created)
        case .agentDefinition:
            return JSONResponse.make(try await administration.agentDefinition(id: try agentId(context)))
        case .agentReplace:
            let id = try agentId(context)
            let profile = try AgentDefinitionRequest.parse(try await bodyLimit.collect(request), pathId: id)
            let (agent, created) = try await administration.defineAgent(profile, creating: false)
            return JSONResponse.make(agent, status: created ? .created : .ok)
        case .agentRemove:
            try await administration.removeAgent(id: try agentId(context))
            return Response(status: .noContent)
        case .agentLogin:
            let id = try agentId(context)
            let (phone, deviceId) = try AgentDefinitionRequest.login(try await bodyLimit.collect(request))
            return JSONResponse.make(try await administration.login(agentId: id, phone: phone, deviceId: deviceId))
        case .agentLogout:
            return JSONResponse.make(try await administration.logout(agentId: try agentId(context)))
        default:
            throw ControlError(.internalFault, "\(endpoint.path) is not an agents route")
        }
    }

    /// The `{AgentId}` of the path (the agent an audited request acts on).
    private func agentId(_ context: some RequestContext) throws(ControlError) -> Int {
        let text = context.parameters.get("agentId") ?? ""
        guard let id = Int(text), (0...Int(Int32.max)).contains(id) else {
            throw ControlError(.badRequest, "'\(text)' is not an agent id (a whole number from 0 to \(Int32.max))")
        }
        AuditScope.note(agentId: id)
        return id
    }
}
