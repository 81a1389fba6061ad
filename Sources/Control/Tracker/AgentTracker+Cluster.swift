import Engine
import Foundation
import Media

/// Blackouts shared by the servers of a cluster (docs/API.md, "Blackouts"). What this server
/// decides is published; what the others decide is applied here. Two rules keep every server
/// right whatever order the broker delivers in:
/// - the agent's *state* (active or not, since when) follows `BlackoutMerge`: the decision with
///   the later effective time wins, ties by server id;
/// - the *silence* is the union of every interval any server decided: a stop carries its whole
///   interval, and an interval whose audio is already written is overwritten in the file (`Late`).
extension AgentTracker {
    func clusterKey(_ profile: AgentProfile) -> ClusterAgentKey {
        ClusterAgentKey(id: profile.id, phone: profile.phone)
    }

    func nextBlackoutSequence() -> UInt64 {
        ledger.nextSequence(cluster)
    }

    /// Records and publishes a blackout decided here (a start also masks the agent's screen; the
    /// unmask comes with the end, see `end(agentId:at:reason:)`). Returns whether the others have
    /// it now (`Shared`).
    @discardableResult
    func share(_ decision: ClusterBlackout, of profile: AgentProfile) -> Bool {
        ledger.merge(decision)
        if decision.action == .stop { ledger.remember(decision) }
        guard let cluster else { return false }
        cluster.publish(decision.action == .start ? .blackoutStart(decision) : .blackoutStop(decision))
        if decision.action == .start {
            publishScreen(.mask, of: profile, identifier: nil, relatedCall: nil, metadata: [:], at: decision.startNanos)
        }
        return cluster.state.isConnected
    }

    /// Publishes the stop of the agent's blackout, which `end` has just recorded here;
    /// `requester`: the request that stopped it (nil when it ended by its limit).
    @discardableResult
    func shareStop(of profile: AgentProfile, requester: BlackoutRequester? = nil) -> Bool {
        guard let blackout = agents[profile.id]?.blackout, let stop = blackout.stopNanos else { return false }
        let serverId = configuration.engine.serverId
        let decision = ClusterBlackout(agent: clusterKey(profile), action: .stop, startNanos: blackout.startNanos,
                                       stopNanos: stop, limitNanos: blackout.limitNanos, ended: blackout.ended,
                                       origin: serverId, startedBy: blackout.origin == serverId ? nil : blackout.origin,
                                       sequence: nextBlackoutSequence(), requester: requester)
        return share(decision, of: profile)
    }

    /// Publishes a screen-recording command for the agent's station (nothing without a cluster).
    func publishScreen(_ type: ScreenCommandMessage.CommandType, of profile: AgentProfile, identifier: String?,
                       relatedCall: String?, metadata: [String: String], at nanos: Int64) {
        guard let cluster else { return }
        cluster.publish(ScreenCommandMessage(
            type: type, agentId: profile.id, station: profile.station, deviceId: profile.deviceId,
            screenRecordingIdentifier: identifier, relatedCallInstance: relatedCall, callMetadata: metadata,
            time: CaptureTime.iso8601(nanos), origin: cluster.serverId))
    }

    /// Connects the tracker to the cluster; call before the capture runs.
    public func join(_ bus: ClusterBus) {
        cluster = bus
        // What was decided before a restart is what this server tells peers that ask.
        let serverId = configuration.engine.serverId
        for profile in directory.agents {
            guard let blackout = agents[profile.id]?.blackout, let sequence = blackout.sequence else { continue }
            if blackout.isOpen {
                ledger.merge(ClusterBlackout(
                    agent: clusterKey(profile), action: .start, startNanos: blackout.startNanos,
                    limitNanos: blackout.limitNanos, origin: blackout.origin, sequence: sequence))
            } else {
                // The stop is this server's word, under a number of its own (not the start's).
                let stop = ClusterBlackout(
                    agent: clusterKey(profile), action: .stop, startNanos: blackout.startNanos, stopNanos: blackout.stopNanos,
                    limitNanos: blackout.limitNanos, ended: blackout.ended, origin: serverId,
                    startedBy: blackout.origin == serverId ? nil : blackout.origin, sequence: bus.nextSequence())
                ledger.merge(stop)
                ledger.remember(stop)
            }
        }
    }

    /// Tells the others what this server knows, unasked: on every (re)connection, so that what
    /// it decided while cut off (or before a restart) reaches servers whose queues lost it.
    func announceState() {
        cluster?.publish(.state(requestedBy: "", blackouts: ledger.known, agents: sharedDirectory))
    }

