import Engine
import Foundation
import Media

/// The API's commands, applied at capture time `nanos` on the capture thread.
extension AgentTracker {
    /// Applies `command` and answers the agent's state after it.
    public func perform(_ command: ControlCommand, at nanos: Int64) -> Result<AgentState, ControlError> {
        advanceClock(to: nanos)
        switch command {
        case .record(let c): return record(c, at: nanos)
        case .screen(let c): return screen(c, at: nanos)
        case .blackout(let c): return blackout(c, at: nanos)
        case .faceToFace(let c):
            return performFaceToFace(c, at: nanos).flatMap { recording in
                view(of: recording.agentId).map { .success($0) } ?? .failure(ControlError(.internalFault, "agent \(recording.agentId) has no state"))
            }
        }
    }

    private func resolve(_ reference: AgentReference) -> Result<(AgentProfile, TrackedAgent), ControlError> {
        guard let profile = directory.agent(reference), let agent = agents[profile.id] else {
            return .failure(.agentNotFound(reference))
        }
        return .success((profile, agent))
    }

    private func record(_ command: RecordCommand, at nanos: Int64) -> Result<AgentState, ControlError> {
        let profile: AgentProfile, agent: TrackedAgent
        switch resolve(command.agent) {
        case .failure(let e): return .failure(e)
        case .success(let found): (profile, agent) = found
        }
        let active = activeCall(of: agent)
        switch command.action {
        case .update:
            guard let changes = command.metadata else { return .failure(ControlError(.missingParameter, "CallMetadata is required")) }
            if let active {
                if let refused = update(active.callInstance, with: changes) { return .failure(refused) }
            } else if let last = agent.lastCall {
                // The call just ended: its recordings are finished, their sidecars take the keys.
                updateFinished(last, recordings: agent.lastCallRecordings, with: changes)
            } else {
                return .failure(.noActiveCall(profile.id))
            }
        case .startDuplicate, .stopDuplicate:
            let target: TrackedCall
            if let identifier = command.callIdentifier, !identifier.isEmpty {
                guard let named = agent.calls.compactMap({ calls[$0] }).first(where: { $0.callInstance == identifier }) else {
                    return .failure(ControlError(.callNotFound, "agent \(profile.id) has no live call '\(identifier)'"))
                }
                target = named
            } else {
                guard let active else { return .failure(.noActiveCall(profile.id)) }
                target = active
            }
            if command.action == .startDuplicate {
                if let problem = engine.storage.problem { return .failure(ControlError(.unavailable, "storage: \(problem)")) }
                if let metadata = command.metadata, let refused = update(target.callInstance, with: metadata) {
                    return .failure(refused)
                }
                guard engine.startDuplicate(target.callInstance, at: nanos) != nil else {
                    return .failure(ControlError(.conflict, "call '\(target.callInstance)' already has as many recordings open as a call may"))
                }
            } else {
                let stopping = engine.openRecordings(of: target.callInstance).duplicates
                engine.stopDuplicates(target.callInstance, at: nanos)
                markStopped(stopping, of: target.callInstance)
            }
        case .start, .stop, .pause, .resume:
            guard let active else { return .failure(.noActiveCall(profile.id)) }
            let id = active.callInstance
            switch command.action {
            case .start:
                if engine.openRecordings(of: id).primary == nil, let problem = engine.storage.problem {
                    return .failure(ControlError(.unavailable, "storage: \(problem)"))
                }
                if let metadata = command.metadata, let refused = update(id, with: metadata) { return .failure(refused) }
                calls[id]?.primaryStopped = false
                engine.startPrimary(id, at: nanos)
            case .stop:
                calls[id]?.primaryStopped = true
                let stopping = engine.openRecordings(of: id).primary
                engine.stopPrimary(id, at: nanos)
                markStopped(stopping.map { [$0] } ?? [], of: id)
            case .pause, .resume:
                let paused = command.action == .pause
                engine.setPaused(paused, id, at: nanos)
                calls[id]?.paused = paused
                refreshRecordingStates(id)
            default:
                break
            }
            if let call = calls[id] { persist(call) }
        }
        changed(agents: [profile.id] + (active?.agentIds ?? []))
        return view(of: profile.id).map { .success($0) } ?? .failure(.agentNotFound(command.agent))
    }

    /// A stopped recording shows as stopped at once; its file is finished on its worker.
    private func markStopped(_ identifiers: [String], of callInstance: String) {
        guard var call = calls[callInstance] else { return }
        for i in call.recordings.indices where identifiers.contains(call.recordings[i].recordingIdentifier) {
            call.recordings[i].recordingState = .stopped
        }
        calls[callInstance] = call
    }

