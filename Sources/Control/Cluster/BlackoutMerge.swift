/// The rule that makes every server agree on each agent's blackout, whatever order the broker
/// delivers decisions in: per agent, the decision with the later effective time wins (a start's
/// start, a stop's stop); equal times go to the greater server id, then the greater sequence
/// number of that server. The same decision applied twice changes nothing, so replays of the
/// broker's queue and answers to state requests are harmless. A last-writer-wins register per
/// agent: the result depends only on the set of decisions seen, never on their order.
public struct BlackoutMerge: Sendable, Equatable {
    /// What applying one decision did.
    public enum Outcome: Sendable, Equatable {
        /// It is the agent's blackout now; `replacing` is what was before.
        case applied(replacing: ClusterBlackout?)
        /// This very decision (origin and sequence) was already the agent's blackout.
        case duplicate
        /// A later decision already holds; this one is history.
        case superseded(by: ClusterBlackout)
    }

    /// The winning decision per agent id.
    public private(set) var current: [Int: ClusterBlackout] = [:]

    public init() {}

    /// Applies a decision from any server, this one included.
    @discardableResult
    public mutating func apply(_ blackout: ClusterBlackout) -> Outcome {
        guard let held = current[blackout.agent.id] else {
            current[blackout.agent.id] = blackout
            return .applied(replacing: nil)
        }
        if held.origin == blackout.origin && held.sequence == blackout.sequence && held.action == blackout.action { return .duplicate }
        guard Self.wins(blackout, over: held) else { return .superseded(by: held) }
        current[blackout.agent.id] = blackout
        return .applied(replacing: held)
    }

    /// Whether `candidate` takes the place of `held` for the same agent.
    public static func wins(_ candidate: ClusterBlackout, over held: ClusterBlackout) -> Bool {
        if candidate.effectiveNanos != held.effectiveNanos { return candidate.effectiveNanos > held.effectiveNanos }
        if candidate.origin != held.origin { return candidate.origin > held.origin }
        if candidate.sequence != held.sequence { return candidate.sequence > held.sequence }
        // Same time, origin and sequence: the same decision. A stop outranks a start so that a
        // malformed pair still resolves the same way everywhere.
        return candidate.action == .stop && held.action == .start
    }

    /// Every agent's current decision, for answering a `StateRequest`.
    public var all: [ClusterBlackout] {
        current.keys.sorted().compactMap { current[$0] }
    }
}
