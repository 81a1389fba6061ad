import Foundation

/// The agents' states as the tracker last published them. The tracker writes on the capture
/// thread; HTTP handlers read from any thread and never wait for the capture thread.
public final class AgentSnapshots: @unchecked Sendable {
    private let lock = NSLock()
    private var states: [Int: AgentState] = [:]

    public init() {}

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
