/// What this server knows of the cluster's blackout decisions (docs/API.md, "Blackouts"):
/// every server's latest decision per agent (`BlackoutMerge`, this server's own included), the
/// stops applied here (a bounded history: what a peer that was cut off is told), the other
/// servers' late starts held back until their stop comes, and the numbering of this server's own
/// decisions when there is no cluster. The tracker decides what each decision silences.
struct ClusterBlackoutLedger {
    /// Stopped blackouts remembered, at most.
    static let historyLimit = 1000

    private var register = BlackoutMerge()
    /// Stops, oldest first.
    private var history: [ClusterBlackout] = []
    /// The stops in `history`, by origin and sequence.
    private var appliedStops: Set<String> = []
    private var localSequence: UInt64 = 0
    /// Other servers' starts that reach back past the commit delay, by agent, and the clock when
    /// each came: a peer back from an outage sends a start and its stop back to back, but they
    /// are two messages, and a clock tick can come between them. A start is held until its stop
    /// comes or `deferredStartGraceNanos` pass; holding it silences nothing less, since a begun
    /// start rewrites what was written since it.
    var deferredStarts: [Int: (decision: ClusterBlackout, heldSince: Int64)] = [:]
    static let deferredStartGraceNanos: Int64 = 1_000_000_000
    /// Agents other servers sent decisions about that this server does not know (each logged once).
    private var unknownAgents: Set<Int> = []

    /// The number of this server's next decision: the cluster's, or a count of its own.
    mutating func nextSequence(_ cluster: ClusterBus?) -> UInt64 {
        if let cluster { return cluster.nextSequence() }
        localSequence += 1
        return localSequence
    }

    /// Merges `decision` into the agent's state (the later effective time wins).
    @discardableResult
    mutating func merge(_ decision: ClusterBlackout) -> BlackoutMerge.Outcome {
        register.apply(decision)
    }

    /// Keeps a stop applied here, forgetting the oldest beyond the limit.
    mutating func remember(_ stop: ClusterBlackout) {
        appliedStops.insert(Self.key(stop))
        history.append(stop)
        if history.count > Self.historyLimit {
            for old in history.prefix(history.count - Self.historyLimit) { appliedStops.remove(Self.key(old)) }
            history.removeFirst(history.count - Self.historyLimit)
        }
    }

    /// Whether this stop was applied here already.
    func hasApplied(_ stop: ClusterBlackout) -> Bool {
        appliedStops.contains(Self.key(stop))
    }

    /// Every agent's current decision and the stops remembered, each once: what this server tells
    /// the others.
    var known: [ClusterBlackout] {
        var seen = Set(register.all.map(Self.key))
        return register.all + history.filter { seen.insert(Self.key($0)).inserted }
    }

    /// Notes a decision about an agent this server does not know; true the first time for it.
    mutating func noteUnknownAgent(_ id: Int) -> Bool {
        unknownAgents.insert(id).inserted
    }

    private static func key(_ decision: ClusterBlackout) -> String {
        "\(decision.origin)#\(decision.sequence)"
    }
}
