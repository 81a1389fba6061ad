import Testing
import Wire

@Suite struct LinkLayerTests {
    typealias F = FrameBuilder

    @Test func ethernetIPv4() {
        let decoder = WireDecoder(linkType: .ethernet)
        #expect(decoder.decode(F.ethernet(type: 0x0800, F.ipv4UDP())) == .sipUDP())
    }

    @Test func ethernetIPv6() {
        let decoder = WireDecoder(linkType: .ethernet)
        #expect(decoder.decode(F.ethernet(type: 0x86DD, F.ipv6UDP())) == .sipUDP("[2001:db8::1]:5060", "[2001:db8::2]:5060"))
    }

    @Test func ethernetPaddingIsIgnored() {
        // A 20-byte UDP/IPv4 packet padded to Ethernet's 46-byte minimum payload.
        let packet = F.ipv4UDP("10.0.0.1", 40000, "10.0.0.2", 40002, [1, 2, 3, 4])
        let frame = F.ethernet(type: 0x0800, packet + [UInt8](repeating: 0, count: 46 - packet.count))
        #expect(WireDecoder(linkType: .ethernet).decode(frame)
            == .udp(source: "10.0.0.1:40000", destination: "10.0.0.2:40002", payload: [1, 2, 3, 4]))
    }

    @Test func ieee8023WithSNAPCarryingIP() {
        let decoder = WireDecoder(linkType: .ethernet)
        #expect(decoder.decode(F.ethernetSNAP(type: 0x0800, F.ipv4UDP())) == .sipUDP())
    }

    @Test func ieee8023WithoutSNAPIsNotIP() {
        // Spanning tree: LLC 42-42-03.
        let stp = F.macA + F.macB + F.be16(38) + [0x42, 0x42, 0x03] + [UInt8](repeating: 0, count: 35)
        #expect(WireDecoder(linkType: .ethernet).decode(stp) == .dropped(.notIP))
    }

    @Test(arguments: [UInt16(0x0806), 0x88CC, 0x8035, 0x88F7])  // ARP, LLDP, RARP, PTP
    func otherEtherTypesAreNotIP(type: UInt16) {
        let frame = F.ethernet(type: type, [UInt8](repeating: 0, count: 46))
        #expect(WireDecoder(linkType: .ethernet).decode(frame) == .dropped(.notIP))
    }

    @Test func singleVLANTag() {
        let frame = F.ethernet(tags: [(0x8100, 100)], type: 0x0800, F.ipv4UDP())
        #expect(WireDecoder(linkType: .ethernet).decode(frame) == .sipUDP())
    }

    @Test(arguments: [UInt16(0x88A8), 0x9100, 0x9200])
    func qinqTags(outer: UInt16) {
        let frame = F.ethernet(tags: [(outer, 10), (0x8100, 20)], type: 0x86DD, F.ipv6UDP())
        #expect(WireDecoder(linkType: .ethernet).decode(frame) == .sipUDP("[2001:db8::1]:5060", "[2001:db8::2]:5060"))
    }

    @Test func eightStackedTagsDecodeAndNineAreMalformed() {
        let eight = F.ethernet(tags: Array(repeating: (0x88A8, 7), count: 8), type: 0x0800, F.ipv4UDP())
        let nine = F.ethernet(tags: Array(repeating: (0x88A8, 7), count: 9), type: 0x0800, F.ipv4UDP())
        let decoder = WireDecoder(linkType: .ethernet)
        #expect(decoder.decode(eight) == .sipUDP())
        #expect(decoder.decode(nine) == .dropped(.malformed))
    }

    @Test func vlanTaggedARPIsNotIP() {
        let frame = F.ethernet(tags: [(0x8100, 5)], type: 0x0806, [UInt8](repeating: 0, count: 28))
        #expect(WireDecoder(linkType: .ethernet).decode(frame) == .dropped(.notIP))
    }

    @Test func linuxCookedV1() {
        let decoder = WireDecoder(linkType: .linuxSLL)
        #expect(decoder.decode(F.linuxSLL(protocol: 0x0800, F.ipv4UDP())) == .sipUDP())
        #expect(decoder.decode(F.linuxSLL(protocol: 0x86DD, F.ipv6UDP())) == .sipUDP("[2001:db8::1]:5060", "[2001:db8::2]:5060"))
        #expect(decoder.decode(F.linuxSLL(protocol: 0x0806, [UInt8](repeating: 0, count: 28))) == .dropped(.notIP))
    }

    @Test func linuxCookedV1WithVLANTagLeftIn() {
        let frame = F.linuxSLL(protocol: 0x8100, F.be16(42) + F.be16(0x0800) + F.ipv4UDP())
        #expect(WireDecoder(linkType: .linuxSLL).decode(frame) == .sipUDP())
    }

    @Test func linuxCookedV2() {
        let decoder = WireDecoder(linkType: .linuxSLL2)
        #expect(decoder.decode(F.linuxSLL2(protocol: 0x0800, F.ipv4UDP())) == .sipUDP())
        #expect(decoder.decode(F.linuxSLL2(protocol: 0x86DD, F.ipv6UDP())) == .sipUDP("[2001:db8::1]:5060", "[2001:db8::2]:5060"))
    }

    @Test(arguments: [true, false])
    func bsdNullInEitherByteOrder(littleEndian: Bool) {
        let decoder = WireDecoder(linkType: .null)
        #expect(decoder.decode(F.null(family: 2, littleEndian: littleEndian, F.ipv4UDP())) == .sipUDP())
        for family: UInt32 in [10, 24, 28, 30] {
            #expect(decoder.decode(F.null(family: family, littleEndian: littleEndian, F.ipv6UDP()))
                == .sipUDP("[2001:db8::1]:5060", "[2001:db8::2]:5060"))
        }
        #expect(decoder.decode(F.null(family: 7, littleEndian: littleEndian, F.ipv4UDP())) == .dropped(.notIP))
    }

    @Test func openBSDLoop() {
        let decoder = WireDecoder(linkType: .loop)
        #expect(decoder.decode(F.null(family: 2, littleEndian: false, F.ipv4UDP())) == .sipUDP())
        #expect(decoder.decode(F.null(family: 24, littleEndian: false, F.ipv6UDP())) == .sipUDP("[2001:db8::1]:5060", "[2001:db8::2]:5060"))
    }

    @Test func rawIPDecidesByVersionNibble() {
        let decoder = WireDecoder(linkType: .raw)
        #expect(decoder.decode(F.ipv4UDP()) == .sipUDP())
        #expect(decoder.decode(F.ipv6UDP()) == .sipUDP("[2001:db8::1]:5060", "[2001:db8::2]:5060"))
        #expect(decoder.decode([0x50] + [UInt8](repeating: 0, count: 39)) == .dropped(.notIP))
    }

    @Test func bareIPv4AndIPv6LinkTypes() {
        #expect(WireDecoder(linkType: .ipv4).decode(F.ipv4UDP()) == .sipUDP())
        #expect(WireDecoder(linkType: .ipv6).decode(F.ipv6UDP()) == .sipUDP("[2001:db8::1]:5060", "[2001:db8::2]:5060"))
        // The wrong version for the link type is a broken packet, not a different protocol.
        #expect(WireDecoder(linkType: .ipv4).decode(F.ipv6UDP()) == .dropped(.malformed))
        #expect(WireDecoder(linkType: .ipv6).decode(F.ipv4UDP()) == .dropped(.malformed))
    }

    @Test func mplsLabelStackThenIP() {
        let labels = F.be32(100 << 12) + F.be32(200 << 12 | 0x100 | 64)  // second label has bottom-of-stack
        let decoder = WireDecoder(linkType: .ethernet)
        #expect(decoder.decode(F.ethernet(type: 0x8847, labels + F.ipv4UDP())) == .sipUDP())
        #expect(decoder.decode(F.ethernet(type: 0x8847, labels + F.ipv6UDP())) == .sipUDP("[2001:db8::1]:5060", "[2001:db8::2]:5060"))
    }

    @Test func mplsEthernetPseudowireWithControlWord() {
        let label = F.be32(300 << 12 | 0x100 | 64)
        let inner = F.ethernet(type: 0x0800, F.ipv4UDP())
        #expect(WireDecoder(linkType: .ethernet).decode(F.ethernet(type: 0x8847, label + [0, 0, 0, 0] + inner)) == .sipUDP())
    }

    @Test func mplsWithoutBottomOfStackIsMalformed() {
        let labels = [UInt8]((0..<20).flatMap { _ in F.be32(100 << 12) })
        #expect(WireDecoder(linkType: .ethernet).decode(F.ethernet(type: 0x8847, labels)) == .dropped(.malformed))
    }

    @Test func pppoeSession() {
        let pppoe: (UInt16, [UInt8]) -> [UInt8] = { proto, packet in
            [0x11, 0x00] + F.be16(0x0001) + F.be16(UInt16(packet.count + 2)) + F.be16(proto) + packet
        }
        let decoder = WireDecoder(linkType: .ethernet)
        #expect(decoder.decode(F.ethernet(type: 0x8864, pppoe(0x0021, F.ipv4UDP()))) == .sipUDP())
        #expect(decoder.decode(F.ethernet(type: 0x8864, pppoe(0x0057, F.ipv6UDP()))) == .sipUDP("[2001:db8::1]:5060", "[2001:db8::2]:5060"))
        #expect(decoder.decode(F.ethernet(type: 0x8864, pppoe(0xC021, [1, 1, 0, 4]))) == .dropped(.notIP))  // LCP
    }

    @Test func emptyAndTinyFramesAreMalformed() {
        for linkType: LinkType in [.ethernet, .linuxSLL, .linuxSLL2, .null, .loop, .raw, .ipv4, .ipv6] {
            let decoder = WireDecoder(linkType: linkType)
            #expect(decoder.decode([]) == .dropped(.malformed), "\(linkType)")
            #expect(decoder.decode([0x45]) == .dropped(.malformed), "\(linkType)")
        }
    }

    @Test func payloadIsAViewIntoTheFrameNotACopy() {
        let frame = F.ethernet(type: 0x0800, F.ipv4UDP())
        let decoder = WireDecoder(linkType: .ethernet)
        frame.withUnsafeBytes { bytes in
            guard case .udp(let datagram) = decoder.decode(bytes, timestampNanos: 0) else {
                Issue.record("expected UDP")
                return
            }
            #expect(datagram.payload.baseAddress == bytes.baseAddress! + 14 + 20 + 8)
            #expect(datagram.payload.count == FrameBuilder.sip.count)
        }
    }
}