    /// A message from another server, its times in this server's capture time; runs on the
    /// capture thread at `now`.
    public func received(_ message: ClusterMessage, at now: Int64) {
        switch message.body {
        case .blackoutStart(let decision), .blackoutStop(let decision):
            apply(remote: decision, at: now)
        case .stateRequest:
            // Every agent's current decision, and the stopped ones a cut-off peer may have missed.
            announceState()
        case .state(_, let blackouts, let directory):
            // Answers to anyone's request: applying what is known already changes nothing.
            for entry in directory { apply(remote: entry) }
            for decision in blackouts.sorted(by: { $0.effectiveNanos < $1.effectiveNanos }) {
                apply(remote: decision, at: now)
            }
        case .agents(let entries):
            for entry in entries { apply(remote: entry) }
        }
    }

    /// Applies another server's decision (or this server's own, come back in a state answer).
    func apply(remote decision: ClusterBlackout, at now: Int64) {
        guard let profile = directory.agent(id: decision.agent.id), let agent = agents[profile.id] else {
            if ledger.noteUnknownAgent(decision.agent.id) {
                logger.warning("blackout from another server for an agent this server does not know: skipped",
                               metadata: ["agent": "\(decision.agent.id)", "origin": "\(decision.origin)"])
            }
            return
        }
        let earliest = now - Int64(configuration.engine.commitDelaySeconds * 1e9)
        switch decision.action {
        case .start:
            let outcome = ledger.merge(decision)
            if case .applied = outcome { audit(remote: decision, agentId: profile.id) }
            if let current = agent.blackout, current.isOpen {
                // Already silent; an earlier start from elsewhere reaches back further, whichever
                // decision the merge rule keeps for the agent's state.
                if decision.startNanos < current.startNanos {
                    silence(profile.id, from: decision.startNanos, to: current.startNanos, origin: decision.starter,
                            ended: nil, at: now)
                    agents[profile.id]?.blackout?.startNanos = decision.startNanos
                }
                changed(agents: [profile.id])
                return
            }
            guard case .applied = outcome else { return }
            if decision.startNanos < earliest {
                // Its first part is written already. Hold it until its stop comes (a peer back
                // from an outage sends the two back to back): then the whole interval is
                // overwritten exactly instead of gating live audio past the stop.
                ledger.deferredStarts[profile.id] = (decision, now)
                return
            }
            begin(decision, of: profile, at: now)
        case .stop:
            guard !ledger.hasApplied(decision), let stop = decision.stopNanos else {
                ledger.merge(decision)
                return
            }
            let outcome = ledger.merge(decision)
            ledger.remember(decision)
            audit(remote: decision, agentId: profile.id)
            if let deferred = ledger.deferredStarts[profile.id], deferred.decision.startNanos <= stop {
                ledger.deferredStarts[profile.id] = nil
            }
            if let current = agent.blackout, current.isOpen, current.startNanos <= stop {
                if case .superseded = outcome {
                    // A later start holds the agent; the stopped interval before it is still silence.
                    silence(profile.id, from: decision.startNanos, to: min(stop, current.startNanos),
                            origin: decision.starter, ended: decision.ended, at: now)
                    return
                }
                if decision.startNanos < current.startNanos {
                    silence(profile.id, from: decision.startNanos, to: current.startNanos, origin: decision.starter,
                            ended: decision.ended, at: now)
                }
                // What was written since the stop stays silent: silencing too much is safe, too little is not.
                end(agentId: profile.id, at: max(stop, earliest), reason: decision.ended ?? "stopped")
                agents[profile.id]?.blackout?.stopNanos = stop
            } else {
                // Never seen running here (this server was cut off): the whole interval, less what
                // the last blackout here covered already (servers end one at its limit by themselves).
                var pieces = [(decision.startNanos, stop)]
                if let last = agent.blackout, !last.isOpen, let lastStop = last.stopNanos {
                    pieces = [(decision.startNanos, min(stop, last.startNanos)), (max(decision.startNanos, lastStop), stop)]
                }
                for (from, to) in pieces where from < to {
                    silence(profile.id, from: from, to: to, origin: decision.starter, ended: decision.ended, at: now)
                }
                if case .applied = outcome, agent.blackout?.isOpen != true {
                    agents[profile.id]?.blackout = TrackedBlackout(
                        startNanos: decision.startNanos, limitNanos: decision.limitNanos ?? stop, origin: decision.starter,
                        stopNanos: stop, ended: decision.ended, sequence: decision.sequence)
                }
            }
        }
        changed(agents: [profile.id])
    }

    /// Another server's blackout request, in this server's audit trail with its origin (once: the
    /// store keeps one entry per origin and sequence, also across restarts).
    private func audit(remote decision: ClusterBlackout, agentId: Int) {
        guard let requester = decision.requester, decision.origin != configuration.engine.serverId else { return }
        store?.audit(AuditEntry(timeNanos: requester.timeNanos, actor: requester.actor, client: requester.client,
                                action: requester.action, agentId: agentId, status: 200, outcome: "ok",
                                origin: AuditEntry.Origin(server: decision.origin, sequence: decision.sequence)))
    }

