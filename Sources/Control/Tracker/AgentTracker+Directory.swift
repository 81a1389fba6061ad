import Foundation

/// Agents changed at runtime: by the agents API (create, replace, remove, log in and out), by a
/// reload of the configuration, and by the other servers of a cluster. Every change is one
/// `DirectoryEntry` per agent; per agent the later change wins (docs/API.md, "Agents").
extension AgentTracker {
    /// Creates an agent (`creating`: `POST /api/Agents`, which refuses an existing id) or creates
    /// or replaces one (`PUT`). A replaced agent stays logged in where it was; calls in progress
    /// keep their agent. Answers the agent and whether it was created.
    func define(_ profile: AgentProfile, creating: Bool, at nanos: Int64) -> Result<(AgentDefinition, created: Bool), ControlError> {
        advanceClock(to: nanos)
        let existing = directory.entries[profile.id]
        let exists = existing.map { !$0.removed } ?? false
        if creating && exists {
            return .failure(ControlError(.conflict, "agent \(profile.id) exists; PUT /api/Agents/\(profile.id) replaces it"))
        }
        let problems = directory.problems(with: profile)
        if !problems.isEmpty { return .failure(ControlError(.badRequest, problems.joined(separator: "; "))) }
        let clashes = directory.clashes(with: profile)
        if !clashes.isEmpty { return .failure(ControlError(.conflict, clashes.joined(separator: "; "))) }
        var entry = existing ?? DirectoryEntry(profile: profile, changedNanos: nanos, origin: serverId)
        entry.profile = profile
        if entry.removed { entry.login = nil }
        entry.removed = false
        stamp(&entry, at: nanos)
        install([entry], share: true)
        logger.notice("agent \(exists ? "replaced" : "created")", metadata: ["agent": "\(profile.id)", "phone": "\(profile.phone)"])
        return .success((directory.definition(of: profile.id)!, !exists))
    }

    /// Removes an agent: requests and new calls no longer find it; calls in progress keep it.
    func remove(agentId: Int, at nanos: Int64) -> Result<Void, ControlError> {
        advanceClock(to: nanos)
        guard directory.isListed(agentId), var entry = directory.entries[agentId] else {
            return .failure(.agentNotFound(AgentReference(kind: .id, value: String(agentId))))
        }
        entry.removed = true
        entry.login = nil
        stamp(&entry, at: nanos)
        install([entry], share: true)
        logger.notice("agent removed", metadata: ["agent": "\(agentId)"])
        return .success(())
    }

    /// Logs the agent in to a phone, a desktop device or both (hot-desking): new calls on that
    /// phone are the agent's, screen commands go to that device. Whoever was logged in there
    /// before is logged out of it. Calls in progress keep their agent.
    func login(agentId: Int, phone: String?, deviceId: String?, at nanos: Int64) -> Result<AgentDefinition, ControlError> {
        advanceClock(to: nanos)
        guard directory.isListed(agentId), var entry = directory.entries[agentId] else {
            return .failure(.agentNotFound(AgentReference(kind: .id, value: String(agentId))))
        }
        let dialPlan = configuration.engine.dialPlan
        if let phone, dialPlan.normalise(phone).isEmpty {
            return .failure(ControlError(.badRequest, "phone '\(phone)' is empty after the dial plan"))
        }
        entry.login = AgentLogin(phone: phone, deviceId: deviceId, nanos: nanos)
        stamp(&entry, at: nanos)
        var changed = [entry]
        for var other in directory.entries.values where other.profile.id != agentId && other.login != nil {
            var login = other.login!
            if let phone, let theirs = login.phone, dialPlan.normalise(theirs) == dialPlan.normalise(phone) { login.phone = nil }
            if let deviceId, login.deviceId?.lowercased() == deviceId.lowercased() { login.deviceId = nil }
            guard login != other.login else { continue }
            other.login = login.phone == nil && login.deviceId == nil ? nil : login
            stamp(&other, at: nanos)
            changed.append(other)
        }
        install(changed, share: true)
        logger.notice("agent logged in", metadata: ["agent": "\(agentId)", "phone": "\(phone ?? "")", "device": "\(deviceId ?? "")"])
        return .success(directory.definition(of: agentId)!)
    }

    /// Ends the agent's login: the agent is reached on its own phone and device again.
    func logout(agentId: Int, at nanos: Int64) -> Result<AgentDefinition, ControlError> {
        advanceClock(to: nanos)
        guard directory.isListed(agentId), var entry = directory.entries[agentId] else {
            return .failure(.agentNotFound(AgentReference(kind: .id, value: String(agentId))))
        }
        if entry.login != nil {
            entry.login = nil
            stamp(&entry, at: nanos)
            install([entry], share: true)
            logger.notice("agent logged out", metadata: ["agent": "\(agentId)"])
        }
        return .success(directory.definition(of: agentId)!)
    }

