import Testing
import Wire

/// Holes that will never be filled (segments the mirror port lost), closing, expiry and memory bounds.
@Suite struct TCPReassemblyGapTests {
    typealias Probe = ReassemblyProbe
    static let second: Int64 = 1_000_000_000

    /// 30-byte segments 0..<count of a stream whose ISN is 0, except `lost`.
    static func feedSegments(_ probe: Probe, _ range: Range<Int>, except lost: Set<Int> = [], at nanos: Int64 = 0) {
        for index in range where !lost.contains(index) {
            probe.feed(seq: 1 + UInt32(index * 30), TCPReassemblyTests.text(30, from: index * 30), at: nanos)
        }
    }

    @Test func aLostSegmentIsSkippedOnceTheBufferBoundIsPassed() {
        let probe = Probe(limits: .init(maxBufferedBytesPerStream: 100))
        probe.syn(isn: 0)
        Self.feedSegments(probe, 0..<4, except: [1])
        // Segments 2 and 3 are held behind the hole: 60 bytes, within the bound.
        #expect(probe.bytes() == TCPReassemblyTests.text(30))
        #expect(probe.reassembler.heldBytes == 60)
        Self.feedSegments(probe, 4..<5)  // 90 held
        #expect(probe.gaps.isEmpty)
        Self.feedSegments(probe, 5..<6)  // 120 held: past the bound
        #expect(probe.gaps.count == 1)
        #expect(probe.gaps.first?.size == 30 && probe.gaps.first?.after == 30)
        let all = TCPReassemblyTests.text(180)
        #expect(probe.bytes() == Array(all[0..<30] + all[60...]))
        #expect(probe.reassembler.heldBytes == 0)
        #expect(probe.reassembler.counters.gaps == 1)
        #expect(probe.reassembler.counters.skippedBytes == 30)
        // The lost segment turning up late is old news; the stream goes on.
        Self.feedSegments(probe, 1..<2)
        Self.feedSegments(probe, 6..<7)
        #expect(probe.bytes().count == 180)
        #expect(probe.reassembler.counters.retransmitted == 1)
    }

    @Test func aHoleTheReceiverAcknowledgedIsSkipped() {
        let probe = Probe()
        probe.syn(isn: 0)
        Self.feedSegments(probe, 0..<3, except: [1], at: 0)
        #expect(probe.bytes().count == 30)
        // The receiver acknowledges all 90 bytes: it got segment 1, only the mirror lost it. Just
        // after the data it may still be the mirror's reordering…
        probe.acknowledge(ack: 91, at: 1_000_000)
        #expect(probe.gaps.isEmpty)
        // …a little later it is not.
        probe.acknowledge(ack: 91, at: 50_000_000)
        #expect(probe.gaps.isEmpty, "an acknowledgement that does not move on is not news")
        probe.acknowledge(ack: 92, at: 50_000_000)
        #expect(probe.gaps.map(\.size) == [30])
        #expect(probe.bytes().count == 60)
        // An acknowledgement that does not cover a hole skips nothing.
        Self.feedSegments(probe, 4..<5, at: 60_000_000)
        probe.acknowledge(ack: 100, at: 200_000_000)
        #expect(probe.gaps.count == 1)
        #expect(probe.reassembler.heldBytes == 30)
    }

    @Test func aHoleIsSkippedAfterTheGapTimeout() {
        let probe = Probe(limits: .init(gapTimeoutNanos: 2 * Self.second))
        probe.syn(isn: 0)
        Self.feedSegments(probe, 0..<3, except: [1], at: 0)
        Self.feedSegments(probe, 3..<4, at: Self.second)
        #expect(probe.gaps.isEmpty)
        #expect(probe.reassembler.heldBytes == 60)
        Self.feedSegments(probe, 4..<5, at: 2 * Self.second)
        #expect(probe.gaps.map(\.size) == [30])
        #expect(probe.bytes().count == 120)
        // A hole in a stream that then goes quiet: `expire` delivers what is behind it in time,
        // without dropping the stream.
        Self.feedSegments(probe, 6..<7, at: 3 * Self.second)
        #expect(probe.expire(now: 4 * Self.second).isEmpty)
        #expect(probe.bytes().count == 120)
        #expect(probe.expire(now: 5 * Self.second).isEmpty)
        #expect(probe.bytes().count == 150)
        #expect(probe.gaps.map(\.size) == [30, 30])
        #expect(probe.reassembler.streamCount == 1)
    }

