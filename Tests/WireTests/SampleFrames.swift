import Wire

/// One valid frame of each shape Wire decodes, with what it must decode to: the corpus the
/// truncation and mutation tests start from.
struct SampleFrame: Sendable, CustomStringConvertible {
    var name: String
    var linkType: LinkType
    var frame: [UInt8]
    var expected: DecodedFrame

    var description: String { name }
}

enum SampleFrames {
    typealias F = FrameBuilder
    static let v4 = DecodedFrame.sipUDP()
    static let v6 = DecodedFrame.sipUDP("[2001:db8::1]:5060", "[2001:db8::2]:5060")
    static func outerV4(_ protocolNumber: UInt8, _ payload: [UInt8]) -> [UInt8] {
        F.ipv4("192.168.1.213", "192.168.8.68", protocol: protocolNumber, payload)
    }

    static let all: [SampleFrame] = [
        SampleFrame(name: "ethernet ipv4 udp", linkType: .ethernet, frame: F.ethernet(type: 0x0800, F.ipv4UDP()), expected: v4),
        SampleFrame(name: "ethernet padded", linkType: .ethernet,
                    frame: F.ethernet(type: 0x0800, F.ipv4UDP("10.0.0.1", 1, "10.0.0.2", 2, [7]) + [UInt8](repeating: 0, count: 17)),
                    expected: .udp(source: "10.0.0.1:1", destination: "10.0.0.2:2", payload: [7])),
        SampleFrame(name: "ethernet ipv6 extension headers", linkType: .ethernet,
                    frame: F.ethernet(type: 0x86DD, F.ipv6("2001:db8::1", "2001:db8::2", nextHeader: 0,
                        F.ipv6Extension(nextHeader: 60) + F.ipv6Extension(nextHeader: 51, units: 2)
                            + F.authenticationHeader(nextHeader: 17) + F.udp(5060, 5060, F.sip))),
                    expected: v6),
        SampleFrame(name: "ipv4 options tcp", linkType: .raw,
                    frame: F.ipv4("10.0.0.1", "10.0.0.2", protocol: 6,
                        F.tcp(5060, 5060, sequence: 1, acknowledgement: 2, flags: 0x18, options: [1, 1, 1, 0], F.sip),
                        options: [0x94, 0x04, 0, 0]),
                    expected: .tcp(source: "10.0.0.1:5060", destination: "10.0.0.2:5060", sequence: 1, acknowledgement: 2, flags: 0x18, payload: F.sip)),
        SampleFrame(name: "802.3 snap", linkType: .ethernet, frame: F.ethernetSNAP(type: 0x0800, F.ipv4UDP()), expected: v4),
        SampleFrame(name: "qinq", linkType: .ethernet,
                    frame: F.ethernet(tags: [(0x88A8, 100), (0x8100, 200)], type: 0x86DD, F.ipv6UDP()), expected: v6),
        SampleFrame(name: "sll", linkType: .linuxSLL, frame: F.linuxSLL(protocol: 0x0800, F.ipv4UDP()), expected: v4),
        SampleFrame(name: "sll2", linkType: .linuxSLL2, frame: F.linuxSLL2(protocol: 0x86DD, F.ipv6UDP()), expected: v6),
        SampleFrame(name: "null", linkType: .null, frame: F.null(family: 2, littleEndian: true, F.ipv4UDP()), expected: v4),
        SampleFrame(name: "loop", linkType: .loop, frame: F.null(family: 24, littleEndian: false, F.ipv6UDP()), expected: v6),
        SampleFrame(name: "raw", linkType: .raw, frame: F.ipv6UDP(), expected: v6),
        SampleFrame(name: "mpls", linkType: .ethernet,
                    frame: F.ethernet(type: 0x8847, F.be32(16 << 12 | 0x100 | 64) + F.ipv4UDP()), expected: v4),
        SampleFrame(name: "gre ipv4", linkType: .ethernet,
                    frame: F.ethernet(type: 0x0800, outerV4(47, F.gre(protocolType: 0x0800, F.ipv4UDP()))), expected: v4),
        SampleFrame(name: "gre c k s ipv6", linkType: .ethernet,
                    frame: F.ethernet(type: 0x0800, outerV4(47, F.gre(protocolType: 0x86DD, checksum: true, key: 5, sequence: 6, F.ipv6UDP()))),
                    expected: v6),
        SampleFrame(name: "gre transparent ethernet", linkType: .ethernet,
                    frame: F.ethernet(type: 0x0800, outerV4(47, F.gre(protocolType: 0x6558, key: 0, F.ethernet(type: 0x0800, F.ipv4UDP()))))
                    , expected: v4),
        SampleFrame(name: "erspan II", linkType: .ethernet,
                    frame: F.ethernet(type: 0x0800, outerV4(47, F.gre(protocolType: 0x88BE, sequence: 1,
                        F.erspanII(F.ethernet(tags: [(0x8100, 30)], type: 0x0800, F.ipv4UDP())))))
                    , expected: v4),
        SampleFrame(name: "erspan III platform", linkType: .ethernet,
                    frame: F.ethernet(type: 0x0800, outerV4(47, F.gre(protocolType: 0x22EB, sequence: 1,
                        F.erspanIII(platform: true, F.ethernet(type: 0x86DD, F.ipv6UDP())))))
                    , expected: v6),
        SampleFrame(name: "ipip", linkType: .ethernet, frame: F.ethernet(type: 0x0800, outerV4(4, F.ipv4UDP())), expected: v4),
        SampleFrame(name: "6in4", linkType: .ethernet, frame: F.ethernet(type: 0x0800, outerV4(41, F.ipv6UDP())), expected: v6),
        SampleFrame(name: "vxlan", linkType: .ethernet,
                    frame: F.ethernet(type: 0x0800, outerV4(17, F.udp(49152, 4789, F.vxlan(vni: 7, F.ethernet(type: 0x0800, F.ipv4UDP())))))
                    , expected: v4),
    ]
}
