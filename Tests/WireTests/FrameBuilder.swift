import Wire

/// Builds frames byte by byte, the way they appear on the wire, so tests do not depend on libpcap
/// or on Wire's own code to produce their input.
enum FrameBuilder {
    static let sip = Array("INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1\r\n\r\n".utf8)

    // MARK: Numbers

    static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    static func be32(_ value: UInt32) -> [UInt8] { be16(UInt16(value >> 16)) + be16(UInt16(value & 0xFFFF)) }

    static func addressBytes(_ text: String) -> [UInt8] {
        let address = IPAddress(text)!
        if let v4 = address.ipv4Value { return be32(v4) }
        return be32(UInt32(address.high >> 32)) + be32(UInt32(address.high & 0xFFFF_FFFF))
            + be32(UInt32(address.low >> 32)) + be32(UInt32(address.low & 0xFFFF_FFFF))
    }

    // MARK: Link layers

    static let macA: [UInt8] = [0x00, 0x50, 0x56, 0x01, 0x02, 0x03]
    static let macB: [UInt8] = [0x00, 0x50, 0x56, 0x0A, 0x0B, 0x0C]

    static func ethernet(type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        macA + macB + be16(type) + payload
    }

    /// An 802.1Q/802.1ad tag as it sits between the MAC addresses and the ethertype.
    static func ethernet(tags: [(tpid: UInt16, vlan: UInt16)], type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        var frame = macA + macB
        for tag in tags { frame += be16(tag.tpid) + be16(tag.vlan & 0x0FFF) }
        return frame + be16(type) + payload
    }

    /// 802.3 with a length field, LLC AA-AA-03 and SNAP (OUI 0, ethertype).
    static func ethernetSNAP(type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        let llcSnap: [UInt8] = [0xAA, 0xAA, 0x03, 0x00, 0x00, 0x00] + be16(type)
        return macA + macB + be16(UInt16(llcSnap.count + payload.count)) + llcSnap + payload
    }

    static func linuxSLL(protocol type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        // packet type 0 (to us), ARPHRD_ETHER 1, address length 6, address padded to 8, protocol.
        [0x00, 0x00, 0x00, 0x01, 0x00, 0x06] + macA + [0x00, 0x00] + be16(type) + payload
    }

    static func linuxSLL2(protocol type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        // protocol, reserved, interface index, ARPHRD_ETHER, packet type, address length, address.
        be16(type) + [0x00, 0x00] + be32(2) + be16(1) + [0x00, 0x06] + macA + [0x00, 0x00] + payload
    }

    static func null(family: UInt32, littleEndian: Bool, _ payload: [UInt8]) -> [UInt8] {
        (littleEndian ? be32(family).reversed() : be32(family)) + payload
    }

    // MARK: IP

    static func ipv4(
        _ source: String, _ destination: String, protocol number: UInt8, _ payload: [UInt8],
        identification: UInt16 = 0x1234, fragmentOffset: Int = 0, moreFragments: Bool = false,
        dontFragment: Bool = false, options: [UInt8] = [], totalLength: Int? = nil
    ) -> [UInt8] {
        precondition(options.count % 4 == 0 && fragmentOffset % 8 == 0)
        let headerLength = 20 + options.count
        let length = totalLength ?? headerLength + payload.count
        var flags = UInt16(fragmentOffset / 8)
        if moreFragments { flags |= 0x2000 }
        if dontFragment { flags |= 0x4000 }
        var header: [UInt8] = [0x40 | UInt8(headerLength / 4), 0x00] + be16(UInt16(length))
        header += be16(identification) + be16(flags) + [64, number] + [0xDE, 0xAD]  // a wrong checksum on purpose
        header += addressBytes(source) + addressBytes(destination) + options
        return header + payload
    }

    static func ipv6(
        _ source: String, _ destination: String, nextHeader: UInt8, _ payload: [UInt8], payloadLength: Int? = nil
    ) -> [UInt8] {
        [0x60, 0x00, 0x00, 0x00] + be16(UInt16(payloadLength ?? payload.count)) + [nextHeader, 64]
            + addressBytes(source) + addressBytes(destination) + payload
    }

    /// A hop-by-hop, routing, destination-options or mobility header padded to `units` × 8 bytes.
    static func ipv6Extension(nextHeader: UInt8, units: Int = 1) -> [UInt8] {
        // Options area: PadN filling the rest, so a real stack would accept it too.
        let bodyLength = units * 8 - 2
        return [nextHeader, UInt8(units - 1), 0x01, UInt8(bodyLength - 2)] + [UInt8](repeating: 0, count: bodyLength - 2)
    }

