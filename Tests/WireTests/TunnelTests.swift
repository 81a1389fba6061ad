import Testing
import Wire

@Suite struct TunnelTests {
    typealias F = FrameBuilder
    let v4 = DecodedFrame.sipUDP()
    let v6 = DecodedFrame.sipUDP("[2001:db8::1]:5060", "[2001:db8::2]:5060")

    func overIPv4(_ protocolNumber: UInt8, _ payload: [UInt8]) -> [UInt8] {
        F.ethernet(type: 0x0800, F.ipv4("192.168.1.213", "192.168.8.68", protocol: protocolNumber, payload))
    }

    func overIPv6(_ nextHeader: UInt8, _ payload: [UInt8]) -> [UInt8] {
        F.ethernet(type: 0x86DD, F.ipv6("2001:db8:ffff::1", "2001:db8:ffff::2", nextHeader: nextHeader, payload))
    }

    // MARK: GRE

    @Test func greCarryingIPv4AndIPv6() {
        let decoder = WireDecoder(linkType: .ethernet)
        #expect(decoder.decode(overIPv4(47, F.gre(protocolType: 0x0800, F.ipv4UDP()))) == v4)
        #expect(decoder.decode(overIPv4(47, F.gre(protocolType: 0x86DD, F.ipv6UDP()))) == v6)
        #expect(decoder.decode(overIPv6(47, F.gre(protocolType: 0x0800, F.ipv4UDP()))) == v4)
    }

    @Test(arguments: [(false, false, false), (true, false, false), (false, true, false), (false, false, true), (true, true, true)])
    func greOptionalFields(checksum: Bool, key: Bool, sequence: Bool) {
        let gre = F.gre(protocolType: 0x0800, checksum: checksum, key: key ? 0xDEAD_BEEF : nil, sequence: sequence ? 77 : nil, F.ipv4UDP())
        #expect(WireDecoder(linkType: .ethernet).decode(overIPv4(47, gre)) == v4)
    }

