import Engine
import Foundation
import Media
import SIP

/// What the engine reports: calls starting, changing and ending, recordings opening and finishing.
extension AgentTracker: EngineObserver {
    public func callStarted(_ call: Call, at nanos: Int64) {
        let (callerIds, calleeIds) = call.identities(dialPlan: configuration.engine.dialPlan)
        // The agents the call's numbers reach (an agent on both sides counts as the caller), in id order.
        var sides: [Int: Bool] = [:]
        for id in calleeIds { if let agent = directory.agent(normalisedPhone: id) { sides[agent.id] = false } }
        for id in callerIds { if let agent = directory.agent(normalisedPhone: id) { sides[agent.id] = true } }
        var parties = sides.sorted { $0.key < $1.key }.map { TrackedCall.Party(agentId: $0.key, isCaller: $0.value) }
        // An attended transfer (RFC 3891): this INVITE goes to the phone of one side of the call
        // it replaces; the agent on that side moves here, with what the API said about the call.
        var replaced: TrackedCall?
        var movers: [Int] = []
        if let old = call.replacesCallID, let oldCall = calls[old] {
            replaced = oldCall
            let side = replacedSide(of: engine.call(old), reachedBy: call.requestURI)
            movers = oldCall.parties.filter { party in
                if let side { return party.isCaller == (side == .caller) }
                return parties.contains { $0.agentId == party.agentId }
            }.map(\.agentId)
            for id in movers where !parties.contains(where: { $0.agentId == id }) {
                parties.append(TrackedCall.Party(agentId: id, isCaller: false))
            }
        }
        var tracked = restoring.removeValue(forKey: call.callID) ?? TrackedCall(
            callInstance: call.callID, parties: parties, state: .ringing, startNanos: call.inviteNanos,
            metadata: [:], overrides: [:], recordings: [])
        tracked.parties = tracked.parties.isEmpty ? parties : tracked.parties
        tracked.ended = false
        if let replaced {
            // The transfer keeps what the API said about the conversation.
            for (k, v) in replaced.overrides where tracked.overrides[k] == nil { tracked.overrides[k] = v }
        }
        for (k, v) in agentMetadata(tracked) { tracked.overrides[k] = v }

        let profiles = tracked.parties.compactMap { directory.agent(id: $0.agentId) }
        let recordFromStart: Bool
        if tracked.recordings.contains(where: { !$0.isDuplicate && $0.recordingState != .stopped }) {
            // Restored after a restart while its primary was recording: it goes on in a new segment.
            recordFromStart = true
        } else if tracked.primaryStopped {
            recordFromStart = false
        } else if profiles.isEmpty {
            recordFromStart = configuration.engine.recordWithoutAgent
        } else {
            recordFromStart = profiles.contains { directory.policy(of: $0) == .always }
        }
        // One agent on the call: the agent left, the other party right.
        let one = tracked.parties.count == 1 ? tracked.parties[0] : nil
        let profile = CallProfile(
            recordFromStart: recordFromStart,
            agentId: tracked.parties.first?.agentId,
            sideToChannel: one.map { $0.isCaller ? [0, 1] : [1, 0] } ?? [0, 1],
            channelRoles: one != nil ? ["agent", "customer"] : ["caller", "callee"],
            metadata: tracked.overrides,
            nextSegment: tracked.nextSegment)
        engine.setProfile(profile, of: call.callID)
        tracked.metadata = engine.currentMetadata(of: call.callID) ?? tracked.metadata
        // Recordings that were open before a restart are not open in this engine.
        for i in tracked.recordings.indices { tracked.recordings[i].recordingState = .stopped }
        tracked.state = state(of: call)
        tracked.signalling = engine.signalling(of: call.callID)
        calls[call.callID] = tracked

        var touched = tracked.agentIds
        if let replaced {
            for id in movers {
                agents[id]?.calls.removeAll { $0 == replaced.callInstance }
                touched.append(id)
            }
        }
        for id in tracked.agentIds where agents[id]?.calls.contains(call.callID) == false {
            agents[id]?.calls.append(call.callID)
        }
        persist(tracked)
        changed(agents: touched)
    }

    /// The side of a replaced call whose phone the replacing INVITE reaches: the one whose
    /// Contact is the INVITE's Request-URI. Nil when the replaced call is gone or neither matches.
    private func replacedSide(of old: Call?, reachedBy target: SIPURI) -> CallSide? {
        guard let old else { return nil }
        func same(_ contact: NameAddress?) -> Bool {
            guard let uri = contact?.uri else { return false }
            return uri.user == target.user && uri.host.lowercased() == target.host.lowercased()
        }
        if same(old.calleeContact) { return .callee }
        if same(old.callerContact) { return .caller }
        return nil
    }

    /// The metadata an agent gives the call: direction, device, station.
    func agentMetadata(_ call: TrackedCall) -> [String: String] {
        var m = ["calldirection": call.direction]
        if let first = call.parties.first, let profile = directory.agent(id: first.agentId) {
            m["deviceid"] = profile.deviceId
            m["devicealias"] = profile.deviceAlias
            m["station"] = profile.station
        }
        return m
    }

    func state(of call: Call) -> AgentState.CallStateName {
        switch call.state {
        case .trying, .early: return .ringing
        case .confirmed, .ended: return call.isOnHold ? .onHold : .onCall
        }
    }

