import CalltapTestSupport
import Control
import Testing

/// The merge rule: whatever order decisions arrive in, and however often, every server ends with
/// the same blackout per agent, and it is the decision with the latest effective time (ties: the
/// greater server id, then its later sequence).
@Suite struct BlackoutMergeTests {
    let agent = ClusterAgentKey(id: 2, phone: "5003")

    func start(_ at: Int64, _ origin: String, _ sequence: UInt64, agent: ClusterAgentKey? = nil) -> ClusterBlackout {
        ClusterBlackout(agent: agent ?? self.agent, action: .start, startNanos: at, origin: origin, sequence: sequence)
    }

    func stop(_ from: Int64, _ at: Int64, _ origin: String, _ sequence: UInt64, agent: ClusterAgentKey? = nil) -> ClusterBlackout {
        ClusterBlackout(agent: agent ?? self.agent, action: .stop, startNanos: from, stopNanos: at, ended: "stopped",
                        origin: origin, sequence: sequence)
    }

    @Test func laterEffectiveTimeWins() {
        var merge = BlackoutMerge()
        #expect(merge.apply(start(10, "a", 1)) == .applied(replacing: nil))
        #expect(merge.apply(stop(10, 20, "b", 5)) == .applied(replacing: start(10, "a", 1)))
        // An older start that arrives late (a broker outage) is history: the stop holds.
        #expect(merge.apply(start(15, "c", 3)) == .superseded(by: stop(10, 20, "b", 5)))
        #expect(merge.current[2] == stop(10, 20, "b", 5))
        #expect(merge.current[2]?.isActive == false)
    }

    @Test func equalTimesGoToTheGreaterServerId() {
        var one = BlackoutMerge(), other = BlackoutMerge()
        one.apply(start(10, "rec-a", 1)); one.apply(stop(0, 10, "rec-b", 1))
        other.apply(stop(0, 10, "rec-b", 1)); other.apply(start(10, "rec-a", 1))
        #expect(one == other)
        #expect(one.current[2]?.origin == "rec-b")
    }

    @Test func theSameDecisionTwiceChangesNothing() {
        var merge = BlackoutMerge()
        merge.apply(start(10, "a", 1))
        let before = merge
        #expect(merge.apply(start(10, "a", 1)) == .duplicate)
        #expect(merge == before)
        merge.apply(stop(10, 30, "a", 2))
        #expect(merge.apply(start(10, "a", 1)) == .superseded(by: stop(10, 30, "a", 2)))
        #expect(merge.apply(stop(10, 30, "a", 2)) == .duplicate)
    }

    /// Many decisions from a few servers on a few agents, each delivered in random orders with
    /// random duplicates: every order ends in the same state, which is the maximum per agent.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func everyOrderAgrees(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let origins = ["rec-a", "rec-b", "rec-c"]
        let agents = (1...4).map { ClusterAgentKey(id: $0, phone: "500\($0)") }
        var sequences = [String: UInt64]()
        var decisions: [ClusterBlackout] = []
        for _ in 0..<60 {
            let origin = origins.randomElement(using: &random)!
            sequences[origin, default: 0] += 1
            let agent = agents.randomElement(using: &random)!
            // Few distinct times, so that ties happen often.
            let at = Int64.random(in: 0..<12, using: &random) * 1_000_000_000
            if Bool.random(using: &random) {
                decisions.append(start(at, origin, sequences[origin]!, agent: agent))
            } else {
                decisions.append(stop(at - 5_000_000_000, at, origin, sequences[origin]!, agent: agent))
            }
        }
        var expected = [Int: ClusterBlackout]()
        for decision in decisions {
            if let held = expected[decision.agent.id], !BlackoutMerge.wins(decision, over: held) { continue }
            expected[decision.agent.id] = decision
        }
        var reference: BlackoutMerge?
        for _ in 0..<25 {
            var delivered = decisions.shuffled(using: &random)
            // At-least-once delivery and state answers: some decisions arrive again, anywhere.
            for _ in 0..<20 { delivered.insert(decisions.randomElement(using: &random)!, at: Int.random(in: 0...delivered.count, using: &random)) }
            var merge = BlackoutMerge()
            for decision in delivered { merge.apply(decision) }
            #expect(merge.current == expected)
            if let reference { #expect(merge == reference) }
            reference = merge
            // Applying everything once more changes nothing.
            let settled = merge
            for decision in delivered.shuffled(using: &random) { merge.apply(decision) }
            #expect(merge == settled)
        }
    }

    /// `wins` is a strict order: never both ways, never a decision over itself.
    @Test func winsIsAStrictOrder() {
        var random = SeededGenerator(seed: 99)
        for _ in 0..<500 {
            let a = start(Int64.random(in: 0..<3, using: &random), ["x", "y"].randomElement(using: &random)!, UInt64.random(in: 1...3, using: &random))
            let b = stop(0, Int64.random(in: 0..<3, using: &random), ["x", "y"].randomElement(using: &random)!, UInt64.random(in: 1...3, using: &random))
            #expect(!(BlackoutMerge.wins(a, over: b) && BlackoutMerge.wins(b, over: a)))
            #expect(!BlackoutMerge.wins(a, over: a))
        }
    }
}
