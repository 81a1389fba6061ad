import Engine
import Foundation
import Media

/// Blackouts on this server (docs/API.md, "Blackouts"): per agent, not per call. While one
/// is active every recording involving the agent is silence on every channel from its start;
/// calls that start meanwhile carry it from their start; it ends by a stop command, by
/// `blackout.maxAgentBlackoutSeconds`, or, for one recording, with the call.
extension AgentTracker {
    func blackout(_ command: BlackoutCommand, at now: Int64) -> Result<AgentState, ControlError> {
        guard let profile = directory.agent(command.agent), var agent = agents[profile.id] else {
            return .failure(.agentNotFound(command.agent))
        }
        let requested = command.time.map { time in
            // A wall-clock time of the configured zone: its offset at that time makes it absolute.
            command.timeIsLocal ? time - Int64(configuration.engine.timeZoneOffset(at: time)) * 1_000_000_000 : time
        } ?? now + Int64(command.timeOffsetSeconds.map { max(-BlackoutCommand.maxTimeOffsetSeconds, min(BlackoutCommand.maxTimeOffsetSeconds, $0)) } ?? 0) * 1_000_000_000
        // Audio is held for the commit delay: what lies further back is written and out of reach.
        let earliest = now - Int64(configuration.engine.commitDelaySeconds * 1e9)
        var applied: AgentState.BlackoutApplied
        switch command.action {
        case .start:
            if let current = agent.blackout, current.isOpen {
                // Starting what runs changes nothing.
                applied = .init(startTime: CaptureTime.iso8601(current.startNanos), stopTime: nil, clamped: false,
                                shared: cluster?.state.isConnected ?? false)
                break
            }
            let start = max(requested, earliest)
            let limit = start + Int64(configuration.blackout.maxAgentBlackoutSeconds * 1e9)
            let decision = ClusterBlackout(agent: clusterKey(profile), action: .start, startNanos: start, limitNanos: limit,
                                           origin: configuration.engine.serverId, sequence: nextBlackoutSequence(),
                                           requester: command.requester)
            agent.blackout = TrackedBlackout(startNanos: start, limitNanos: limit, origin: configuration.engine.serverId,
                                             sequence: decision.sequence)
            agents[profile.id] = agent
            for callInstance in agent.calls {
                engine.startBlackout(callInstance, at: start, origin: configuration.engine.serverId)
                refreshRecordingStates(callInstance)
            }
            let shared = share(decision, of: profile)
            applied = .init(startTime: CaptureTime.iso8601(start), stopTime: nil, clamped: start != requested, shared: shared)
        case .stop:
            guard let current = agent.blackout, current.isOpen else {
                // Stopping what is not running changes nothing.
                applied = .init(startTime: nil, stopTime: nil, clamped: false, shared: false)
                break
            }
            if requested < current.startNanos {
                guard current.startNanos > now else {
                    return .failure(ControlError(.badRequest, "the stop time \(CaptureTime.iso8601(requested)) is before the blackout's start \(CaptureTime.iso8601(current.startNanos))"))
                }
                // A scheduled blackout stopped before it began is cancelled: nothing is silenced.
                end(agentId: profile.id, at: current.startNanos, reason: "cancelled")
                let shared = shareStop(of: profile, requester: command.requester)
                applied = .init(startTime: CaptureTime.iso8601(current.startNanos), stopTime: CaptureTime.iso8601(current.startNanos),
                                clamped: false, shared: shared)
                break
            }
            let stop = max(requested, earliest, current.startNanos)
            end(agentId: profile.id, at: stop, reason: "stopped")
            let shared = shareStop(of: profile, requester: command.requester)
            applied = .init(startTime: CaptureTime.iso8601(current.startNanos), stopTime: CaptureTime.iso8601(stop),
                            clamped: stop != requested, shared: shared)
        }
        changed(agents: [profile.id])
        guard var state = view(of: profile.id) else { return .failure(.agentNotFound(command.agent)) }
        state.applied = applied
        return .success(state)
    }

    /// Ends an agent's active blackout on every call of the agent. The server that started it
    /// unmasks the agent's screen, however it ended (here, by its limit, or on another server).
    func end(agentId: Int, at nanos: Int64, reason: String) {
        guard var blackout = agents[agentId]?.blackout, blackout.isOpen else { return }
        blackout.stopNanos = nanos
        blackout.ended = reason
        agents[agentId]?.blackout = blackout
        if blackout.origin == configuration.engine.serverId, let profile = directory.agent(id: agentId) {
            publishScreen(.unmask, of: profile, identifier: nil, relatedCall: nil, metadata: [:], at: nanos)
        }
        for callInstance in agents[agentId]?.calls ?? [] where !isBlackedOut(callInstance, except: agentId) {
            engine.endBlackout(callInstance, at: nanos, reason: reason)
        }
        for callInstance in agents[agentId]?.calls ?? [] { refreshRecordingStates(callInstance) }
    }