    public func callChanged(_ call: Call, at nanos: Int64) {
        guard var tracked = calls[call.callID] else { return }
        tracked.state = state(of: call)
        tracked.signalling = engine.signalling(of: call.callID)
        tracked.metadata = engine.currentMetadata(of: call.callID) ?? tracked.metadata
        calls[call.callID] = tracked
        persist(tracked)
        changed(agents: tracked.agentIds)
    }

    public func callEnded(_ call: Call, at nanos: Int64) {
        guard var tracked = calls[call.callID] else { return }
        if call.endReason == .shutdown {
            // The recorder stops, not the call: the stored call and agents stay as they were, so
            // that a restart picks the call up again in a new segment.
            calls[call.callID] = nil
            for id in tracked.agentIds { agents[id]?.calls.removeAll { $0 == call.callID } }
            for id in Set(tracked.agentIds) { if let state = view(of: id) { snapshots.publish(state) } }
            return
        }
        tracked.ended = true
        tracked.metadata = engine.currentMetadata(of: call.callID) ?? tracked.metadata
        calls[call.callID] = tracked
        for id in tracked.agentIds {
            agents[id]?.calls.removeAll { $0 == call.callID }
            agents[id]?.lastCall = call.callID
            agents[id]?.lastCallRecordings = tracked.recordings.map(\.recordingIdentifier)
        }
        persist(tracked)
        changed(agents: tracked.agentIds)
    }

    public func callPurged(_ callInstance: String) {
        // A late update for one of its recordings finds the sidecar through the index from now on.
        recordingIndex.forget(calls.removeValue(forKey: callInstance)?.recordings.map(\.recordingIdentifier) ?? [])
    }

    public func recordingOpened(_ setup: RecordingSetup) {
        // Indexed whatever it records: a face-to-face session's recording has no tracked call.
        let entry = RecordingIndexEntry(
            recordingIdentifier: setup.recordingIdentifier, callInstance: setup.callInstance, agentId: setup.agentId,
            isDuplicate: setup.isDuplicate, segment: setup.segment, startNanos: setup.startNanos, endNanos: nil,
            state: "Recording", endReason: nil, sidecarPath: absolute(setup.sidecarPath),
            audioPaths: RecordingOutput.plan(stem: absolute(setup.audioStem), sampleRate: setup.sampleRate,
                                             roles: setup.channelRoles, format: setup.format, layout: setup.layout,
                                             side: setup.side).files.map(\.path),
            format: setup.format.rawValue, sampleRate: setup.sampleRate, channelRoles: setup.channelRoles,
            metadata: setup.metadata)
        recordingIndex.opened(entry)
        guard var tracked = calls[setup.callInstance] else { return }
        // A recording opened while its call is paused or an agent blacked out is silent from its start.
        giveSilence(toRecording: setup.recordingIdentifier, of: setup.callInstance, agentIds: tracked.agentIds,
                    paused: tracked.paused, from: setup.startNanos)
        tracked.recordings.append(AgentState.RecordingView(
            recordingIdentifier: setup.recordingIdentifier, isDuplicate: setup.isDuplicate,
            recordingState: tracked.agentIds.contains { agents[$0]?.blackout?.isSilencing(at: clockNanos) == true }
                ? .blackedOut : (tracked.paused ? .paused : .recording),
            callInstance: setup.callInstance))
        tracked.nextSegment = setup.segment + 1
        calls[setup.callInstance] = tracked
        persist(tracked)
        changed(agents: tracked.agentIds)
    }

    public func recordingFinished(_ result: RecordingResult) {
        let sidecar = result.sidecar
        let (entry, late) = recordingIndex.finished(sidecar.recordingIdentifier, orElse: RecordingIndexEntry(
            recordingIdentifier: sidecar.recordingIdentifier, callInstance: sidecar.callInstance, agentId: sidecar.agentId,
            isDuplicate: sidecar.isDuplicate, segment: sidecar.segment, startNanos: 0, endNanos: nil, state: "Recording",
            endReason: nil, sidecarPath: absolute(result.sidecarPath), audioPaths: result.audioPaths.map(absolute),
            format: sidecar.audio.format, sampleRate: sidecar.audio.sampleRate, channelRoles: sidecar.audio.channelRoles,
            metadata: sidecar.metadata)) { entry in
            entry.state = "Stopped"
            entry.endReason = sidecar.endReason
            entry.endNanos = entry.startNanos + Int64(sidecar.audio.durationSeconds * 1e9)
            entry.audioPaths = result.audioPaths.map(absolute)
            entry.metadata = sidecar.metadata
            entry.retention = retention(metadata: sidecar.metadata, agentId: sidecar.agentId)
        }
        // Blackouts that came for it while it was open, their audio already written. Queued
        // before the row (and its announcement) is: the couriers read the sidecar after them.
        for interval in late { lateWriter.apply(interval, toFinishing: entry) }
        recordingIndex.store(finished: entry, announcingTo: announcer.destinations)
        finishedTotals.add(bytes: result.audioBytes)
        faceToFaceRecordingFinished(result)
        guard var tracked = calls[sidecar.callInstance],
              let i = tracked.recordings.firstIndex(where: { $0.recordingIdentifier == sidecar.recordingIdentifier }) else { return }
        tracked.recordings[i].recordingState = .stopped
        calls[sidecar.callInstance] = tracked
        persist(tracked)
        changed(agents: tracked.agentIds)
    }

    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
