import Atomics
import CPrefetch

/// A bounded single-producer/single-consumer queue of variable-length records in preallocated
/// memory. The capture thread produces, one media worker consumes; neither locks nor allocates.
/// Records take whole 64-byte units (a G.711 packet four, a control message one), so the same
/// memory holds eight times the packets that fixed 2 KiB slots held. A record that would cross
/// the end of the storage starts at its beginning instead, behind a skip record. Each side keeps
/// a private copy of the other's index and reads the shared one only when its copy says the ring
/// is full (or empty).
public final class SPSCRing: @unchecked Sendable {
    /// Bytes per unit: records start on cache lines.
    public static let unitSize = 64
    /// Bytes in front of every record: its length in units, and whether it is a skip.
    static let recordHeader = 8
    public let capacityUnits: Int
    private let mask: Int
    private let storage: UnsafeMutableRawPointer
    private let head: UnsafeAtomic<Int>   // units the producer has published
    private let tail: UnsafeAtomic<Int>   // units the consumer has released

    // Producer-only state.
    private var producerHead = 0
    private var producerSeenTail = 0
    private var reservedUnits = 0
    // Consumer-only state, apart from the producer's on its own cache line.
    private var padding: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var consumerTail = 0
    private var consumerSeenHead = 0
    private var peekedUnits = 0

    /// - Parameter bytes: the storage, rounded up to a power of two of units (at least 64 units).
    public init(bytes: Int) {
        var n = 64
        while n * Self.unitSize < bytes { n <<= 1 }
        capacityUnits = n
        mask = n - 1
        storage = .allocate(byteCount: n * Self.unitSize, alignment: Self.unitSize)
        head = .create(0)
        tail = .create(0)
    }

    deinit {
        storage.deallocate()
        head.destroy()
        tail.destroy()
    }

    /// The largest record body `reserve(bytes:)` accepts: a quarter of the ring.
    public var maxRecordBytes: Int { capacityUnits / 4 * Self.unitSize - Self.recordHeader }

    @inline(__always)
    private func units(for bytes: Int) -> Int {
        (bytes + Self.recordHeader + Self.unitSize - 1) / Self.unitSize
    }

    /// Producer: room for a record of `bytes` (at most `maxRecordBytes`), or nil when the ring
    /// cannot take it now. Call `publish()` once it is filled; until then nothing is visible.
    @inline(__always)
    public func reserve(bytes: Int) -> UnsafeMutableRawPointer? {
        let units = units(for: bytes)
        let offset = producerHead & mask
        let toEnd = capacityUnits - offset
        let needed = units <= toEnd ? units : toEnd + units
        if producerHead &+ needed &- producerSeenTail > capacityUnits {
            producerSeenTail = tail.load(ordering: .acquiring)
            if producerHead &+ needed &- producerSeenTail > capacityUnits { return nil }
        }
        var at = offset
        if units > toEnd {
            // The rest of the storage becomes a skip; the record starts at the beginning.
            writeHeader(at: offset, units: toEnd, skip: true)
            producerHead &+= toEnd
            at = 0
        }
        writeHeader(at: at, units: units, skip: false)
        reservedUnits = units
        return storage + at * Self.unitSize + Self.recordHeader
    }

    /// Producer: hands the reserved record (and any skip before it) to the consumer.
    @inline(__always)
    public func publish() {
        producerHead &+= reservedUnits
        reservedUnits = 0
        head.store(producerHead, ordering: .releasing)
        prefetchAhead()
    }

    /// Units ahead of the next record that `publish` fetches for writing: a G.711 record's.
    static let prefetchUnits = 4

    /// Asks for the lines of the record after the next one, while the capture thread reads
    /// and parses the packet before it: a line of the ring was last read on the worker's core,
    /// and stores that must first fetch it stalled the capture thread (perf, replay of 2,000
    /// calls: up to a third of its samples, on libpcap's next store). Only free units are
    /// touched: one the worker has yet to read stays where it is.
    @inline(__always)
    private func prefetchAhead() {
        let first = producerHead &+ Self.prefetchUnits
        guard first &+ Self.prefetchUnits &- producerSeenTail <= capacityUnits else { return }
        for unit in 0..<Self.prefetchUnits {
            calltap_prefetch_write(storage + (((first &+ unit) & mask) &* Self.unitSize))
        }
    }

    /// Consumer: the oldest record's body, or nil when the ring is empty. Call `release()` when done with it.
    @inline(__always)
    public func peek() -> UnsafeRawPointer? {
        while true {
            if consumerTail == consumerSeenHead {
                consumerSeenHead = head.load(ordering: .acquiring)
                if consumerTail == consumerSeenHead { return nil }
            }
            let record = storage + (consumerTail & mask) * Self.unitSize
            let units = Int(record.load(as: UInt32.self))
            if record.load(fromByteOffset: 4, as: UInt32.self) != 0 {
                consumerTail &+= units
                continue
            }
            peekedUnits = units
            return UnsafeRawPointer(record + Self.recordHeader)
        }
    }

    /// Consumer: the bodies of the published records after the peeked one, nearest first
    /// (`distance` 1), at most `count` of them; fewer when fewer were published by the time the
    /// consumer last looked. They stay where they are: the worker only fetches their state ahead.
    @inline(__always)
    public func forEachAhead(_ count: Int, _ body: (_ distance: Int, _ record: UnsafeRawPointer) -> Void) {
        var at = consumerTail &+ peekedUnits
        var distance = 1
        while distance <= count && at != consumerSeenHead {
            let record = storage + (at & mask) * Self.unitSize
            at &+= Int(record.load(as: UInt32.self))
            if record.load(fromByteOffset: 4, as: UInt32.self) != 0 { continue }
            body(distance, UnsafeRawPointer(record + Self.recordHeader))
            distance += 1
        }
    }

    /// Consumer: gives the peeked record (and any skip before it) back to the producer.
    @inline(__always)
    public func release() {
        consumerTail &+= peekedUnits
        peekedUnits = 0
        tail.store(consumerTail, ordering: .releasing)
    }

    /// Units in use now (published and not yet released), read from any thread: the ring's fill.
    public var usedUnits: Int {
        head.load(ordering: .relaxed) &- tail.load(ordering: .relaxed)
    }

    @inline(__always)
    private func writeHeader(at unit: Int, units: Int, skip: Bool) {
        let record = storage + unit * Self.unitSize
        record.storeBytes(of: UInt32(units), as: UInt32.self)
        record.storeBytes(of: skip ? 1 : 0, toByteOffset: 4, as: UInt32.self)
    }
}