    @Test func finClosesADirectionAfterItsLastByteAndALinger() {
        let limits = TCPReassembler.Limits(gapTimeoutNanos: 3600 * Self.second, closedLingerNanos: 10 * Self.second)
        let probe = Probe(limits: limits)
        probe.syn(isn: 0)
        probe.syn(Probe.down, isn: 500)
        // The FIN comes before the last data segment (the mirror reordered them).
        probe.feed(seq: 31, flags: TCPSegment.fin | TCPSegment.ack, Array(TCPReassemblyTests.text(30, from: 30)), at: 0)
        #expect(probe.expire(now: 20 * Self.second).isEmpty, "not closed while bytes before the FIN are missing")
        probe.feed(seq: 1, TCPReassemblyTests.text(30), at: 20 * Self.second)
        #expect(probe.bytes() == TCPReassemblyTests.text(60))
        // A late retransmission within the linger is recognised and repeats nothing.
        probe.feed(seq: 31, Array(TCPReassemblyTests.text(30, from: 30)), at: 25 * Self.second)
        #expect(probe.bytes().count == 60)
        #expect(probe.expire(now: 29 * Self.second).isEmpty)
        #expect(probe.expire(now: 30 * Self.second) == [Probe.up])
        // The other direction is still open.
        #expect(probe.reassembler.streamCount == 1)
        probe.feed(Probe.down, seq: 501, [1, 2, 3], at: 31 * Self.second)
        #expect(probe.bytes(Probe.down) == [1, 2, 3])
    }

    @Test func rstClosesBothDirections() {
        let probe = Probe(limits: .init(closedLingerNanos: Self.second))
        probe.feed(seq: 1, [1], at: 0)
        probe.feed(Probe.down, seq: 900, [2], at: 0)
        // A RST's payload is not stream data.
        probe.feed(seq: 2, flags: TCPSegment.rst, [7, 7, 7], at: 0)
        #expect(probe.bytes() == [1])
        #expect(Set(probe.expire(now: Self.second)) == [Probe.up, Probe.down])
        #expect(probe.reassembler.streamCount == 0)

        // A forged RST (or one the peer ignored): bytes keep coming, so the direction is kept.
        let forged = Probe(limits: .init(closedLingerNanos: Self.second))
        forged.feed(seq: 1, [1], at: 0)
        forged.feed(seq: 2, flags: TCPSegment.rst, at: 0)
        forged.feed(seq: 2, [2], at: 0)
        #expect(forged.expire(now: 2 * Self.second).isEmpty)
        forged.feed(seq: 3, [3], at: 3 * Self.second)
        #expect(forged.bytes() == [1, 2, 3])
        #expect(forged.gaps.isEmpty)
    }

    @Test func idleStreamsExpireAndHeldBytesAreDeliveredFirst() {
        let probe = Probe(limits: .init(idleTimeoutNanos: 60 * Self.second, gapTimeoutNanos: 3600 * Self.second))
        probe.syn(isn: 0)
        Self.feedSegments(probe, 0..<3, except: [1], at: 0)
        probe.feed(Probe.down, seq: 1, [5], at: 30 * Self.second)
        #expect(probe.expire(now: 60 * Self.second).isEmpty)
        #expect(probe.expire(now: 60 * Self.second + 1) == [Probe.up])
        #expect(probe.bytes().count == 60)
        #expect(probe.gaps.map(\.size) == [30])
        #expect(probe.expire(now: 91 * Self.second) == [Probe.down])

        // `expire(now:)` cannot deliver: what was held is counted as abandoned.
        let quiet = Probe(limits: .init(idleTimeoutNanos: Self.second))
        quiet.syn(isn: 0)
        Self.feedSegments(quiet, 0..<3, except: [1], at: 0)
        #expect(quiet.reassembler.expire(now: 2 * Self.second) == [Probe.up])
        #expect(quiet.reassembler.counters.abandonedBytes == 30)
        #expect(quiet.reassembler.heldBytes == 0)
    }

