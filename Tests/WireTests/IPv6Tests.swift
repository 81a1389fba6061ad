import Testing
import Wire

@Suite struct IPv6Tests {
    typealias F = FrameBuilder
    let decoder = WireDecoder(linkType: .raw)
    let expected = DecodedFrame.sipUDP("[2001:db8::1]:5060", "[2001:db8::2]:5060")

    @Test func extensionHeaderChainIsWalked() {
        // hop-by-hop → routing (16 bytes) → destination options → mobility-free UDP.
        let chain = F.ipv6Extension(nextHeader: 43) + F.ipv6Extension(nextHeader: 60, units: 2) + F.ipv6Extension(nextHeader: 17)
        let packet = F.ipv6("2001:db8::1", "2001:db8::2", nextHeader: 0, chain + F.udp(5060, 5060, F.sip))
        #expect(decoder.decode(packet) == expected)
    }

    @Test func mobilityAndAuthenticationHeadersAreSkipped() {
        let chain = F.ipv6Extension(nextHeader: 51) + F.authenticationHeader(nextHeader: 135) + F.ipv6Extension(nextHeader: 6)
        let packet = F.ipv6("2001:db8::1", "2001:db8::2", nextHeader: 60,
                            chain + F.tcp(5061, 5062, sequence: 7, acknowledgement: 9, flags: 0x10, F.sip))
        #expect(decoder.decode(packet) == .tcp(source: "[2001:db8::1]:5061", destination: "[2001:db8::2]:5062",
                                               sequence: 7, acknowledgement: 9, flags: 0x10, payload: F.sip))
    }

    @Test func noNextHeaderIsUnsupported() {
        let packet = F.ipv6("2001:db8::1", "2001:db8::2", nextHeader: 60, F.ipv6Extension(nextHeader: 59))
        #expect(decoder.decode(packet) == .dropped(.unsupportedTransport))
    }

    @Test(arguments: [UInt8(58), 50, 132])  // ICMPv6, ESP, SCTP
    func otherNextHeadersAreUnsupported(number: UInt8) {
        #expect(decoder.decode(F.ipv6("2001:db8::1", "2001:db8::2", nextHeader: number, [UInt8](repeating: 0, count: 16)))
            == .dropped(.unsupportedTransport))
    }

    @Test func extensionHeaderLongerThanThePacketIsMalformed() {
        // Claims 3 × 8 bytes but only 8 follow.
        var header = F.ipv6Extension(nextHeader: 17)
        header[1] = 2
        #expect(decoder.decode(F.ipv6("2001:db8::1", "2001:db8::2", nextHeader: 0, header)) == .dropped(.malformed))
    }

    @Test func payloadLengthWinsOverTrailingBytes() {
        let packet = F.ipv6UDP("2001:db8::1", 7000, "2001:db8::2", 7002, [1, 2, 3])
        #expect(decoder.decode(packet + [0xEE, 0xEE])
            == .udp(source: "[2001:db8::1]:7000", destination: "[2001:db8::2]:7002", payload: [1, 2, 3]))
    }

    @Test func payloadLengthPastTheFrameIsMalformed() {
        let udp = F.udp(5060, 5060, F.sip)
        let packet = F.ipv6("2001:db8::1", "2001:db8::2", nextHeader: 17, udp, payloadLength: udp.count + 1)
        #expect(decoder.decode(packet) == .dropped(.malformed))
    }

    @Test func atomicFragmentIsDecodedInPlace() {
        let packet = F.ipv6("2001:db8::1", "2001:db8::2", nextHeader: 44,
                            F.ipv6Fragment(nextHeader: 17, offset: 0, moreFragments: false, identification: 99)
                                + F.udp(5060, 5060, F.sip))
        #expect(decoder.decode(packet) == expected)
        #expect(decoder.heldDatagrams == 0)
    }

    @Test func addressesAreReadInFull() {
        let packet = F.ipv6UDP("fe80::1:2:3:4", 1, "ff02::1:ff00:1", 2, [])
        #expect(decoder.decode(packet) == .udp(source: "[fe80::1:2:3:4]:1", destination: "[ff02::1:ff00:1]:2", payload: []))
    }
}
