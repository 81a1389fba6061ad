import Testing
import Wire

/// Feeds segments to a `TCPReassembler` and keeps what it delivered, per direction.
final class ReassemblyProbe {
    typealias Key = TCPReassembler.StreamKey

    static let client = Endpoint(address: IPAddress("10.0.0.1")!, port: 49152)
    static let server = Endpoint(address: IPAddress("10.0.0.2")!, port: 5060)
    static let up = Key(source: client, destination: server)
    static let down = Key(source: server, destination: client)

    let reassembler: TCPReassembler
    private(set) var delivered: [Key: [UInt8]] = [:]
    /// Every gap in order, with the number of bytes delivered on its stream before it.
    private(set) var gaps: [(key: Key, size: Int, after: Int)] = []
    private(set) var deliveries = 0

    init(limits: TCPReassembler.Limits = .init()) {
        reassembler = TCPReassembler(limits: limits)
    }

    func bytes(_ key: Key = up) -> [UInt8] { delivered[key] ?? [] }

    func feed(
        _ key: Key = up, seq: UInt32, ack: UInt32 = 0, flags: UInt8 = TCPSegment.ack | TCPSegment.psh,
        _ payload: [UInt8] = [], at nanos: Int64 = 0
    ) {
        payload.withUnsafeBytes { bytes in
            let segment = TCPSegment(source: key.source, destination: key.destination, sequenceNumber: seq,
                                     acknowledgementNumber: ack, flags: flags, payload: bytes)
            reassembler.process(segment, nanos: nanos, deliver: record, gap: noteGap)
        }
    }

    func syn(_ key: Key = up, isn: UInt32, at nanos: Int64 = 0) {
        feed(key, seq: isn, flags: key == Self.up ? TCPSegment.syn : TCPSegment.syn | TCPSegment.ack, at: nanos)
    }

    /// An acknowledgement from the other side of `key`'s connection: it holds every byte before `ack`.
    func acknowledge(_ key: Key = up, ack: UInt32, at nanos: Int64) {
        feed(key.reversed, seq: 0, ack: ack, flags: TCPSegment.ack, at: nanos)
    }

    func expire(now: Int64) -> [Key] {
        reassembler.expire(now: now, deliver: record, gap: noteGap)
    }

    private func record(_ key: Key, _ bytes: UnsafeRawBufferPointer) {
        #expect(!bytes.isEmpty, "an empty delivery")
        delivered[key, default: []] += bytes
        deliveries += 1
    }

    private func noteGap(_ key: Key, _ size: Int) {
        gaps.append((key, size, delivered[key]?.count ?? 0))
    }
}

/// Segments in order, out of order, repeated and overlapping; the sequence number's wrap.
@Suite struct TCPReassemblyTests {
    typealias Probe = ReassemblyProbe