    /// Applies the configuration's agents and policies (at startup and on a reload). Per agent,
    /// the later change wins: an entry the file changed, added or dropped since the server last
    /// applied it replaces what the API made of the agent; an entry the file did not change leaves
    /// the agent as the API (or another server) left it. An entry that clashes with another agent
    /// is skipped with a warning.
    @discardableResult
    public func reload(agents configured: [AgentProfile], policies: RecordingPolicies, at nanos: Int64) -> DirectoryReload {
        advanceClock(to: nanos)
        var reload = DirectoryReload()
        var changed: [Int: DirectoryEntry] = [:]
        for agent in configured {
            guard var entry = directory.entries[agent.id] else {
                changed[agent.id] = DirectoryEntry(profile: agent, changedNanos: nanos, origin: serverId, configured: agent)
                reload.added.append(agent.id)
                continue
            }
            guard entry.configured != agent else { continue }
            if entry.removed { reload.added.append(agent.id) } else { reload.replaced.append(agent.id) }
            entry.profile = agent
            entry.removed = false
            entry.configured = agent
            stamp(&entry, at: nanos)
            changed[agent.id] = entry
        }
        let ids = Set(configured.map(\.id))
        for var entry in directory.entries.values where entry.configured != nil && !ids.contains(entry.profile.id) {
            entry.configured = nil
            if !entry.removed {
                entry.removed = true
                entry.login = nil
                stamp(&entry, at: nanos)
                reload.removed.append(entry.profile.id)
            }
            changed[entry.profile.id] = entry
        }
        // An entry that clashes with an agent the file does not change (one the API made) is not applied.
        let candidate = directory.with(Array(changed.values))
        for (id, entry) in changed where !entry.removed {
            let clashes = candidate.clashes(with: entry.profile)
            guard !clashes.isEmpty else { continue }
            logger.warning("configured agent not applied: it clashes with another agent",
                           metadata: ["agent": "\(id)", "clashes": "\(clashes.joined(separator: "; "))"])
            changed[id] = nil
            reload.added.removeAll { $0 == id }
            reload.replaced.removeAll { $0 == id }
            reload.skipped.append(id)
        }
        reload.policiesChanged = policies != directory.policies
        if reload.policiesChanged { directory = directory.with(policies: policies) }
        install(changed.values.sorted { $0.profile.id < $1.profile.id }, share: true)
        return reload
    }

    /// Restores the directory stored before a restart, then applies the configuration over it.
    func restoreDirectory(_ stored: [Int: Data], at now: Int64) {
        let decoder = JSONDecoder()
        var entries: [Int: DirectoryEntry] = [:]
        for (id, document) in stored {
            if let entry = try? decoder.decode(DirectoryEntry.self, from: document) { entries[id] = entry }
        }
        guard !entries.isEmpty else {
            // A database from before the agents API: the configuration's agents, stored from now on.
            install(Array(directory.entries.values), share: false)
            return
        }
        directory = AgentDirectory(entries: entries, policies: configuration.policies, dialPlan: configuration.engine.dialPlan)
        for id in agents.keys where !directory.isListed(id) {
            agents[id] = nil
            snapshots.remove(agentId: id)
        }
        for agent in directory.agents where agents[agent.id] == nil { agents[agent.id] = TrackedAgent(agentId: agent.id) }
        reload(agents: configuration.agents, policies: configuration.policies, at: now)
        snapshots.publish(directory)
    }

    /// Another server's change of an agent (or this server's own, come back): applied when it is
    /// later than what this server has.
    func apply(remote entry: DirectoryEntry) {
        var entry = entry
        let local = directory.entries[entry.profile.id]
        if let local, !entry.supersedes(local) { return }
        entry.configured = local?.configured
        if !entry.removed, case let clashes = directory.clashes(with: entry.profile), !clashes.isEmpty {
            logger.warning("agent from another server clashes with an agent here", metadata: [
                "agent": "\(entry.profile.id)", "origin": "\(entry.origin)", "clashes": "\(clashes.joined(separator: "; "))"])
        }
        install([entry], share: false)
    }

    /// The directory's entries as the other servers get them (without this server's configuration).
    var sharedDirectory: [DirectoryEntry] {
        directory.entries.values.sorted { $0.profile.id < $1.profile.id }.map {
            var entry = $0
            entry.configured = nil
            return entry
        }
    }

    private var serverId: String { configuration.engine.serverId }

    private func stamp(_ entry: inout DirectoryEntry, at nanos: Int64) {
        entry.changedNanos = nanos
        entry.origin = serverId
    }

    /// Makes the changed entries the directory's: publishes it and the agents' states, stores the
    /// entries, and (`share`) tells the other servers.
    private func install(_ changed: [DirectoryEntry], share: Bool) {
        directory = directory.with(changed)
        snapshots.publish(directory)
        for entry in changed {
            let id = entry.profile.id
            store?.saveDirectoryEntry(id: id, document: StoredDocument(encoding: entry))
            if entry.removed {
                snapshots.remove(agentId: id)
            } else {
                if agents[id] == nil { agents[id] = TrackedAgent(agentId: id) }
                self.changed(agents: [id])
            }
        }
        if share, !changed.isEmpty, let cluster {
            let shared = changed.map { entry -> DirectoryEntry in
                var entry = entry
                entry.configured = nil
                return entry
            }
            cluster.publish(.agents(shared))
        }
    }
}

/// What a reload of the configuration changed in the directory.
public struct DirectoryReload: Sendable, Equatable, CustomStringConvertible {
    public var added: [Int] = []
    public var replaced: [Int] = []
    public var removed: [Int] = []
    /// Configured agents not applied because they clash with another agent.
    public var skipped: [Int] = []
    public var policiesChanged = false

    public var description: String {
        "added \(added.sorted()), replaced \(replaced.sorted()), removed \(removed.sorted()), skipped \(skipped.sorted())"
            + (policiesChanged ? ", policies changed" : "")
    }
}
