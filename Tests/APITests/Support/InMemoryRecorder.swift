import Control
import SIP
import Foundation

/// A `RecorderService` that keeps agents, calls and recordings in memory and applies commands
/// with real state changes (start adds a recording, stop stops it, update merges metadata…).
/// It is not the recorder: it lets the route tests exercise routing, parsing, authentication and
/// encoding without a capture engine. End-to-end route tests on the real control plane live with it.
actor InMemoryRecorder: RecorderService {
    private var profiles: [AgentProfile]
    private var states: [Int: AgentState] = [:]
    private var index: [RecordingIndexEntry] = []
    private var nextRecordingNumber = 1
    private var readinessValue = Readiness(capture: true, storage: true, detail: "")
    private var metricsValue = MetricsSnapshot()
    /// When set, `recordings(_:)` and `recording(id:)` fail with it (storage down).
    private var storageFailure: ControlError?
    /// The commands applied, in order.
    private(set) var performed: [ControlCommand] = []
    /// `dialPlan.stripPrefixes`: `805003` names the agent with phone `5003`.
    let dialPrefixes = ["80"]

    private let directory: AgentDirectory

    init(agents: [AgentProfile]) {
        profiles = agents.sorted { $0.id < $1.id }
        directory = AgentDirectory(agents: agents, dialPlan: DialPlan(stripPrefixes: dialPrefixes))
        for profile in profiles { states[profile.id] = AgentState(profile: profile) }
    }

    // MARK: Arranging a test

    /// Puts the agent on a call (active, or on hold among the inactive calls).
    func placeCall(agentId: Int, callInstance: String, onHold: Bool = false) {
        let call = AgentState.CallView(
            callInstance: callInstance,
            metadata: ["ani": states[agentId]!.agentPhone, "dnis": "4000", "callid": callInstance,
                       "callinstance": callInstance, "calldirection": "O", "user1": ""],
            callState: onHold ? .onHold : .onCall)
        if onHold { states[agentId]!.inactiveCalls.append(call) } else { states[agentId]!.activeCall = call }
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
            try apply(record, to: &states[id]!)
            performed.append(command)
            return states[id]!
        case .screen(let screen):
            let id = try resolve(screen.agent)
            try apply(screen, to: &states[id]!)
            performed.append(command)
            return states[id]!
        case .blackout(let blackout):
            // Routing and parsing only: the real blackout rules are tested on the control plane.
            let id = try resolve(blackout.agent)
            performed.append(command)
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

    func readiness() async -> Readiness { readinessValue }
    func metrics() async -> MetricsSnapshot { metricsValue }

    // MARK: Commands

    /// Agents are found as the recorder finds them (its directory), with `dialPrefixes`.
    private func resolve(_ reference: AgentReference) throws(ControlError) -> Int {
        guard let profile = directory.agent(reference) else { throw .agentNotFound(reference) }
        return profile.id
    }

    private func apply(_ command: RecordCommand, to agent: inout AgentState) throws(ControlError) {
        switch command.action {
        case .startDuplicate, .stopDuplicate:
            try applyDuplicate(command, to: &agent)
            return
        default:
            break
        }
        guard var call = agent.activeCall else { throw .noActiveCall(agent.agentId) }
        switch command.action {
        case .start:
            // Idempotent: starting what already records changes nothing.
            if !call.recordings.contains(where: { !$0.isDuplicate && $0.recordingState != .stopped }) {
                call.recordings.append(newRecording(of: call, duplicate: false))
            }
            call.metadata.merge(command.metadata ?? [:]) { _, new in new }
        case .stop:
            for i in call.recordings.indices where !call.recordings[i].isDuplicate {
                call.recordings[i].recordingState = .stopped
            }
        case .update:
            call.metadata.merge(command.metadata ?? [:]) { _, new in new }
        case .pause, .resume:
            let from: AgentState.RecordingStateName = command.action == .pause ? .recording : .paused
            let to: AgentState.RecordingStateName = command.action == .pause ? .paused : .recording
            for i in call.recordings.indices where call.recordings[i].recordingState == from {
                call.recordings[i].recordingState = to
            }
        case .startDuplicate, .stopDuplicate:
            break
        }
        agent.activeCall = call
    }

    private func applyDuplicate(_ command: RecordCommand, to agent: inout AgentState) throws(ControlError) {
        let start = command.action == .startDuplicate
        func update(_ call: inout AgentState.CallView) {
            if start {
                call.recordings.append(newRecording(of: call, duplicate: true))
            } else {
                for i in call.recordings.indices where call.recordings[i].isDuplicate {
                    call.recordings[i].recordingState = .stopped
                }
            }
        }
        guard let wanted = command.callIdentifier else {
            guard var call = agent.activeCall else { throw .noActiveCall(agent.agentId) }
            update(&call)
            agent.activeCall = call
            return
        }
        if var call = agent.activeCall, call.callInstance == wanted {
            update(&call)
            agent.activeCall = call
        } else if let i = agent.inactiveCalls.firstIndex(where: { $0.callInstance == wanted }) {
            update(&agent.inactiveCalls[i])
        } else {
            throw ControlError(.callNotFound, "agent \(agent.agentId) has no call '\(wanted)'")
        }
    }

    private func apply(_ command: ScreenCommand, to agent: inout AgentState) throws(ControlError) {
        switch command.action {
        case .start:
            let identifier = "screen-\(nextRecordingNumber)"
            nextRecordingNumber += 1
            if var call = agent.activeCall {
                call.screenRecordings.append(.init(relatedCallInstance: call.callInstance,
                                                   screenRecordingIdentifier: identifier, recordingState: .recording))
                agent.activeCall = call
            } else {
                agent.desktopOnlySessions.append(.init(sessionIdentifier: identifier, kind: "Screen", state: "Active",
                                                       startTime: "2026-11-22T10:15:30Z"))
            }
        case .update:
            guard agent.activeCall?.screenRecordings.isEmpty == false || !agent.desktopOnlySessions.isEmpty else {
                throw ControlError(.callNotFound, "agent \(agent.agentId) has no screen recording")
            }
            if var call = agent.activeCall {
                call.metadata.merge(command.metadata ?? [:]) { _, new in new }
                agent.activeCall = call
            }
        case .stop:
            if var call = agent.activeCall {
                for i in call.screenRecordings.indices
                where command.screenRecordingIdentifier == nil || call.screenRecordings[i].screenRecordingIdentifier == command.screenRecordingIdentifier {
                    call.screenRecordings[i].recordingState = .stopped
                }
                agent.activeCall = call
            }
            agent.desktopOnlySessions.removeAll {
                command.screenRecordingIdentifier == nil || $0.sessionIdentifier == command.screenRecordingIdentifier
            }
        }
    }

    private func newRecording(of call: AgentState.CallView, duplicate: Bool) -> AgentState.RecordingView {
        defer { nextRecordingNumber += 1 }
        return .init(recordingIdentifier: "rec-\(nextRecordingNumber)", isDuplicate: duplicate,
                     recordingState: .recording, callInstance: call.callInstance)
    }
}