    /// Distinct bytes, so that a byte out of place shows.
    static func text(_ count: Int, from start: Int = 0) -> [UInt8] {
        (start..<(start + count)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
    }

    @Test func inOrderAfterTheHandshake() {
        let probe = Probe()
        probe.syn(isn: 1000)
        probe.syn(Probe.down, isn: 5000)
        probe.feed(seq: 1001, flags: TCPSegment.ack, [], at: 1)  // the handshake's last ACK
        let data = Self.text(300)
        probe.feed(seq: 1001, Array(data[0..<100]), at: 2)
        probe.feed(seq: 1101, Array(data[100..<250]), at: 3)
        probe.feed(seq: 1251, Array(data[250...]), at: 4)
        probe.feed(Probe.down, seq: 5001, Array("SIP/2.0 100 Trying\r\n".utf8), at: 5)
        #expect(probe.bytes() == data)
        #expect(probe.bytes(Probe.down) == Array("SIP/2.0 100 Trying\r\n".utf8))
        #expect(probe.deliveries == 4)
        #expect(probe.gaps.isEmpty)
        let counters = probe.reassembler.counters
        #expect(counters.outOfOrder == 0 && counters.retransmitted == 0 && counters.gaps == 0)
        #expect(probe.reassembler.streamCount == 2)
        #expect(probe.reassembler.heldBytes == 0)
    }

    @Test func everyOrderOfFourSegments() {
        let data = Self.text(400)
        let pieces = [(0, 90), (90, 200), (200, 333), (333, 400)]
        for order in Self.permutations([0, 1, 2, 3]) {
            let probe = Probe()
            probe.syn(isn: 7)
            for (step, index) in order.enumerated() {
                let (start, end) = pieces[index]
                probe.feed(seq: 8 + UInt32(start), Array(data[start..<end]), at: Int64(step))
                // Bytes come out as soon as they are contiguous, never before.
                let contiguous = Self.contiguousPrefix(of: order[...step], pieces)
                #expect(probe.bytes() == Array(data[..<contiguous]), "order \(order) after \(step + 1)")
            }
            #expect(probe.bytes() == data, "order \(order)")
            #expect(probe.gaps.isEmpty)
            #expect(probe.reassembler.heldBytes == 0)
            let heldAhead = order.enumerated().filter { step, index in
                Self.contiguousPrefix(of: order[..<step], pieces) < pieces[index].0
            }.count
            #expect(probe.reassembler.counters.outOfOrder == heldAhead, "order \(order)")
        }
    }

    @Test func retransmissionsAndDuplicatesAreDeliveredOnce() {
        let probe = Probe()
        probe.syn(isn: 0)
        let data = Self.text(300)
        probe.feed(seq: 1, Array(data[0..<100]))
        probe.feed(seq: 1, Array(data[0..<100]))  // a mirror port's duplicate
        probe.feed(seq: 201, Array(data[200..<300]))
        probe.feed(seq: 201, Array(data[200..<300]))  // held twice
        probe.feed(seq: 101, Array(data[100..<200]))
        probe.feed(seq: 101, Array(data[100..<200]))  // after delivery
        #expect(probe.bytes() == data)
        let counters = probe.reassembler.counters
        #expect(counters.retransmitted == 3)
        #expect(counters.outOfOrder == 1)
    }

    @Test func overlapsKeepTheBytesSeenFirst() {
        let probe = Probe()
        probe.syn(isn: 0)
        let first = [UInt8](repeating: 0x41, count: 10)   // A at 20..<30, held
        let second = [UInt8](repeating: 0x42, count: 30)  // B at 0..<30, in order, overlaps the A's
        let third = [UInt8](repeating: 0x43, count: 20)   // C at 25..<45, overlaps the end
        probe.feed(seq: 21, first)
        probe.feed(seq: 1, second)
        probe.feed(seq: 26, third)
        let expected = [UInt8](repeating: 0x42, count: 20) + [UInt8](repeating: 0x41, count: 10)
            + [UInt8](repeating: 0x43, count: 15)
        #expect(probe.bytes() == expected)
        // Overlaps among held pieces: only the uncovered bytes are kept.
        probe.feed(seq: 61, [UInt8](repeating: 0x44, count: 10))  // D at 60..<70
        probe.feed(seq: 56, [UInt8](repeating: 0x45, count: 20))  // E at 55..<75
        #expect(probe.reassembler.heldBytes == 20)
        probe.feed(seq: 46, [UInt8](repeating: 0x46, count: 10))  // F at 45..<55
        #expect(probe.bytes()[45...] == ArraySlice([UInt8](repeating: 0x46, count: 10)
            + [UInt8](repeating: 0x45, count: 5) + [UInt8](repeating: 0x44, count: 10)
            + [UInt8](repeating: 0x45, count: 5)))
        #expect(probe.reassembler.counters.overlapping == 3)  // B, C and E
        #expect(probe.reassembler.heldBytes == 0)
    }

    @Test(arguments: [UInt32(0xFFFF_FFF0), 0xFFFF_FFFF, 0xFFFF_FF00])
    func sequenceNumbersWrapAround(isn: UInt32) {
        let probe = Probe()
        probe.syn(isn: isn)
        let data = Self.text(600)
        let start = isn &+ 1
        // Out of order across the wrap: the last piece first, then the middle, then the start.
        probe.feed(seq: start &+ 400, Array(data[400...]))
        probe.feed(seq: start &+ 150, Array(data[150..<400]))
        probe.feed(seq: start, Array(data[..<150]))
        #expect(probe.bytes() == data)
        // A retransmission from before the wrap is still recognised as old.
        probe.feed(seq: start &+ 10, Array(data[10..<20]))
        #expect(probe.bytes() == data)
        #expect(probe.reassembler.counters.retransmitted == 1)
        // And the stream goes on past it.
        probe.feed(seq: start &+ 600, [1, 2, 3])
        #expect(probe.bytes().count == 603)
    }

    @Test func aStreamFirstSeenMidConnectionStartsAtItsFirstSegment() {
        let probe = Probe()
        let data = Self.text(200)
        probe.feed(seq: 123_456, Array(data[100...]))
        probe.feed(seq: 123_456 - 100, Array(data[..<100]))  // from before following began: ignored
        probe.feed(seq: 123_556, [9, 9])
        #expect(probe.bytes() == Array(data[100...]) + [9, 9])
        #expect(probe.gaps.isEmpty)
        // Its SYN seen late (a mirror's reordering) belongs to the same connection.
        probe.syn(isn: 123_456 - 101)
        probe.feed(seq: 123_558, [8])
        #expect(probe.bytes().last == 8)
        #expect(probe.gaps.isEmpty)
    }

    @Test func aSYNWithDataDeliversItAfterTheSequenceNumberItTakes() {
        let probe = Probe()
        probe.feed(seq: 99, flags: TCPSegment.syn, [1, 2, 3])  // TCP Fast Open
        probe.feed(seq: 103, [4])
        #expect(probe.bytes() == [1, 2, 3, 4])
    }

    @Test func keepAlivesAndBareAcknowledgementsDeliverNothing() {
        let probe = Probe()
        // Bare ACKs of a connection not yet followed create nothing.
        probe.feed(seq: 10, ack: 20, flags: TCPSegment.ack)
        #expect(probe.reassembler.streamCount == 0)
        probe.feed(seq: 10, Array("OPTIONS".utf8))
        probe.feed(seq: 16, [0x53])  // keep-alive: the last byte again
        probe.feed(seq: 16, flags: TCPSegment.ack)  // keep-alive without data
        probe.feed(seq: 17, ack: 20, flags: TCPSegment.ack)
        #expect(probe.bytes() == Array("OPTIONS".utf8))
        #expect(probe.reassembler.counters.keepAlives == 1)
        #expect(probe.reassembler.counters.retransmitted == 0)
        #expect(probe.reassembler.streamCount == 1)
    }

    @Test func aNewConnectionOnTheSameAddressesStartsAfresh() {
        let probe = Probe()
        probe.syn(isn: 1000)
        probe.syn(isn: 1000)  // retransmitted SYN: same connection
        probe.feed(seq: 1001, Array("first".utf8))
        #expect(probe.gaps.isEmpty)
        probe.feed(seq: 1006, flags: TCPSegment.fin | TCPSegment.ack)
        probe.syn(isn: 77_000_000)  // a new connection reusing the port
        probe.feed(seq: 77_000_001, Array("second".utf8))
        #expect(probe.bytes() == Array("firstsecond".utf8))
        #expect(probe.gaps.count == 1)
        #expect(probe.gaps.first?.size == 0 && probe.gaps.first?.after == 5)
    }

    static func permutations(_ items: [Int]) -> [[Int]] {
        guard items.count > 1 else { return [items] }
        return items.indices.flatMap { index in
            var rest = items
            let first = rest.remove(at: index)
            return permutations(rest).map { [first] + $0 }
        }
    }

    /// How far the data is contiguous from 0 once the pieces at `indices` have arrived.
    static func contiguousPrefix(of indices: ArraySlice<Int>, _ pieces: [(Int, Int)]) -> Int {
        var end = 0
        while let next = indices.first(where: { pieces[$0].0 == end }) { end = pieces[next].1 }
        return end
    }
}
