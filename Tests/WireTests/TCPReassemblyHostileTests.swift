import CalltapTestSupport
import Testing
import Wire

/// Seeded random streams: reordered, duplicated, re-cut and lossy ones must come out exactly as
/// sent (less what was lost, reported as gaps), and random segments must never trap nor break the
/// bounds.
@Suite struct TCPReassemblyHostileTests {
    typealias Probe = ReassemblyProbe

    struct Cut {
        var start: Int
        var end: Int
    }

    /// Cuts `count` bytes into segments of 1 to 200 bytes.
    static func cuts(_ count: Int, using random: inout SeededGenerator) -> [Cut] {
        var cuts: [Cut] = []
        var start = 0
        while start < count {
            let end = min(count, start + Int.random(in: 1...200, using: &random))
            cuts.append(Cut(start: start, end: end))
            start = end
        }
        return cuts
    }

    /// Delays segments by up to `distance` places, as a network or a mirror port does: no segment
    /// comes after one sent more than `distance` places after it.
    static func shuffleLocally(_ cuts: inout [Cut], distance: Int, using random: inout SeededGenerator) {
        let keys = cuts.indices.map { Double($0) + Double.random(in: 0...Double(distance), using: &random) }
        cuts = cuts.indices.sorted { keys[$0] < keys[$1] }.map { cuts[$0] }
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func reorderedDuplicatedAndRecutStreamsComeOutExactly(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let data = (0..<20_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        var segments = Self.cuts(data.count, using: &random)
        // Retransmissions re-cut differently (overlapping the original cuts) and plain duplicates.
        for _ in 0..<segments.count / 3 {
            let start = Int.random(in: 0..<data.count, using: &random)
            segments.append(Cut(start: start, end: min(data.count, start + Int.random(in: 1...400, using: &random))))
        }
        for _ in 0..<segments.count / 5 { segments.append(segments.randomElement(using: &random)!) }
        Self.shuffleLocally(&segments, distance: 20, using: &random)

        let isn = UInt32.random(in: 0...UInt32.max, using: &random)
        let probe = Probe()
        probe.syn(isn: isn)
        for cut in segments {
            probe.feed(seq: isn &+ 1 &+ UInt32(cut.start), Array(data[cut.start..<cut.end]))
            #expect(probe.reassembler.heldBytes <= data.count)
        }
        #expect(probe.bytes() == data)
        #expect(probe.gaps.isEmpty)
        #expect(probe.reassembler.heldBytes == 0)
        #expect(probe.reassembler.counters.retransmitted > 0)
        #expect(probe.reassembler.counters.outOfOrder > 0)
    }

    @Test(arguments: [UInt64(11), 12, 13, 14])
    func lossyStreamsLoseOnlyWhatWasLost(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        let data = (0..<30_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        let all = Self.cuts(data.count, using: &random)
        // Lose about one segment in twenty, never the first or the last.
        var lost = Set<Int>()
        for index in 1..<(all.count - 1) where Int.random(in: 0..<20, using: &random) == 0 { lost.insert(index) }
        var kept = all.indices.filter { !lost.contains($0) }.map { all[$0] }
        Self.shuffleLocally(&kept, distance: 5, using: &random)

        let probe = Probe(limits: .init(maxBufferedBytesPerStream: 2000))
        probe.syn(isn: 4_000_000_000)
        for (step, cut) in kept.enumerated() {
            probe.feed(seq: 4_000_000_001 &+ UInt32(cut.start), Array(data[cut.start..<cut.end]), at: Int64(step))
        }
        _ = probe.expire(now: .max)

        var expected: [UInt8] = []
        var holes: [Int] = []
        for (index, cut) in all.enumerated() {
            if lost.contains(index) {
                if lost.contains(index - 1) { holes[holes.count - 1] += cut.end - cut.start } else { holes.append(cut.end - cut.start) }
            } else {
                expected += data[cut.start..<cut.end]
            }
        }
        #expect(!lost.isEmpty)
        #expect(probe.bytes() == expected)
        #expect(probe.gaps.map(\.size) == holes)
        #expect(probe.reassembler.counters.skippedBytes == holes.reduce(0, +))
        #expect(probe.reassembler.streamCount == 0)
    }

    @Test func randomSegmentsNeverTrapAndKeepTheBounds() {
        var random = SeededGenerator(seed: 0x7C9)
        let limits = TCPReassembler.Limits(
            maxStreams: 8, maxBufferedBytesPerStream: 4096, maxTotalBytes: 10_000,
            idleTimeoutNanos: 1_000_000, gapTimeoutNanos: 500_000, closedLingerNanos: 100_000)
        let probe = Probe(limits: limits)
        let endpoints = (0..<4).map { Endpoint(address: IPAddress(ipv4: 0x0A00_0000 + UInt32($0)), port: UInt16(5060 + $0 % 2)) }
        var fed = 0
        var base: [UInt32] = (0..<16).map { _ in UInt32.random(in: 0...UInt32.max, using: &random) }
        for step in 0..<20_000 {
            let source = Int.random(in: 0..<4, using: &random), destination = Int.random(in: 0..<4, using: &random)
            let key = Probe.Key(source: endpoints[source], destination: endpoints[destination])
            let pair = source * 4 + destination
            // Mostly near the stream's own sequence numbers, sometimes anywhere.
            let sequence = Int.random(in: 0..<10, using: &random) == 0
                ? UInt32.random(in: 0...UInt32.max, using: &random)
                : base[pair] &+ UInt32.random(in: 0...3000, using: &random) &- 1000
            if Int.random(in: 0..<50, using: &random) == 0 { base[pair] = sequence }
            base[pair] &+= UInt32.random(in: 0...100, using: &random)
            let payload = (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            fed += payload.count
            // Times mostly advance, sometimes jump back or to the ends of the range.
            let nanos: Int64 = switch Int.random(in: 0..<100, using: &random) {
            case 0: .min
            case 1: .max
            case 2: -Int64(step)
            default: Int64(step) * 1000
            }
            probe.feed(key, seq: sequence, ack: UInt32.random(in: 0...UInt32.max, using: &random),
                       flags: UInt8.random(in: 0...255, using: &random), payload, at: nanos)
            #expect(probe.reassembler.heldBytes <= limits.maxTotalBytes)
            #expect(probe.reassembler.heldBytes >= 0)
            #expect(probe.reassembler.streamCount <= limits.maxStreams)
            if step % 1000 == 0 { _ = probe.expire(now: nanos) }
        }
        let delivered = probe.delivered.values.reduce(0) { $0 + $1.count }
        #expect(delivered > 0)
        #expect(delivered <= fed)
        _ = probe.expire(now: .max)
        #expect(probe.reassembler.streamCount == 0)
        #expect(probe.reassembler.heldBytes == 0)
        let counters = probe.reassembler.counters
        #expect(counters.outOfWindow > 0 && counters.gaps > 0 && counters.retransmitted > 0)
    }
}
