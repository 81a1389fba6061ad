import Control

/// The agents API on the stand-in: it reads the agents it was given, as the product reads its
/// directory, and takes no change (answered as the product answers once its capture has
/// stopped). What agent changes do is tested on the real control plane (`AgentsRouteTests`).
extension InMemoryRecorder: AgentAdministration {
    func agentDefinitions() async -> [AgentDefinition] {
        agentDirectory.definitions
    }

    func agentDefinition(id: Int) async throws(ControlError) -> AgentDefinition {
        guard let definition = agentDirectory.definition(of: id) else {
            throw .agentNotFound(AgentReference(kind: .id, value: String(id)))
        }
        return definition
    }

    func defineAgent(_ profile: AgentProfile, creating: Bool) async throws(ControlError) -> (AgentDefinition, created: Bool) {
        throw Self.changesRefused
    }

    func removeAgent(id: Int) async throws(ControlError) { throw Self.changesRefused }

    func login(agentId: Int, phone: String?, deviceId: String?) async throws(ControlError) -> AgentDefinition {
        throw Self.changesRefused
    }

    func logout(agentId: Int) async throws(ControlError) -> AgentDefinition { throw Self.changesRefused }

    func reloadAgents(_ agents: [AgentProfile], policies: RecordingPolicies) async throws(ControlError) -> DirectoryReload {
        throw Self.changesRefused
    }

    static let changesRefused = ControlError(.unavailable, "capture has stopped")
}
