import Testing
@testable import Media

@Suite struct StreamStatisticsTests {
    @Test func countsLossDuplicatesAndReorderingAcrossWrap() {
        var s = StreamStatistics(ssrc: 1)
        // 65533, 65534, [65535 lost], 0, 2, 1 (reordered), 2 (duplicate), 3
        let order: [UInt16] = [65533, 65534, 0, 2, 1, 2, 3]
        var arrivals: [StreamStatistics.Arrival] = []
        for (i, seq) in order.enumerated() {
            arrivals.append(s.record(sequence: seq, timestamp: UInt32(i) * 160, arrivalNanos: Int64(i) * 20_000_000, clockRate: 8000))
        }
        #expect(arrivals == [.inOrder, .inOrder, .inOrder, .inOrder, .reordered, .duplicate, .inOrder])
        #expect(s.packets == 7)
        #expect(s.duplicated == 1)
        #expect(s.outOfOrder == 1)
        #expect(s.expected == 7)   // 65533 ... 3
        #expect(s.lost == 1)       // 65535
    }

    @Test func jitterFollowsRFC3550() {
        var s = StreamStatistics(ssrc: 1)
        // Packets every 20 ms of timestamp; arrivals alternate 0 and +4 ms late: |D| = 4 ms each step.
        for i in 0..<2000 {
            let late: Int64 = i % 2 == 0 ? 0 : 4_000_000
            _ = s.record(sequence: UInt16(i), timestamp: UInt32(i * 160), arrivalNanos: Int64(i) * 20_000_000 + late, clockRate: 8000)
        }
        // J converges to the mean |D| = 4 ms.
        #expect(abs(s.jitterSeconds - 0.004) < 0.0002)
        #expect(s.maxGapNanos == 24_000_000)
    }

    @Test func mosFallsWithLoss() {
        #expect(MOSEstimate.mos(lossPercent: 0) > 4.3)
        #expect(MOSEstimate.mos(lossPercent: 5) < MOSEstimate.mos(lossPercent: 1))
        #expect(MOSEstimate.mos(lossPercent: 100) >= 1)
    }
}
