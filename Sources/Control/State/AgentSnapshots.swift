import Foundation

/// The agents' states and the agent directory as the tracker last published them. The tracker
/// writes on the capture thread; HTTP handlers read from any thread and never wait for the
/// capture thread. Each published state is encoded as the API answers it at most once, by the
/// first request that reads it, and `GET /api/Agent/GetAll` is put together from those: a
/// thousand agents cost 12 ms of encoding per request before (`make bench-api`).
public final class AgentSnapshots: @unchecked Sendable {
    private let lock = NSLock()
    private var states: [Int: PublishedState] = [:]
    private var published: AgentDirectory
    /// Grows with every change; what was assembled for one generation is reused until the next.
    private var generation: UInt64 = 0
    private var ordered: (generation: UInt64, states: [PublishedState])?
    private var assembled: (generation: UInt64, json: Data)?

    init(directory: AgentDirectory) {
        published = directory
    }

    /// The directory requests find agents in.
    public var directory: AgentDirectory {
        lock.withLock { published }
    }

    func publish(_ directory: AgentDirectory) {
        lock.withLock { published = directory }
    }

    /// Forgets a removed agent's state.
    func remove(agentId: Int) {
        lock.withLock {
            states[agentId] = nil
            generation &+= 1
        }
    }

    func publish(_ state: AgentState) {
        let entry = PublishedState(state)
        lock.withLock {
            states[state.agentId] = entry
            generation &+= 1
        }
    }

    public func state(of agentId: Int) -> AgentState? {
        lock.withLock { states[agentId]?.state }
    }

    /// The agent's state as the API answers it (JSON).
    public func answer(of agentId: Int) -> Data? {
        lock.withLock { states[agentId] }?.json
    }

    /// Every agent, in id order.
    public func all() -> [AgentState] {
        orderedStates().map(\.state)
    }

    /// Every agent in id order as the API answers `GetAll` (a JSON array).
    public func allAnswer() -> Data {
        let (current, cached) = lock.withLock { (generation, assembled) }
        if let cached, cached.generation == current { return cached.json }
        let entries = orderedStates()
        var json = Data()
        json.reserveCapacity(entries.count * 1024 + 2)
        json.append(UInt8(ascii: "["))
        for (i, entry) in entries.enumerated() {
            if i > 0 { json.append(UInt8(ascii: ",")) }
            json.append(entry.json)
        }
        json.append(UInt8(ascii: "]"))
        lock.withLock {
            if generation == current { assembled = (current, json) }
        }
        return json
    }

    /// The published states in id order, sorted once per generation.
    private func orderedStates() -> [PublishedState] {
        lock.withLock {
            if let ordered, ordered.generation == generation { return ordered.states }
            let sorted = states.keys.sorted().map { states[$0]! }
            ordered = (generation, sorted)
            return sorted
        }
    }
}

/// One published state and its JSON, encoded when first asked for.
private final class PublishedState: @unchecked Sendable {
    let state: AgentState
    private let lock = NSLock()
    private var encoded: Data?

    init(_ state: AgentState) {
        self.state = state
    }

    var json: Data {
        lock.withLock {
            if let encoded { return encoded }
            // Plain values: encoding cannot fail.
            let json = (try? APIJSON.encoder().encode(state)) ?? Data("null".utf8)
            encoded = json
            return json
        }
    }
}
