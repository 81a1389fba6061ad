@testable import Engine
import Testing
import Wire

/// The capture thread's address-pair index against a `Dictionary` doing the same operations:
/// lookups, replacements and removals (whose backward shift must keep every other key findable),
/// through growth, with IPv4 and IPv6 pairs and a table small enough that probes run long.
@Suite struct FlowIndexTests {
    static func key(_ n: Int) -> FlowTable.Key {
        let address = n % 3 == 0
            ? IPAddress(high: 0x2001_0DB8_0000_0000, low: UInt64(n % 17))
            : IPAddress(ipv4: 0x0A00_0000 | UInt32(n % 23))
        return FlowTable.Key(source: Endpoint(address: address, port: UInt16(10_000 + n % 41 * 2)),
                             destination: Endpoint(address: IPAddress(ipv4: 0x0A01_0001), port: UInt16(20_000 + n / 41 * 2)))
    }

    @Test(arguments: [1, 0x9E37_79B9])
    func agreesWithADictionaryThroughInsertsRemovalsAndGrowth(seed: UInt64) {
        var index = FlowIndex(capacity: 4, seed: seed)
        var model: [FlowTable.Key: Int] = [:]
        var random = SplitMix(state: seed)
        for step in 0..<20_000 {
            let k = Self.key(Int(random.next() % 600))
            if random.next() % 3 == 0 {
                #expect(index.remove(k) == model.removeValue(forKey: k), "step \(step)")
            } else {
                #expect(index.update(step, forKey: k) == model.updateValue(step, forKey: k), "step \(step)")
            }
            if step % 97 == 0 {
                for n in 0..<600 { #expect(index[Self.key(n)] == model[Self.key(n)], "step \(step) key \(n)") }
            }
        }
        #expect(index.count == model.count)
        for (k, v) in model { #expect(index[k] == v) }
        for k in Array(model.keys) { #expect(index.remove(k) == model[k]) }
        #expect(index.count == 0)
        #expect(index[Self.key(1)] == nil)
    }

    /// A deterministic generator, so that a failure reproduces.
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
