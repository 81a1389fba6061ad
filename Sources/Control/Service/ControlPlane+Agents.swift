/// The agents API on the control plane: reads from the directory the tracker published, changes
/// on the capture thread at the time the request was accepted.
extension ControlPlane: AgentAdministration {
    public func agentDefinitions() async -> [AgentDefinition] {
        directory.definitions
    }

    public func agentDefinition(id: Int) async throws(ControlError) -> AgentDefinition {
        guard let definition = directory.definition(of: id) else {
            throw .agentNotFound(AgentReference(kind: .id, value: String(id)))
        }
        return definition
    }

    public func defineAgent(_ profile: AgentProfile, creating: Bool) async throws(ControlError) -> (AgentDefinition, created: Bool) {
        let tracker = tracker
        return try await onCaptureThread { nanos in tracker.define(profile, creating: creating, at: nanos) }
    }

    public func removeAgent(id: Int) async throws(ControlError) {
        let tracker = tracker
        try await onCaptureThread { nanos in tracker.remove(agentId: id, at: nanos) }
    }

    public func login(agentId: Int, phone: String?, deviceId: String?) async throws(ControlError) -> AgentDefinition {
        let tracker = tracker
        return try await onCaptureThread { nanos in tracker.login(agentId: agentId, phone: phone, deviceId: deviceId, at: nanos) }
    }

    public func logout(agentId: Int) async throws(ControlError) -> AgentDefinition {
        let tracker = tracker
        return try await onCaptureThread { nanos in tracker.logout(agentId: agentId, at: nanos) }
    }

    public func reloadAgents(_ agents: [AgentProfile], policies: RecordingPolicies) async throws(ControlError) -> DirectoryReload {
        let tracker = tracker
        return try await onCaptureThread { nanos in .success(tracker.reload(agents: agents, policies: policies, at: nanos)) }
    }
}
