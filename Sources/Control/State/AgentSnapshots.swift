import Foundation

/// The agents' states and the agent directory as the tracker last published them. The tracker
/// writes on the capture thread; HTTP handlers read from any thread and never wait for the
/// capture thread.
public final class AgentSnapshots: @unchecked Sendable {
    private let lock = NSLock()
    private var states: [Int: AgentState] = [:]
    private var published: AgentDirectory

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
        lock.withLock { states[agentId] = nil }
    }

    func publish(_ state: AgentState) {
        lock.lock()
        states[state.agentId] = state
        lock.unlock()
    }

    public func state(of agentId: Int) -> AgentState? {
        lock.lock()
        defer { lock.unlock() }
        return states[agentId]
    }

    /// Every agent, in id order.
    public func all() -> [AgentState] {
        lock.lock()
        let values = Array(states.values)
        lock.unlock()
        return values.sorted { $0.agentId < $1.agentId }
    }
}
