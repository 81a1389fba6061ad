import Engine
import Foundation
import Testing

/// The ring between the capture thread and a media worker: records of any length up to a quarter
/// of the ring, in order, across the end of the storage, refused (not overwritten) when full.
@Suite struct SPSCRingTests {
    /// Writes `length` bytes derived from `n` into a record.
    static func fill(_ record: UnsafeMutableRawPointer, n: Int, length: Int) {
        record.storeBytes(of: UInt32(n), as: UInt32.self)
        record.storeBytes(of: UInt32(length), toByteOffset: 4, as: UInt32.self)
        for i in 8..<length { record.storeBytes(of: UInt8(truncatingIfNeeded: n &+ i), toByteOffset: i, as: UInt8.self) }
    }

    /// The record's number, after checking its bytes.
    static func check(_ record: UnsafeRawPointer) -> (n: Int, intact: Bool) {
        let n = Int(record.load(as: UInt32.self))
        let length = Int(record.load(fromByteOffset: 4, as: UInt32.self))
        var intact = length >= 8
        for i in 8..<max(8, length) where record.load(fromByteOffset: i, as: UInt8.self) != UInt8(truncatingIfNeeded: n &+ i) {
            intact = false
        }
        return (n, intact)
    }

    @Test func recordsOfMixedLengthsComeOutInOrderAcrossTheEnd() {
        let ring = SPSCRing(bytes: 4096)   // 64 units
        #expect(ring.capacityUnits == 64)
        let lengths = [8, 40, 200, 1000, 56, 120, 8, 900]
        var written = 0, read = 0
        // Many rounds of a few records each: the records land at every offset, wrapping often.
        for round in 0..<500 {
            let batch = lengths.count - round % 3
            for k in 0..<batch {
                let length = lengths[(round + k) % lengths.count]
                guard let record = ring.reserve(bytes: length) else { break }
                Self.fill(record, n: written, length: length)
                ring.publish()
                written += 1
            }
            while let record = ring.peek() {
                let (n, intact) = Self.check(record)
                #expect(n == read && intact)
                ring.release()
                read += 1
            }
            #expect(ring.usedUnits == 0)
        }
        #expect(read == written && written > 2000)
    }

    @Test func aFullRingRefusesUntilTheConsumerReleases() {
        let ring = SPSCRing(bytes: 4096)
        var accepted = 0
        // 200 bytes take four units: sixteen fit in 64.
        while let record = ring.reserve(bytes: 200) {
            Self.fill(record, n: accepted, length: 200)
            ring.publish()
            accepted += 1
        }
        #expect(accepted == 16)
        #expect(ring.usedUnits == 64)
        #expect(ring.reserve(bytes: 8) == nil)
        // One released record makes room for one more of the same size, and the rest are intact.
        #expect(Self.check(ring.peek()!) == (0, true))
        ring.release()
        let record = ring.reserve(bytes: 200)
        #expect(record != nil)
        if let record {
            Self.fill(record, n: accepted, length: 200)
            ring.publish()
        }
        for n in 1...16 {
            #expect(Self.check(ring.peek()!) == (n, true))
            ring.release()
        }
        #expect(ring.peek() == nil)
    }

    @Test func aRecordThatWouldCrossTheEndWaitsForRoomAtTheStart() {
        let ring = SPSCRing(bytes: 4096)
        // 60 units used, 4 left at the end: a 5-unit record must go to the start, which is still taken.
        for n in 0..<15 {
            Self.fill(ring.reserve(bytes: 200)!, n: n, length: 200)
            ring.publish()
        }
        #expect(ring.reserve(bytes: 300) == nil)
        // Releasing the first two records frees units 0–7: the record goes there behind a skip.
        for n in 0..<2 {
            #expect(Self.check(ring.peek()!) == (n, true))
            ring.release()
        }
        let record = ring.reserve(bytes: 300)
        #expect(record != nil)
        if let record {
            Self.fill(record, n: 15, length: 300)
            ring.publish()
        }
        for n in 2...15 {
            #expect(Self.check(ring.peek()!) == (n, true))
            ring.release()
        }
        #expect(ring.usedUnits == 0)
    }

    /// The numbers of the records `forEachAhead` shows, checking their distances and bytes.
    static func ahead(_ ring: SPSCRing, _ count: Int) -> [Int] {
        var seen: [Int] = []
        ring.forEachAhead(count) { distance, record in
            let (n, intact) = check(record)
            #expect(distance == seen.count + 1 && intact)
            seen.append(n)
        }
        return seen
    }

    @Test func theRecordsAheadOfThePeekedOneAreShownInOrderAndStayInTheRing() {
        let ring = SPSCRing(bytes: 4096)   // 64 units
        #expect(Self.ahead(ring, 4) == [])
        for n in 0..<14 {
            Self.fill(ring.reserve(bytes: 200)!, n: n, length: 200)
            ring.publish()
        }
        #expect(Self.check(ring.peek()!) == (0, true))
        #expect(Self.ahead(ring, 3) == [1, 2, 3])
        #expect(Self.ahead(ring, 20) == Array(1...13))
        // Showing them consumed nothing.
        #expect(Self.check(ring.peek()!) == (0, true))
        for n in 0..<14 {
            #expect(Self.check(ring.peek()!) == (n, true))
            ring.release()
        }
        // 56 units used: 14 takes the last four before the end, 15 (five units) goes to the
        // start behind a skip, 16 after it.
        for (n, length) in [(14, 200), (15, 300), (16, 200)] {
            Self.fill(ring.reserve(bytes: length)!, n: n, length: length)
            ring.publish()
        }
        #expect(Self.check(ring.peek()!) == (14, true))
        #expect(Self.ahead(ring, 4) == [15, 16])
        // Published after the consumer last looked at the producer's index: shown only once
        // the consumer has caught up with what it had seen and looks again.
        Self.fill(ring.reserve(bytes: 200)!, n: 17, length: 200)
        ring.publish()
        #expect(Self.ahead(ring, 4) == [15, 16])
        ring.release()
        #expect(Self.check(ring.peek()!) == (15, true))
        #expect(Self.ahead(ring, 4) == [16])
        ring.release()
        #expect(Self.check(ring.peek()!) == (16, true))
        #expect(Self.ahead(ring, 4) == [])
        ring.release()
        #expect(Self.check(ring.peek()!) == (17, true))
        #expect(Self.ahead(ring, 4) == [])
        ring.release()
        #expect(ring.peek() == nil)
        #expect(ring.usedUnits == 0)
    }

    @Test func twoThreadsPassAMillionRecordsIntact() async {
        let ring = SPSCRing(bytes: 1 << 16)
        let total = 1_000_000
        let producer = Thread {
            var n = 0
            while n < total {
                let length = 8 + (n * 37) % 700
                guard let record = ring.reserve(bytes: length) else { continue }
                Self.fill(record, n: n, length: length)
                ring.publish()
                n += 1
            }
        }
        producer.start()
        var expected = 0, damaged = 0
        while expected < total {
            guard let record = ring.peek() else { continue }
            let (n, intact) = Self.check(record)
            if n != expected || !intact { damaged += 1 }
            ring.release()
            expected += 1
        }
        #expect(damaged == 0)
        #expect(ring.peek() == nil)
    }
}