    @Test func theLeastRecentlyActiveStreamIsEvictedWhenTheTableIsFull() {
        let probe = Probe(limits: .init(maxStreams: 3))
        func key(_ port: UInt16) -> Probe.Key {
            Probe.Key(source: Endpoint(address: IPAddress("10.0.0.9")!, port: port), destination: Probe.server)
        }
        probe.feed(key(1), seq: 1, [1], at: 1)
        probe.feed(key(2), seq: 1, [2], at: 2)
        probe.feed(key(2), seq: 5, [2, 2], at: 2)  // held: 2 bytes
        probe.feed(key(3), seq: 1, [3], at: 3)
        probe.feed(key(1), seq: 2, [1], at: 4)  // 1 is active again: 2 is now the least recent
        probe.feed(key(4), seq: 1, [4], at: 5)
        #expect(probe.reassembler.streamCount == 3)
        #expect(probe.reassembler.counters.evictedStreams == 1)
        #expect(probe.reassembler.counters.droppedForMemory == 2)
        #expect(probe.reassembler.heldBytes == 0)
        // `expire` reports evicted streams so that their consumers can forget them.
        #expect(probe.expire(now: 6) == [key(2)])
        probe.feed(key(1), seq: 3, [1], at: 7)
        #expect(probe.bytes(key(1)) == [1, 1, 1])
    }

    @Test func heldBytesStayWithinTheTotalBound() {
        let limits = TCPReassembler.Limits(maxBufferedBytesPerStream: 1000, maxTotalBytes: 2500)
        let probe = Probe(limits: limits)
        var keys: [Probe.Key] = []
        for port in UInt16(1)...5 {
            let key = Probe.Key(source: Endpoint(address: IPAddress("10.0.0.9")!, port: port), destination: Probe.server)
            keys.append(key)
            probe.feed(key, seq: 1, [0], at: 0)
            // 900 bytes behind a hole of one byte, in each stream.
            probe.feed(key, seq: 3, [UInt8](repeating: UInt8(port), count: 900), at: 0)
            #expect(probe.reassembler.heldBytes <= 2500)
        }
        // Two streams held 1800 bytes; each further one made it 2700, and the stream holding most
        // (the oldest of equals) was flushed past its hole.
        #expect(probe.reassembler.counters.gaps == 3)
        #expect(probe.reassembler.heldBytes == 1800)
        #expect(probe.gaps.allSatisfy { $0.size == 1 })
        #expect(probe.bytes(keys[0]) == [0] + [UInt8](repeating: 1, count: 900))
        #expect(probe.reassembler.counters.droppedForMemory == 0)
    }

    @Test func aStreamThatJumpsFarAwayIsFollowedAfterSomeSegments() {
        let probe = Probe()
        probe.syn(isn: 0)
        probe.feed(seq: 1, [1, 2, 3])
        // One stray segment far away is not believed…
        probe.feed(seq: 0x8000_0000, [9])
        #expect(probe.bytes() == [1, 2, 3])
        #expect(probe.reassembler.counters.outOfWindow == 1)
        probe.feed(seq: 4, [4])
        // …but a stream that keeps going there has moved on (its SYN was not seen).
        for index in 0..<4 { probe.feed(seq: 0x9000_0000 + UInt32(index), [UInt8(10 + index)]) }
        #expect(probe.bytes() == [1, 2, 3, 4, 13])
        #expect(probe.gaps.map(\.size) == [0])
        probe.feed(seq: 0x9000_0004, [14])
        #expect(probe.bytes().suffix(2) == [13, 14])
    }
}
