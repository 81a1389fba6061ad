import Atomics

/// A bounded single-producer/single-consumer queue of fixed-size slots in preallocated memory.
/// The capture thread produces, one media worker consumes; neither locks nor allocates. Each side
/// keeps a private copy of the other's index and reads the shared one only when its copy says
/// the ring is full (or empty).
public final class SPSCRing: @unchecked Sendable {
    public let slotSize: Int
    public let capacity: Int
    private let mask: Int
    private let storage: UnsafeMutableRawPointer
    private let head: UnsafeAtomic<Int>   // next slot the producer writes
    private let tail: UnsafeAtomic<Int>   // next slot the consumer reads

    // Producer-only state.
    private var producerHead = 0
    private var producerSeenTail = 0
    // Consumer-only state, apart from the producer's on its own cache line.
    private var padding: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var consumerTail = 0
    private var consumerSeenHead = 0

    /// - Parameters:
    ///   - slots: rounded up to a power of two.
    ///   - slotSize: bytes per slot, rounded up to 64.
    public init(slots: Int, slotSize: Int) {
        var n = 1
        while n < slots { n <<= 1 }
        capacity = n
        mask = n - 1
        self.slotSize = (slotSize + 63) & ~63
        storage = .allocate(byteCount: n * self.slotSize, alignment: 64)
        head = .create(0)
        tail = .create(0)
    }

    deinit {
        storage.deallocate()
        head.destroy()
        tail.destroy()
    }

    /// Producer: the next free slot, or nil when the ring is full. Call `publish()` once it is filled.
    @inline(__always)
    public func reserve() -> UnsafeMutableRawPointer? {
        if producerHead - producerSeenTail == capacity {
            producerSeenTail = tail.load(ordering: .acquiring)
            if producerHead - producerSeenTail == capacity { return nil }
        }
        return storage + (producerHead & mask) * slotSize
    }

    /// Producer: hands the reserved slot to the consumer.
    @inline(__always)
    public func publish() {
        producerHead &+= 1
        head.store(producerHead, ordering: .releasing)
    }

    /// Consumer: the oldest filled slot, or nil when the ring is empty. Call `release()` when done with it.
    @inline(__always)
    public func peek() -> UnsafeRawPointer? {
        if consumerTail == consumerSeenHead {
            consumerSeenHead = head.load(ordering: .acquiring)
            if consumerTail == consumerSeenHead { return nil }
        }
        return UnsafeRawPointer(storage + (consumerTail & mask) * slotSize)
    }

    /// Consumer: gives the slot back to the producer.
    @inline(__always)
    public func release() {
        consumerTail &+= 1
        tail.store(consumerTail, ordering: .releasing)
    }
}
