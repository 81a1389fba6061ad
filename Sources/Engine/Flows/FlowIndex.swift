import Wire

/// The capture thread's per-packet lookup from an address pair to its binding: open addressing
/// with linear probing, each entry key and value together in one cache line, at most half full.
/// A `Dictionary` keeps keys and values in separate arrays and hashes with SipHash; with
/// thousands of streams that is three cache misses and a long hash per packet instead of one
/// miss and a multiply. The hash is seeded per process so that a sender cannot choose addresses
/// that collide. Removal shifts the entries behind back, so no tombstones accumulate.
struct FlowIndex: ~Copyable {
    typealias Key = FlowTable.Key

    private struct Entry {
        var key: Key
        /// The binding, or -1 for an empty entry.
        var value: Int
    }

    private var entries: UnsafeMutablePointer<Entry>
    private var mask: Int
    private(set) var count = 0
    private let seed: UInt64

    /// - Parameter seed: fixed only in tests.
    init(capacity: Int = 1024, seed: UInt64 = .random(in: 1...UInt64.max)) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        entries = Self.allocate(n)
        mask = n - 1
        self.seed = seed
    }

    deinit {
        entries.deinitialize(count: mask + 1)
        entries.deallocate()
    }

    private static func allocate(_ n: Int) -> UnsafeMutablePointer<Entry> {
        let p = UnsafeMutablePointer<Entry>.allocate(capacity: n)
        let empty = Entry(key: Key(source: Endpoint(address: .unspecifiedIPv4, port: 0),
                                   destination: Endpoint(address: .unspecifiedIPv4, port: 0)), value: -1)
        p.initialize(repeating: empty, count: n)
        return p
    }

    @inline(__always)
    private func slot(_ key: Key) -> Int {
        // Two rounds of multiply and xor-shift over the words of the pair (a murmur-style mix).
        var h = seed
        h = (h ^ key.source.address.low) &* 0x9E37_79B9_7F4A_7C15
        h = (h ^ key.destination.address.low ^ (h >> 29)) &* 0xBF58_476D_1CE4_E5B9
        h ^= key.source.address.high ^ key.destination.address.high &* 0x94D0_49BB_1331_11EB
        h = (h ^ (UInt64(key.source.port) << 16 | UInt64(key.destination.port)) ^ (h >> 32)) &* 0x9E37_79B9_7F4A_7C15
        h ^= h >> 31
        return Int(truncatingIfNeeded: h) & mask
    }

    @inline(__always)
    subscript(key: Key) -> Int? {
        var i = slot(key)
        while true {
            let entry = entries[i]
            if entry.value < 0 { return nil }
            if entry.key == key { return entry.value }
            i = (i + 1) & mask
        }
    }

    /// Sets `key` to `value` (not negative); the previous value, if any.
    @discardableResult
    mutating func update(_ value: Int, forKey key: Key) -> Int? {
        precondition(value >= 0)
        if (count + 1) * 2 > mask + 1 { grow() }
        var i = slot(key)
        while entries[i].value >= 0 {
            if entries[i].key == key {
                let old = entries[i].value
                entries[i].value = value
                return old
            }
            i = (i + 1) & mask
        }
        entries[i] = Entry(key: key, value: value)
        count += 1
        return nil
    }

    /// Removes `key`; its value, if it was there.
    @discardableResult
    mutating func remove(_ key: Key) -> Int? {
        var i = slot(key)
        while true {
            if entries[i].value < 0 { return nil }
            if entries[i].key == key { break }
            i = (i + 1) & mask
        }
        let old = entries[i].value
        // Backward shift: move up each following entry that may live in the hole.
        var hole = i
        var j = (i + 1) & mask
        while entries[j].value >= 0 {
            let home = slot(entries[j].key)
            // The entry at j may move to the hole unless its home lies cyclically in (hole, j].
            let stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j)
            if !stays {
                entries[hole] = entries[j]
                hole = j
            }
            j = (j + 1) & mask
        }
        entries[hole].value = -1
        count -= 1
        return old
    }

    private mutating func grow() {
        let old = entries
        let oldSize = mask + 1
        entries = Self.allocate(oldSize * 2)
        mask = oldSize * 2 - 1
        for k in 0..<oldSize where old[k].value >= 0 {
            var i = slot(old[k].key)
            while entries[i].value >= 0 { i = (i + 1) & mask }
            entries[i] = old[k]
        }
        old.deinitialize(count: oldSize)
        old.deallocate()
    }
}
