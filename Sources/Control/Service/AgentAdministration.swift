/// What the agents API asks of the recorder (docs/API.md, "Agents"): agents created, replaced,
/// removed, logged in and out at runtime, and the configuration's agents reloaded. Changes run
/// where the tracker lives and are answered once applied; reads come from the published directory.
public protocol AgentAdministration: Sendable {
    /// Every agent, in id order.
    func agentDefinitions() async -> [AgentDefinition]
    /// One agent; `agent_not_found` when it does not exist.
    func agentDefinition(id: Int) async throws(ControlError) -> AgentDefinition
    /// Creates (`creating`: refuses an existing id) or creates or replaces an agent; answers it and whether it was created.
    func defineAgent(_ profile: AgentProfile, creating: Bool) async throws(ControlError) -> (AgentDefinition, created: Bool)
    func removeAgent(id: Int) async throws(ControlError)
    func login(agentId: Int, phone: String?, deviceId: String?) async throws(ControlError) -> AgentDefinition
    func logout(agentId: Int) async throws(ControlError) -> AgentDefinition
    /// Applies the configuration's agents and policies (a reload); answers what changed.
    func reloadAgents(_ agents: [AgentProfile], policies: RecordingPolicies) async throws(ControlError) -> DirectoryReload
}
