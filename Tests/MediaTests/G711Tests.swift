import Testing
@testable import Media

@Suite struct G711Tests {
    @Test func muLawMatchesTheStandardsEndpoints() {
        // G.711 µ-law: 0xFF and 0x7F are the two zeros, 0x00 and 0x80 the extremes.
        #expect(G711.expandMuLaw(0xFF) == 0)
        #expect(G711.expandMuLaw(0x7F) == 0)
        #expect(G711.expandMuLaw(0x00) == -32124)
        #expect(G711.expandMuLaw(0x80) == 32124)
        #expect(G711.expandMuLaw(0xF0) == 120)
    }

    @Test func aLawMatchesTheStandardsEndpoints() {
        #expect(G711.expandALaw(0xD5) == 8)
        #expect(G711.expandALaw(0x55) == -8)
        #expect(G711.expandALaw(0xAA) == 32256)
        #expect(G711.expandALaw(0x2A) == -32256)
    }

    @Test func tablesAreMonotonicPerSign() {
        // Within one sign, a larger code (after the law's inversion) is a larger magnitude.
        let mu = (0..<128).map { Int(G711.expandMuLaw(UInt8(0x80 | $0))) }
        #expect(mu == mu.sorted(by: >))
        let a = (0..<128).map { Int(G711.expandALaw(UInt8(0x80 | $0) ^ 0x55)) }
        #expect(a == a.sorted())
    }

    @Test func expandWritesEveryStrideSample() {
        let bytes: [UInt8] = [0xFF, 0x00, 0x80]
        var out = [Int16](repeating: 7, count: 6)
        bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBufferPointer { G711.expand(src, table: G711.muLawTable, into: $0.baseAddress! + 1, stride: 2) }
        }
        #expect(out == [7, 0, 7, -32124, 7, 32124])
    }
}
