import Testing
import Wire

@Suite struct IPv4Tests {
    typealias F = FrameBuilder
    let decoder = WireDecoder(linkType: .raw)

    @Test func optionsAreSkippedByHeaderLength() {
        // Record Route (7) with room for two addresses, padded with End of Options to 12 bytes.
        let options: [UInt8] = [7, 11, 4] + [UInt8](repeating: 0, count: 8) + [0]
        let packet = F.ipv4("192.0.2.10", "198.51.100.20", protocol: 17, F.udp(16384, 16386, [0x80, 0x00, 0x01]), options: options)
        #expect(decoder.decode(packet) == .udp(source: "192.0.2.10:16384", destination: "198.51.100.20:16386", payload: [0x80, 0x00, 0x01]))
    }

    @Test func maximumHeaderLengthOf60Bytes() {
        let options = [UInt8](repeating: 1, count: 40)  // NOPs
        let packet = F.ipv4("10.0.0.1", "10.0.0.2", protocol: 17, F.udp(5060, 5060, F.sip), options: options)
        #expect(decoder.decode(packet) == .sipUDP())
    }

    @Test func totalLengthWinsOverTrailingBytes() {
        let packet = F.ipv4UDP("10.0.0.1", 1000, "10.0.0.2", 2000, [9, 8, 7])
        #expect(decoder.decode(packet + [0xFF, 0xFF, 0xFF, 0xFF])
            == .udp(source: "10.0.0.1:1000", destination: "10.0.0.2:2000", payload: [9, 8, 7]))
    }

    @Test func totalLengthPastTheFrameIsMalformed() {
        let payload = F.udp(5060, 5060, F.sip)
        let packet = F.ipv4("10.0.0.1", "10.0.0.2", protocol: 17, payload, totalLength: 20 + payload.count + 1)
        #expect(decoder.decode(packet) == .dropped(.malformed))
    }

    @Test func totalLengthShorterThanHeaderIsMalformed() {
        let packet = F.ipv4("10.0.0.1", "10.0.0.2", protocol: 17, F.udp(1, 2, []), totalLength: 19)
        #expect(decoder.decode(packet) == .dropped(.malformed))
    }

    @Test func zeroTotalLengthFromSegmentationOffloadUsesTheFrame() {
        let payload = F.tcp(5060, 40000, sequence: 1, acknowledgement: 2, flags: 0x18, F.sip)
        let packet = F.ipv4("10.0.0.1", "10.0.0.2", protocol: 6, payload, totalLength: 0)
        #expect(decoder.decode(packet) == .tcp(source: "10.0.0.1:5060", destination: "10.0.0.2:40000",
                                               sequence: 1, acknowledgement: 2, flags: 0x18, payload: F.sip))
    }

    @Test(arguments: [UInt8(0), 4])
    func headerLengthBelowFiveWordsIsMalformed(ihl: UInt8) {
        var packet = F.ipv4UDP()
        packet[0] = 0x40 | ihl
        #expect(decoder.decode(packet) == .dropped(.malformed))
    }

    @Test func headerLengthPastTotalLengthIsMalformed() {
        // 15 words = 60 bytes of header, in a 40-byte packet.
        var packet = F.ipv4("10.0.0.1", "10.0.0.2", protocol: 17, F.udp(1, 2, [UInt8](repeating: 0, count: 12)))
        packet[0] = 0x4F
        #expect(packet.count == 40)
        #expect(decoder.decode(packet) == .dropped(.malformed))
    }

    @Test(arguments: [UInt8(1), 2, 50, 89, 132])  // ICMP, IGMP, ESP, OSPF, SCTP
    func otherProtocolsAreUnsupported(number: UInt8) {
        let packet = F.ipv4("10.0.0.1", "10.0.0.2", protocol: number, [UInt8](repeating: 0, count: 16))
        #expect(decoder.decode(packet) == .dropped(.unsupportedTransport))
    }

    @Test func authenticationHeaderIsSkipped() {
        let packet = F.ipv4("10.0.0.1", "10.0.0.2", protocol: 51, F.authenticationHeader(nextHeader: 17) + F.udp(5060, 5060, F.sip))
        #expect(decoder.decode(packet) == .sipUDP())
    }

    @Test func dontFragmentFlagIsNotAFragment() {
        let packet = F.ipv4("10.0.0.1", "10.0.0.2", protocol: 17, F.udp(5060, 5060, F.sip), dontFragment: true)
        #expect(decoder.decode(packet) == .sipUDP())
        #expect(decoder.heldDatagrams == 0)
    }

    @Test func badChecksumsAreNotChecked() {
        // The builder writes 0xDEAD as header checksum and 0xBEEF as UDP checksum.
        #expect(decoder.decode(F.ipv4UDP()) == .sipUDP())
    }
}
