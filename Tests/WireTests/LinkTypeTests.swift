import Testing
import Wire

@Suite struct LinkTypeTests {
    @Test(arguments: [
        (Int32(1), LinkType.ethernet), (0, .null), (108, .loop), (12, .raw), (14, .raw), (101, .raw),
        (113, .linuxSLL), (276, .linuxSLL2), (228, .ipv4), (229, .ipv6),
    ])
    func mapsPcapLinkTypes(dlt: Int32, expected: LinkType) {
        #expect(LinkType(dlt: dlt) == expected)
    }

    @Test(arguments: [Int32(-1), 2, 9, 105, 127, 147, 192, 1000])
    func refusesOtherLinkTypes(dlt: Int32) {
        #expect(LinkType(dlt: dlt) == nil)
    }

    @Test func dropNamesAreStableKeysAndRawValuesIndexATable() {
        #expect(WireDrop.allCases.map(\.name) == [
            "malformed", "notIP", "unsupportedTransport", "fragmentExpired", "fragmentOverflow",
        ])
        #expect(WireDrop.allCases.map(\.rawValue) == Array(0..<WireDrop.allCases.count))
    }
}