    /// Keys a client may add to a call beyond the documented ones (in total, over every update).
    static let maxClientMetadataKeys = 64

    /// Merges API metadata into a live call: shown at once, carried by its open recordings, and
    /// written into the sidecars of its recordings that already finished. A key the call already
    /// has, in whatever case, keeps the call's spelling (`User2` updates `user2`). Refused, and
    /// nothing changed, when the call would carry more than `maxClientMetadataKeys` keys of the
    /// client's own.
    @discardableResult
    func update(_ callInstance: String, with changes: [String: String]) -> ControlError? {
        guard var call = calls[callInstance] else { return nil }
        var spelling: [String: String] = [:]
        for key in call.metadata.keys { spelling[key.lowercased()] = key }
        for key in CaptureEngine.documentedMetadataKeys { spelling[key] = key }
        var canonical: [String: String] = [:]
        // Sorted: of two keys that differ only in case, the same one wins every time.
        for key in changes.keys.sorted() { canonical[spelling[key.lowercased()] ?? key] = changes[key] }
        for (key, value) in canonical {
            if let problem = RetentionRules.problem(key: key, value: value) { return ControlError(.badRequest, problem) }
        }
        let clientKeys = Set(call.metadata.keys).union(canonical.keys).subtracting(CaptureEngine.documentedMetadataKeys)
        if clientKeys.count > Self.maxClientMetadataKeys {
            return ControlError(.badRequest, "call '\(callInstance)' would carry \(clientKeys.count) metadata keys of the client's own; at most \(Self.maxClientMetadataKeys) are allowed")
        }
        let changes = canonical
        call.overrides.merge(changes) { _, new in new }
        engine.updateMetadata(changes, of: callInstance)
        call.metadata = engine.currentMetadata(of: callInstance) ?? call.metadata.merging(changes) { _, new in new }
        calls[callInstance] = call
        persist(call)
        let open = Set(engine.openRecordings(of: callInstance).primary.map { [$0] } ?? [])
            .union(engine.openRecordings(of: callInstance).duplicates)
        let finished = call.recordings.map(\.recordingIdentifier).filter { !open.contains($0) }
        updateFinished(callInstance, recordings: finished, with: changes)
        return nil
    }

    /// Rewrites the sidecars of finished recordings with the new keys, off the capture thread,
    /// and their index rows with the keys and the retention the call's metadata now gives.
    func updateFinished(_ callInstance: String, recordings: [String], with changes: [String: String]) {
        guard !recordings.isEmpty else { return }
        let paths = recordings.compactMap(recordingIndex.sidecarPath(of:))
        sidecarRewriter.merge(changes, into: paths)
        guard let call = calls[callInstance] else { return }
        let retention = retention(metadata: call.metadata, agentId: call.agentIds.first)
        for id in recordings {
            store?.updateFinishedMetadata(id, changes: changes, retention: retention)
        }
    }

    /// How long a recording of the agent with this metadata is kept (`RetentionRules`).
    func retention(metadata: [String: String], agentId: Int?) -> RecordingRetention? {
        let agent = agentId.flatMap { directory.agent(id: $0) }
        return directory.policies.retention.retention(metadata: metadata, agent: agent?.retention, businessUnit: agent?.businessUnit)
    }

    /// Screen recordings are named like audio ones, from the server, the agent, the capture time
    /// of the start and how many the agent had before on the call (two starts may share a
    /// capture time), so a replay names them the same way every time.
    func screenIdentifier(agentId: Int, at nanos: Int64, earlier: Int = 0) -> String {
        RecordingIdentifier.make(serverId: configuration.engine.serverId,
                                 callInstance: earlier == 0 ? "screen:\(agentId)" : "screen:\(agentId):\(earlier)",
                                 segment: Int(truncatingIfNeeded: nanos))
    }