    @Test func greTransparentEthernetAsInAMirrorSession() {
        // The layout of a real SPAN-over-GRE capture: GRE with a zero key, 0x6558, then the
        // mirrored Ethernet frame.
        let mirrored = F.ethernet(type: 0x0800, F.ipv4("180.173.83.248", "101.231.48.19", protocol: 17,
                                                      F.udp(53221, 5260, F.sip), dontFragment: true))
        #expect(WireDecoder(linkType: .ethernet).decode(overIPv4(47, F.gre(protocolType: 0x6558, key: 0, mirrored)))
            == .udp(source: "180.173.83.248:53221", destination: "101.231.48.19:5260", payload: F.sip))
    }

    @Test func greCarryingAVLANTaggedFrameAndMPLS() {
        let decoder = WireDecoder(linkType: .ethernet)
        let tagged = F.ethernet(tags: [(0x8100, 99)], type: 0x86DD, F.ipv6UDP())
        #expect(decoder.decode(overIPv4(47, F.gre(protocolType: 0x6558, tagged))) == v6)
        #expect(decoder.decode(overIPv4(47, F.gre(protocolType: 0x8847, F.be32(20 << 12 | 0x100) + F.ipv4UDP()))) == v4)
    }

    @Test func greWithNonIPOrUnsupportedVariants() {
        let decoder = WireDecoder(linkType: .ethernet)
        #expect(decoder.decode(overIPv4(47, F.gre(protocolType: 0x0806, [UInt8](repeating: 0, count: 28)))) == .dropped(.notIP))
        // PPTP's enhanced GRE (version 1) and RFC 1701 source routing.
        let pptp: [UInt8] = [0x30, 0x01, 0x88, 0x0B, 0x00, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0xFF, 0x03, 0x00, 0x21]
        #expect(decoder.decode(overIPv4(47, pptp)) == .dropped(.unsupportedTransport))
        #expect(decoder.decode(overIPv4(47, [0x40, 0x00, 0x08, 0x00, 0, 0, 0, 0] + F.ipv4UDP())) == .dropped(.unsupportedTransport))
    }

    @Test func greHeaderShorterThanItsFlagsSayIsMalformed() {
        // Checksum, key and sequence flags, with only the key present.
        #expect(WireDecoder(linkType: .ethernet).decode(overIPv4(47, [0xB0, 0x00, 0x08, 0x00, 0, 0, 0, 1])) == .dropped(.malformed))
        #expect(WireDecoder(linkType: .ethernet).decode(overIPv4(47, [0x00, 0x00, 0x08])) == .dropped(.malformed))
    }

    // MARK: ERSPAN

    @Test func erspanTypeIHasNoHeader() {
        let mirrored = F.ethernet(type: 0x0800, F.ipv4UDP())
        #expect(WireDecoder(linkType: .ethernet).decode(overIPv4(47, F.gre(protocolType: 0x88BE, mirrored))) == v4)
    }

    @Test func erspanTypeII() {
        let mirrored = F.ethernet(tags: [(0x8100, 10)], type: 0x86DD, F.ipv6UDP())
        let gre = F.gre(protocolType: 0x88BE, sequence: 1234, F.erspanII(mirrored))
        #expect(WireDecoder(linkType: .ethernet).decode(overIPv4(47, gre)) == v6)
    }

    @Test(arguments: [false, true])
    func erspanTypeIII(platformSubHeader: Bool) {
        let mirrored = F.ethernet(type: 0x0800, F.ipv4UDP())
        let gre = F.gre(protocolType: 0x22EB, sequence: 9, F.erspanIII(platform: platformSubHeader, mirrored))
        #expect(WireDecoder(linkType: .ethernet).decode(overIPv4(47, gre)) == v4)
    }

    @Test func erspanTypeIIIMirroringBareIP() {
        let gre = F.gre(protocolType: 0x22EB, sequence: 9, F.erspanIII(platform: false, frameType: 2, F.ipv6UDP()))
        #expect(WireDecoder(linkType: .ethernet).decode(overIPv4(47, gre)) == v6)
    }

    @Test func erspanHeadersCutShortAreMalformed() {
        let decoder = WireDecoder(linkType: .ethernet)
        #expect(decoder.decode(overIPv4(47, F.gre(protocolType: 0x88BE, sequence: 1, [0x10, 0, 0, 1]))) == .dropped(.malformed))
        // Type III with the O flag set but no room for the platform sub-header.
        let header = Array(F.erspanIII(platform: true, []).prefix(12))
        #expect(decoder.decode(overIPv4(47, F.gre(protocolType: 0x22EB, sequence: 1, header + [1, 2, 3]))) == .dropped(.malformed))
    }

    // MARK: IP in IP

    @Test func ipInIP() {
        let decoder = WireDecoder(linkType: .ethernet)
        #expect(decoder.decode(overIPv4(4, F.ipv4UDP())) == v4)
        #expect(decoder.decode(overIPv4(41, F.ipv6UDP())) == v6)
        #expect(decoder.decode(overIPv6(4, F.ipv4UDP())) == v4)
        #expect(decoder.decode(overIPv6(41, F.ipv6UDP())) == v6)
    }

    @Test func innerIPOfTheWrongVersionIsMalformed() {
        #expect(WireDecoder(linkType: .ethernet).decode(overIPv4(4, F.ipv6UDP())) == .dropped(.malformed))
    }

    // MARK: VXLAN

    @Test func vxlanOnTheDefaultPort() {
        let inner = F.ethernet(type: 0x0800, F.ipv4UDP())
        let frame = overIPv4(17, F.udp(51234, 4789, F.vxlan(vni: 5001, inner)))
        #expect(WireDecoder(linkType: .ethernet).decode(frame) == v4)
    }

    @Test func vxlanOnConfiguredPortsOnly() {
        let inner = F.ethernet(tags: [(0x8100, 3)], type: 0x86DD, F.ipv6UDP())
        let onLinuxPort = overIPv4(17, F.udp(51234, 8472, F.vxlan(vni: 1, inner)))
        #expect(WireDecoder(linkType: .ethernet, vxlanPorts: [4789, 8472]).decode(onLinuxPort) == v6)
        // Not configured: the outer datagram is handed on as it is.
        let plain = WireDecoder(linkType: .ethernet).decode(onLinuxPort)
        #expect(plain == .udp(source: "192.168.1.213:51234", destination: "192.168.8.68:8472", payload: F.vxlan(vni: 1, inner)))
        let none = WireDecoder(linkType: .ethernet, vxlanPorts: []).decode(overIPv4(17, F.udp(1, 4789, F.vxlan(vni: 1, inner))))
        #expect(none == .udp(source: "192.168.1.213:1", destination: "192.168.8.68:4789", payload: F.vxlan(vni: 1, inner)))
    }

    @Test func vxlanPortWithoutTheIFlagIsPlainUDP() {
        let payload = F.vxlan(vni: 1, flags: 0x00, F.ethernet(type: 0x0800, F.ipv4UDP()))
        #expect(WireDecoder(linkType: .ethernet).decode(overIPv4(17, F.udp(4000, 4789, payload)))
            == .udp(source: "192.168.1.213:4000", destination: "192.168.8.68:4789", payload: payload))
    }

    @Test func vxlanCarryingNonIPOrCutShort() {
        let decoder = WireDecoder(linkType: .ethernet)
        let arp = F.ethernet(type: 0x0806, [UInt8](repeating: 0, count: 28))
        #expect(decoder.decode(overIPv4(17, F.udp(4000, 4789, F.vxlan(vni: 1, arp)))) == .dropped(.notIP))
        #expect(decoder.decode(overIPv4(17, F.udp(4000, 4789, F.vxlan(vni: 1, Array(arp.prefix(10)))))) == .dropped(.malformed))
    }

    // MARK: Nesting

    @Test func nestedTunnelsGiveTheInnermostPayload() {
        // IPv6-in-IPv4 → GRE → ERSPAN II → Ethernet → IPv4 → UDP → VXLAN → Ethernet → IPv4 → UDP.
        let innermost = F.ethernet(type: 0x0800, F.ipv4UDP("172.16.0.1", 10000, "172.16.0.2", 20000, [0x80, 0x08]))
        let vxlan = F.ethernet(type: 0x0800, F.ipv4("10.1.1.1", "10.1.1.2", protocol: 17, F.udp(1234, 4789, F.vxlan(vni: 9, innermost))))
        let gre = F.gre(protocolType: 0x88BE, sequence: 1, F.erspanII(vxlan))
        let sixInFour = F.ipv6("2001:db8:1::1", "2001:db8:1::2", nextHeader: 47, gre)
        #expect(WireDecoder(linkType: .ethernet).decode(overIPv4(41, sixInFour))
            == .udp(source: "172.16.0.1:10000", destination: "172.16.0.2:20000", payload: [0x80, 0x08]))
    }

    @Test func nestingIsBounded() {
        func ipInIP(_ levels: Int) -> [UInt8] {
            var packet = F.ipv4UDP()
            for _ in 0..<levels { packet = F.ipv4("192.0.2.1", "192.0.2.2", protocol: 4, packet) }
            return packet
        }
        let decoder = WireDecoder(linkType: .raw)
        #expect(decoder.decode(ipInIP(WireDecoder.maxEncapsulationDepth)) == v4)
        #expect(decoder.decode(ipInIP(WireDecoder.maxEncapsulationDepth + 1)) == .dropped(.malformed))

        var gre = F.ipv4UDP()
        for _ in 0..<200 { gre = F.ipv4("192.0.2.1", "192.0.2.2", protocol: 47, F.gre(protocolType: 0x0800, gre)) }
        #expect(decoder.decode(gre) == .dropped(.malformed))
    }

    // MARK: Fragments and tunnels

    @Test func fragmentsInsideATunnel() {
        let decoder = WireDecoder(linkType: .ethernet)
        let fragments = F.ipv4Fragments(F.udp(5060, 5080, F.longSIP), identification: 40, chunk: 1024)
        let results = fragments.map { decoder.decode(overIPv4(47, F.gre(protocolType: 0x0800, $0))) }
        #expect(results == [.held, .udp(source: "10.0.0.1:5060", destination: "10.0.0.2:5080", payload: F.longSIP)])
    }

    @Test func fragmentedTunnelCarryingFragments() {
        // The outer GRE packets are fragmented, and each carries an inner fragment: the inner
        // datagram completes inside the second outer datagram's reassembly storage.
        let inner = F.ipv4Fragments(F.udp(5060, 5080, F.longSIP), identification: 41, chunk: 1024)
        let decoder = WireDecoder(linkType: .ethernet)
        var results: [DecodedFrame] = []
        for (index, innerFragment) in inner.enumerated() {
            let outerTransport = F.gre(protocolType: 0x0800, innerFragment)
            for outer in F.ipv4Fragments(outerTransport, protocol: 47, identification: UInt16(100 + index), chunk: 512,
                                         source: "192.168.1.213", destination: "192.168.8.68").reversed() {
                results.append(decoder.decode(F.ethernet(type: 0x0800, outer)))
            }
        }
        #expect(results.last == .udp(source: "10.0.0.1:5060", destination: "10.0.0.2:5080", payload: F.longSIP))
        #expect(results.dropLast().allSatisfy { $0 == .held })
        #expect(decoder.heldDatagrams == 0)
    }
}
