import Control
import SIP
import Yams

extension ConfigurationReader {
    /// `recording`: the policy of agents whose entry and business unit name none.
    func readRecording(_ node: Node?, into configuration: inout ServerConfiguration) {
        guard let section = section(node, at: .root.key("recording"), keys: ["defaultPolicy"]) else { return }
        if let policy: RecordingPolicy = choice(section["defaultPolicy"], at: section.path("defaultPolicy"), noun: "policy") {
            configuration.policies.defaultPolicy = policy
        }
    }

    /// `businessUnits`: a policy per business unit and how long its recordings are kept,
    /// `[{id: 3, policy: on-demand, keepDays: 90, archiveAction: move}]` (each but `id` optional).
    func readBusinessUnits(_ node: Node?, into configuration: inout ServerConfiguration) {
        guard let items = list(node, at: .root.key("businessUnits")) else { return }
        var firstLine: [Int: Int] = [:]
        for item in items {
            if item.node.tagName == .null { report("expected {id, policy}, found nothing", at: item.path, node: item.node) }
            guard let entry = section(item.node, at: item.path, keys: ["id", "policy", "keepDays", "archiveAction"]) else { continue }
            let idNode = required(entry, "id")
            let id = idNode.flatMap { integer($0, at: entry.path("id"), in: 0...Int(Int32.max)) }
            let policy: RecordingPolicy? = choice(entry["policy"], at: entry.path("policy"), noun: "policy")
            let retention = readRetentionChoice(entry)
            guard let id, let idNode else { continue }
            if let first = firstLine[id] {
                report("duplicate business unit \(id) (first on line \(first))", at: entry.path("id"), node: idNode)
                continue
            }
            firstLine[id] = Self.line(of: idNode)
            if let policy { configuration.policies.byBusinessUnit[id] = policy }
            if let retention { configuration.policies.retention.byBusinessUnit[id] = retention }
        }
    }

    /// `agents`: who they are and their own recording policy, if any. Reads the dial plan already
    /// in `configuration`, so it runs after it.
    func readAgents(_ node: Node?, into configuration: inout ServerConfiguration) {
        guard let items = list(node, at: .root.key("agents")) else { return }
        var seen = AgentIdentities()
        for (index, item) in items.enumerated() {
            if item.node.tagName == .null { report("expected an agent, found nothing", at: item.path, node: item.node) }
            guard let entry = section(item.node, at: item.path, keys: [
                "id", "businessUnit", "phone", "systemUsername", "crmUsername", "username",
                "deviceId", "deviceAlias", "station", "policy", "keepDays", "archiveAction",
            ]) else { continue }
            let problemsBefore = problems.count
            let id = required(entry, "id").flatMap { integer($0, at: entry.path("id"), in: 0...Int(Int32.max)) }
            let phone = required(entry, "phone").flatMap { text($0, at: entry.path("phone"), allowEmpty: false) }
            let businessUnit = integer(entry["businessUnit"], at: entry.path("businessUnit"), in: 0...Int(Int32.max))
            var agent = AgentProfile(id: id ?? 0, businessUnit: businessUnit ?? 0, phone: phone ?? "")
            agent.policy = choice(entry["policy"], at: entry.path("policy"), noun: "policy")
            agent.retention = readRetentionChoice(entry)
            agent.systemUsername = text(entry["systemUsername"], at: entry.path("systemUsername")) ?? ""
            agent.crmUsername = text(entry["crmUsername"], at: entry.path("crmUsername")) ?? ""
            agent.username = text(entry["username"], at: entry.path("username"))
            agent.deviceId = text(entry["deviceId"], at: entry.path("deviceId")) ?? ""
            agent.deviceAlias = text(entry["deviceAlias"], at: entry.path("deviceAlias")) ?? ""
            agent.station = text(entry["station"], at: entry.path("station")) ?? ""
            if let phone, let node = entry["phone"], configuration.engine.dialPlan.normalise(phone).isEmpty {
                report("phone '\(phone)' is empty after the dial plan", at: entry.path("phone"), node: node)
            }
            // Two agents that one identifier would both name make every request by it ambiguous.
            let unique = seen.admit(agent, id: id, index: index, entry: entry, dialPlan: configuration.engine.dialPlan)
            for clash in unique {
                report(clash.message, at: entry.path(clash.key), node: entry[clash.key] ?? item.node)
            }
            guard problems.count == problemsBefore else { continue }
            configuration.agents.append(agent)
        }
    }
}

/// The identifiers of the agents read so far, to find two agents that one request would name.
private struct AgentIdentities {
    /// Per identifier key, value → (index in the list, line).
    private var taken: [String: [String: (index: Int, line: Int)]] = [:]

    /// A clash of one identifier with an earlier agent.
    struct Clash {
        var key: String
        var message: String
    }

    /// Records the agent's identifiers and returns those an earlier agent already has.
    mutating func admit(_ agent: AgentProfile, id: Int?, index: Int, entry: ConfigurationSection, dialPlan: DialPlan) -> [Clash] {
        var clashes: [Clash] = []
        /// `matched` is the form requests find the value in (names: lower case).
        func check(_ key: String, _ value: String?, matched: String? = nil, shown: (String, Int, Int) -> String) {
            guard let value, !value.isEmpty, let node = entry[key] else { return }
            let match = matched ?? value
            if let earlier = taken[key]?[match] {
                clashes.append(Clash(key: key, message: shown(value, earlier.index, earlier.line)))
            } else {
                taken[key, default: [:]][match] = (index, ConfigurationReader.line(of: node))
            }
        }
        if let id {
            check("id", String(id)) { "duplicate agent id \($0) (agents[\($1)], line \($2))" }
        }
        let normalised = dialPlan.normalise(agent.phone)
        check("phone", normalised) { value, index, line in
            value == agent.phone
                ? "duplicate phone '\(value)' (agents[\(index)], line \(line))"
                : "phone '\(agent.phone)' is '\(value)' after the dial plan, the same as agents[\(index)] (line \(line))"
        }
        // Names are matched without regard to case: `Me` and `me` name the same agent.
        for kind in AgentDirectory.nameKinds {
            let key = kind.configurationKey
            check(key, agent.name(kind), matched: AgentDirectory.name(kind, of: agent)) {
                "duplicate \(key) '\($0)' (agents[\($1)], line \($2); names are matched without regard to case)"
            }
        }
        return clashes
    }
}

private extension AgentIdentifierKind {
    /// The agent's key in the configuration.
    var configurationKey: String {
        switch self {
        case .id: "id"
        case .phone: "phone"
        case .systemUsername: "systemUsername"
        case .crmUsername: "crmUsername"
        case .username: "username"
        case .deviceId: "deviceId"
        }
    }
}
