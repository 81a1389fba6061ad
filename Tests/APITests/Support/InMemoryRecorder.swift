import Control
import SIP
import Foundation

/// A `RecorderService` for the route tests of parsing, status codes and authorisation: it finds
/// agents as the recorder does, keeps the commands it was given (`performed`), refuses as the
/// recorder refuses (unknown agent, no active call, unknown call), and answers the agent's state
/// as arranged. It changes no call: what commands do is tested on the real control plane
/// (`ControlPlaneRouteTests`), where the product's rules hold.
actor InMemoryRecorder: RecorderService {
    private var profiles: [AgentProfile]
    private var states: [Int: AgentState] = [:]
    private var index: [RecordingIndexEntry] = []
    private var readinessValue = Readiness(capture: true, storage: true, detail: "")
    private var metricsValue = MetricsSnapshot()
    /// When set, `recordings(_:)` and `recording(id:)` fail with it (storage down).
    private var storageFailure: ControlError?
    /// The commands applied, in order.
    private(set) var performed: [ControlCommand] = []
    /// `dialPlan.stripPrefixes`: `805003` names the agent with phone `5003`.
    let dialPrefixes = ["80"]

    private let directory: AgentDirectory
    /// The agents as `/api/Agents` shows them (InMemoryRecorder+Agents.swift).
    var agentDirectory: AgentDirectory { directory }

    init(agents: [AgentProfile]) {
        profiles = agents.sorted { $0.id < $1.id }
        directory = AgentDirectory(agents: agents, dialPlan: DialPlan(stripPrefixes: dialPrefixes))
        for profile in profiles { states[profile.id] = AgentState(profile: profile) }
    }

    // MARK: Arranging a test

    /// Puts the agent on an active call.
    func placeCall(agentId: Int, callInstance: String) {
        states[agentId]!.activeCall = AgentState.CallView(
            callInstance: callInstance,
            metadata: ["ani": states[agentId]!.agentPhone, "dnis": "4000", "callid": callInstance,
                       "callinstance": callInstance, "calldirection": "O", "user1": ""],
            callState: .onCall)
    }

    func add(_ entry: RecordingIndexEntry) { index.append(entry) }
    func setReadiness(_ readiness: Readiness) { readinessValue = readiness }
    func setMetrics(_ snapshot: MetricsSnapshot) { metricsValue = snapshot }
    func failStorage(_ error: ControlError?) { storageFailure = error }

    // MARK: RecorderService

    func agent(_ reference: AgentReference) async throws(ControlError) -> AgentState {
        states[try resolve(reference)]!
    }

    func allAgents() async -> [AgentState] {
        profiles.map { states[$0.id]! }
    }

    func perform(_ command: ControlCommand) async throws(ControlError) -> AgentState {
        switch command {
        case .record(let record):
            let id = try resolve(record.agent)
            try requireCall(record.callIdentifier, of: states[id]!)
            performed.append(command)
            return states[id]!
        case .screen(let screen):
            let id = try resolve(screen.agent)
            performed.append(command)
            return states[id]!
        case .blackout(let blackout):
            let id = try resolve(blackout.agent)
            performed.append(command)
            // The one change it keeps: GetAll's tests need an agent that changes.
            states[id]!.blackout.active = blackout.action == .start
            // Every blackout answer carries Applied, as the product's does.
            var answer = states[id]!
            answer.applied = .init(startTime: nil, stopTime: nil, clamped: false, shared: false)
            return answer
        case .faceToFace:
            throw ControlError(.unavailable, "the in-memory recorder records no face-to-face sessions")
        }
    }

    func recordings(_ query: RecordingQuery) async throws(ControlError) -> RecordingPage {
        if let storageFailure { throw storageFailure }
        let matching = index
            .filter { query.agentId == nil || $0.agentId == query.agentId }
            .filter { query.callInstance == nil || $0.callInstance == query.callInstance }
            .filter { query.fromNanos == nil || $0.startNanos >= query.fromNanos! }
            .filter { query.toNanos == nil || $0.startNanos <= query.toNanos! }
            .sorted { $0.startNanos > $1.startNanos }
        let offset: Int
        if let cursor = query.cursor {
            guard let number = Int(cursor), number >= 0 else { throw ControlError(.badRequest, "'cursor' is not one this server gave") }
            offset = number
        } else {
            offset = 0
        }
        let page = Array(matching.dropFirst(offset).prefix(query.limit))
        let next = offset + page.count < matching.count ? String(offset + page.count) : nil
        return RecordingPage(items: page, nextCursor: next)
    }

    func recording(id: String) async throws(ControlError) -> RecordingIndexEntry? {
        if let storageFailure { throw storageFailure }
        return index.first { $0.recordingIdentifier == id }
    }

    func setHold(_ hold: RecordingHold?, on id: String) async throws(ControlError) -> RecordingIndexEntry? {
        if let storageFailure { throw storageFailure }
        guard let i = index.firstIndex(where: { $0.recordingIdentifier == id }) else { return nil }
        index[i].hold = hold
        return index[i]
    }

    private var trail: [AuditEntry] = []
    nonisolated func audit(_ entry: AuditEntry) {
        Task { await self.append(entry) }
    }
    private func append(_ entry: AuditEntry) {
        var entry = entry
        entry.id = Int64(trail.count + 1)
        trail.append(entry)
    }
    func auditTrail(_ query: AuditQuery) async throws(ControlError) -> AuditPage {
        AuditPage(items: trail.reversed().filter { query.actor == nil || $0.actor == query.actor }, nextCursor: nil)
    }

    func readiness() async -> Readiness { readinessValue }
    func metrics() async -> MetricsSnapshot { metricsValue }

    // MARK: Commands

    /// Agents are found as the recorder finds them (its directory), with `dialPrefixes`.
    private func resolve(_ reference: AgentReference) throws(ControlError) -> Int {
        guard let profile = directory.agent(reference) else { throw .agentNotFound(reference) }
        return profile.id
    }

    /// The active call, or the named one among the agent's calls.
    private func requireCall(_ identifier: String?, of agent: AgentState) throws(ControlError) {
        let calls = [agent.activeCall].compactMap { $0 } + agent.inactiveCalls
        guard let identifier else {
            if agent.activeCall == nil { throw .noActiveCall(agent.agentId) }
            return
        }
        guard calls.contains(where: { $0.callInstance == identifier }) else {
            throw ControlError(.callNotFound, "agent \(agent.agentId) has no call '\(identifier)'")
        }
    }
}