    /// Whether another agent on the call still has a blackout (both ends agents, one blacked out).
    private func isBlackedOut(_ callInstance: String, except agentId: Int) -> Bool {
        calls[callInstance]?.agentIds.contains { $0 != agentId && agents[$0]?.blackout?.isOpen == true } ?? false
    }

    /// The open blackout (running or scheduled) that covers a call of these agents, if any (the
    /// earliest start).
    func activeBlackout(of agentIds: [Int]) -> TrackedBlackout? {
        agentIds.compactMap { agents[$0]?.blackout }.filter(\.isOpen).min { $0.startNanos < $1.startNanos }
    }

    /// The blackout a recording of these agents that opens at `nanos` must carry: one that runs
    /// or is scheduled, or whose stop lies ahead (the earliest start).
    func blackoutAhead(of agentIds: [Int], from nanos: Int64) -> TrackedBlackout? {
        agentIds.compactMap { agents[$0]?.blackout }.filter { $0.stopNanos.map { $0 > nanos } ?? true }
            .min { $0.startNanos < $1.startNanos }
    }

    /// Gives a recording that opens at `nanos` (a record command, a duplicate, a call's first
    /// packet, a new segment after a restart, a face-to-face session) what silences it from then
    /// on: the pause, and the agents' blackout with its stop when that is decided already. The
    /// engine keeps none of this: each recording's gate holds what it was given.
    func giveSilence(toRecording recording: String, of callInstance: String, agentIds: [Int], paused: Bool, from nanos: Int64) {
        if paused { engine.setPaused(true, callInstance, at: nanos, recording: recording) }
        guard let blackout = blackoutAhead(of: agentIds, from: nanos) else { return }
        engine.startBlackout(callInstance, at: max(blackout.startNanos, nanos), origin: blackout.origin, recording: recording)
        if let stop = blackout.stopNanos {
            engine.endBlackout(callInstance, at: stop, reason: blackout.ended ?? "stopped", recording: recording)
        }
    }

    /// Recording states shown for a call: blacked out while a blackout of its agents runs.
    func refreshRecordingStates(_ callInstance: String) {
        guard var call = calls[callInstance] else { return }
        let blackedOut = call.agentIds.contains { agents[$0]?.blackout?.isSilencing(at: clockNanos) == true }
        for i in call.recordings.indices where call.recordings[i].recordingState != .stopped {
            call.recordings[i].recordingState = blackedOut ? .blackedOut : (call.paused ? .paused : .recording)
        }
        calls[callInstance] = call
    }

    /// Moves the tracker's clock (the capture clock, or a command's accepted time ahead of it) and
    /// shows the blackouts that began or ended meanwhile: a scheduled start turns active, a stop
    /// with a future time turns it off, in the agent's state and its recordings' states.
    func advanceClock(to nanos: Int64) {
        let previous = clockNanos
        guard nanos > previous else { return }
        clockNanos = nanos
        for (id, agent) in agents {
            guard let blackout = agent.blackout,
                  blackout.isSilencing(at: previous) != blackout.isSilencing(at: nanos) else { continue }
            for callInstance in agent.calls { refreshRecordingStates(callInstance) }
            changed(agents: [id])
        }
    }

    /// The agent's blackout as its state shows it.
    func blackoutView(_ blackout: TrackedBlackout?) -> AgentState.BlackoutView {
        guard let blackout else { return AgentState.BlackoutView() }
        return AgentState.BlackoutView(active: blackout.isSilencing(at: clockNanos), startTime: CaptureTime.iso8601(blackout.startNanos),
                                       stopTime: blackout.stopNanos.map(CaptureTime.iso8601), origin: blackout.origin)
    }

    /// Ends the blackouts that reached `blackout.maxAgentBlackoutSeconds` (the limit the starting
    /// server set; every server ends them by itself at the same time).
    public func clockAdvanced(to nanos: Int64) {
        advanceClock(to: nanos)
        beginDeferredStarts(at: nanos)
        advanceFaceToFace(to: nanos)
        for (id, agent) in agents {
            guard let blackout = agent.blackout, blackout.isOpen, blackout.limitNanos <= nanos else { continue }
            end(agentId: id, at: blackout.limitNanos, reason: "maxAgentBlackout")
            // Every server ends it by itself and says so: the others may not see the clock move.
            if let profile = directory.agent(id: id) { shareStop(of: profile) }
            changed(agents: [id])
        }
    }
}