    static func ipv6Fragment(nextHeader: UInt8, offset: Int, moreFragments: Bool, identification: UInt32) -> [UInt8] {
        precondition(offset % 8 == 0)
        return [nextHeader, 0] + be16(UInt16(offset / 8) << 3 | (moreFragments ? 1 : 0)) + be32(identification)
    }

    /// An authentication header with a 12-byte ICV (the HMAC-SHA1-96 size): 24 bytes in all.
    static func authenticationHeader(nextHeader: UInt8) -> [UInt8] {
        [nextHeader, 4, 0, 0] + be32(0x100) + be32(1) + [UInt8](repeating: 0xA5, count: 12)
    }

    // MARK: Transport

    static func udp(_ sourcePort: UInt16, _ destinationPort: UInt16, _ payload: [UInt8], length: Int? = nil) -> [UInt8] {
        be16(sourcePort) + be16(destinationPort) + be16(UInt16(length ?? 8 + payload.count)) + [0xBE, 0xEF] + payload
    }

    static func tcp(
        _ sourcePort: UInt16, _ destinationPort: UInt16, sequence: UInt32, acknowledgement: UInt32, flags: UInt8,
        options: [UInt8] = [], _ payload: [UInt8]
    ) -> [UInt8] {
        precondition(options.count % 4 == 0)
        let offset = UInt8((20 + options.count) / 4) << 4
        return be16(sourcePort) + be16(destinationPort) + be32(sequence) + be32(acknowledgement)
            + [offset, flags] + be16(65535) + [0, 0] + [0, 0] + options + payload
    }

    // MARK: Tunnels

    static func gre(protocolType: UInt16, checksum: Bool = false, key: UInt32? = nil, sequence: UInt32? = nil, _ payload: [UInt8]) -> [UInt8] {
        var flags: UInt16 = 0
        if checksum { flags |= 0x8000 }
        if key != nil { flags |= 0x2000 }
        if sequence != nil { flags |= 0x1000 }
        var header = be16(flags) + be16(protocolType)
        if checksum { header += [0x12, 0x34, 0, 0] }
        if let key { header += be32(key) }
        if let sequence { header += be32(sequence) }
        return header + payload
    }

    /// ERSPAN type II header: version 1, VLAN 0, COS/En/T, session 42, index.
    static func erspanII(_ mirrored: [UInt8]) -> [UInt8] {
        [0x10, 0x00, 0x00, 42, 0x00, 0x00, 0x00, 0x07] + mirrored
    }

    /// ERSPAN type III header (version 2), with the optional platform sub-header when `platform`.
    static func erspanIII(platform: Bool, frameType: UInt8 = 0, _ mirrored: [UInt8]) -> [UInt8] {
        var header: [UInt8] = [0x20, 0x00, 0x00, 42] + be32(0xCAFE_F00D)  // version/VLAN/session, timestamp
        header += [0x00, 0x00]  // SGT
        header += [(frameType & 0x1F) << 2, platform ? 0x01 : 0x00]  // P FT HwID | HwID D Gra O
        if platform { header += [0x08, 0, 0, 0, 0, 0, 0, 0] }  // platform id 1 + info
        return header + mirrored
    }

    static func vxlan(vni: UInt32, flags: UInt8 = 0x08, _ ethernetFrame: [UInt8]) -> [UInt8] {
        [flags, 0, 0, 0] + be32(vni << 8) + ethernetFrame
    }

    // MARK: Whole packets

    static func ipv4UDP(
        _ source: String = "10.0.0.1", _ sourcePort: UInt16 = 5060, _ destination: String = "10.0.0.2",
        _ destinationPort: UInt16 = 5060, _ payload: [UInt8] = sip
    ) -> [UInt8] {
        ipv4(source, destination, protocol: 17, udp(sourcePort, destinationPort, payload))
    }

    static func ipv6UDP(
        _ source: String = "2001:db8::1", _ sourcePort: UInt16 = 5060, _ destination: String = "2001:db8::2",
        _ destinationPort: UInt16 = 5060, _ payload: [UInt8] = sip
    ) -> [UInt8] {
        ipv6(source, destination, nextHeader: 17, udp(sourcePort, destinationPort, payload))
    }
}