    /// Starts another server's blackout here: live from what the commit delay still holds, the
    /// part before it overwritten in the files.
    private func begin(_ decision: ClusterBlackout, of profile: AgentProfile, at now: Int64) {
        let earliest = now - Int64(configuration.engine.commitDelaySeconds * 1e9)
        let limit = decision.limitNanos ?? decision.startNanos + Int64(configuration.blackout.maxAgentBlackoutSeconds * 1e9)
        let liveStart = max(decision.startNanos, earliest)
        agents[profile.id]?.blackout = TrackedBlackout(startNanos: decision.startNanos, limitNanos: limit,
                                                        origin: decision.starter, sequence: decision.sequence)
        for callInstance in agents[profile.id]?.calls ?? [] {
            engine.startBlackout(callInstance, at: liveStart, origin: decision.starter)
            refreshRecordingStates(callInstance)
        }
        if decision.startNanos < liveStart {
            late(profile.id, from: decision.startNanos, to: liveStart, origin: decision.starter, ended: nil)
        }
    }

    /// Begins the remote starts held back for the grace without their stop coming.
    func beginDeferredStarts(at now: Int64) {
        guard !ledger.deferredStarts.isEmpty else { return }
        let due = ledger.deferredStarts.filter { now - $0.value.heldSince >= ClusterBlackoutLedger.deferredStartGraceNanos }
        for id in due.keys { ledger.deferredStarts[id] = nil }
        for (id, (decision, _)) in due.sorted(by: { $0.key < $1.key }) {
            guard let profile = directory.agent(id: id), agents[id]?.blackout?.isOpen != true else { continue }
            begin(decision, of: profile, at: now)
            changed(agents: [id])
        }
    }

    /// Silence over `[from, to)` on every recording of the agent: what is still held in the
    /// commit delay is gated live, what is written is overwritten (`Late`).
    private func silence(_ agentId: Int, from: Int64, to: Int64, origin: String, ended: String?, at now: Int64) {
        guard from < to else { return }
        let earliest = now - Int64(configuration.engine.commitDelaySeconds * 1e9)
        if to > earliest {
            let liveFrom = max(from, earliest)
            var notGated: Set<String> = []
            for entry in recordingIndex.openEntries where entry.agentId == agentId || calls[entry.callInstance]?.agentIds.contains(agentId) == true {
                let callInstance = entry.callInstance
                // A call whose audio has a blackout of its own running, or that has ended, cannot
                // take another one live: its files take the interval when they are finished.
                if engine.call(callInstance)?.state == .ended || engine.call(callInstance) == nil
                    || activeBlackout(of: calls[callInstance]?.agentIds ?? [agentId]) != nil {
                    notGated.insert(callInstance)
                }
            }
            for callInstance in agents[agentId]?.calls ?? [] where engine.call(callInstance) != nil && !notGated.contains(callInstance) {
                let (primary, duplicates) = engine.openRecordings(of: callInstance)
                guard primary != nil || !duplicates.isEmpty else { continue }
                engine.startBlackout(callInstance, at: liveFrom, origin: origin)
                engine.endBlackout(callInstance, at: to, reason: ended ?? "stopped")
            }
            if !notGated.isEmpty {
                late(agentId, from: liveFrom, to: to, origin: origin, ended: ended, onlyCalls: notGated)
            }
        }
        if from < earliest {
            late(agentId, from: from, to: min(to, earliest), origin: origin, ended: ended)
        }
    }

    /// An interval whose audio is written: open recordings of the agent take it when they
    /// finish, finished ones are rewritten now.
    private func late(_ agentId: Int, from: Int64, to: Int64, origin: String, ended: String?, onlyCalls: Set<String>? = nil) {
        let interval = LateBlackoutWriter.Interval(startNanos: from, stopNanos: to, origin: origin, ended: ended)
        for entry in recordingIndex.openEntries where entry.startNanos < to && (onlyCalls?.contains(entry.callInstance) ?? true)
            && (entry.agentId == agentId || calls[entry.callInstance]?.agentIds.contains(agentId) == true) {
            recordingIndex.holdLate(interval, for: entry.recordingIdentifier)
        }
        guard onlyCalls == nil else { return }
        lateWriter.apply(interval, toRecordingsOf: agentId, except: recordingIndex.openIdentifiers)
        logger.notice("late blackout", metadata: ["agent": "\(agentId)", "origin": "\(origin)",
                                                  "start": "\(CaptureTime.iso8601(from))", "stop": "\(CaptureTime.iso8601(to))"])
    }
}