    private func screen(_ command: ScreenCommand, at nanos: Int64) -> Result<AgentState, ControlError> {
        let profile: AgentProfile, agent: TrackedAgent
        switch resolve(command.agent) {
        case .failure(let e): return .failure(e)
        case .success(let found): (profile, agent) = found
        }
        let active = activeCall(of: agent)
        // What the agent's desktop is told (`calltap.screen`): the recordings the command touched.
        var touched: [(identifier: String, relatedCall: String?)] = []
        switch command.action {
        case .start:
            if let active {
                // Its CallMetadata goes into the call, as Record/UpdateForAgent's would.
                if let changes = command.metadata, let refused = update(active.callInstance, with: changes) {
                    return .failure(refused)
                }
                var call = calls[active.callInstance]!
                if !call.screenRecordings.contains(where: { $0.recordingState != .stopped }) {
                    let id = screenIdentifier(agentId: profile.id, at: nanos, earlier: call.screenRecordings.count)
                    call.screenRecordings.append(.init(relatedCallInstance: active.callInstance,
                                                       screenRecordingIdentifier: id, recordingState: .recording))
                    calls[active.callInstance] = call
                    persist(call)
                    touched.append((id, active.callInstance))
                }
            } else if !agent.desktopScreenRecordings.contains(where: { $0.recordingState != .stopped }) {
                let id = screenIdentifier(agentId: profile.id, at: nanos)
                agents[profile.id]?.desktopScreenRecordings.append(.init(relatedCallInstance: nil, screenRecordingIdentifier: id,
                                                                         recordingState: .recording))
                agents[profile.id]?.desktopSessions.append(.init(sessionIdentifier: id, kind: "Screen", state: "Active",
                                                                 startTime: CaptureTime.iso8601(nanos)))
                touched.append((id, nil))
            }
        case .update, .stop:
            let wanted = command.screenRecordingIdentifier
            var found = false
            if let active, var call = calls[active.callInstance] {
                // A stopped screen recording stays listed with its call, as a stopped audio one does.
                let running = call.screenRecordings.indices.filter {
                    call.screenRecordings[$0].recordingState != .stopped
                        && (wanted == nil || call.screenRecordings[$0].screenRecordingIdentifier == wanted)
                }
                if !running.isEmpty {
                    found = true
                    if let changes = command.metadata, command.action == .update,
                       let refused = update(active.callInstance, with: changes) {
                        return .failure(refused)
                    }
                    for i in running {
                        touched.append((call.screenRecordings[i].screenRecordingIdentifier, active.callInstance))
                        if command.action == .stop { call.screenRecordings[i].recordingState = .stopped }
                    }
                    calls[active.callInstance] = call.merging(metadataOf: calls[active.callInstance])
                    persist(calls[active.callInstance]!)
                }
            }
            if var desk = agents[profile.id] {
                // A face-to-face recording's screen is steered through the F2F API only.
                let faceToFaceScreens = Set(faceToFace(of: profile.id).compactMap(\.screenRecordingIdentifier))
                for i in desk.desktopScreenRecordings.indices
                where !faceToFaceScreens.contains(desk.desktopScreenRecordings[i].screenRecordingIdentifier)
                    && (wanted == nil || desk.desktopScreenRecordings[i].screenRecordingIdentifier == wanted) {
                    found = true
                    touched.append((desk.desktopScreenRecordings[i].screenRecordingIdentifier, nil))
                    if command.action == .stop {
                        let id = desk.desktopScreenRecordings[i].screenRecordingIdentifier
                        desk.desktopScreenRecordings[i].recordingState = .stopped
                        desk.desktopSessions.removeAll { $0.sessionIdentifier == id }
                    }
                }
                desk.desktopScreenRecordings.removeAll { $0.recordingState == .stopped }
                agents[profile.id] = desk
            }
            if !found, let wanted {
                return .failure(ControlError(.callNotFound, "agent \(profile.id) has no screen recording '\(wanted)'"))
            }
            // Stopping what is not running changes nothing; updating it is an error, and the
            // call's metadata stays as it was.
            if !found, command.action == .update {
                return .failure(ControlError(.callNotFound, "agent \(profile.id) has no screen recording running"))
            }
        }
        let type: ScreenCommandMessage.CommandType = switch command.action {
        case .start: .start
        case .update: .update
        case .stop: .stop
        }
        for (identifier, relatedCall) in touched {
            let metadata = relatedCall.flatMap { calls[$0]?.metadata } ?? command.metadata ?? [:]
            publishScreen(type, of: profile, identifier: identifier, relatedCall: relatedCall, metadata: metadata, at: nanos)
        }
        changed(agents: [profile.id])
        return view(of: profile.id).map { .success($0) } ?? .failure(.agentNotFound(command.agent))
    }
}

extension TrackedCall {
    /// This call with the metadata of `other` (the same call after an update changed it).
    func merging(metadataOf other: TrackedCall?) -> TrackedCall {
        guard let other else { return self }
        var c = self
        c.metadata = other.metadata
        c.overrides = other.overrides
        return c
    }
}
