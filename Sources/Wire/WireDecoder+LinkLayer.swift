// Link layers and the shims between them and IP: Ethernet II and 802.3 LLC/SNAP, VLAN tag stacks,
// BSD loopback families, MPLS label stacks and PPPoE sessions.

extension WireDecoder {
    func decodeEthernet(_ frame: UnsafeRawBufferPointer, depth: Int) -> WireResult {
        guard frame.count >= 14 else { return .dropped(.malformed) }
        let typeOrLength = frame.readUInt16(at: 12)
        if typeOrLength >= 0x0600 {
            return decodeEtherType(typeOrLength, frame.dropping(14), depth: depth)
        }
        guard typeOrLength <= 1500 else { return .dropped(.notIP) }
        // 802.3 with a length: only LLC + SNAP (AA AA 03, OUI, ethertype) can carry IP the usual way.
        guard frame.count >= 17 else { return .dropped(.malformed) }
        guard frame[14] == 0xAA, frame[15] == 0xAA, frame[16] == 0x03 else { return .dropped(.notIP) }
        guard frame.count >= 22 else { return .dropped(.malformed) }
        return decodeEtherType(frame.readUInt16(at: 20), frame.dropping(22), depth: depth)
    }

    /// Dispatches on an ethertype, first peeling any stack of 802.1Q / 802.1ad tags.
    func decodeEtherType(_ etherType: UInt16, _ payload: UnsafeRawBufferPointer, depth: Int) -> WireResult {
        var type = etherType
        var bytes = payload
        var tags = 0
        while true {
            switch type {
            case EtherType.ipv4:
                return decodeIPv4(bytes, depth: depth)
            case EtherType.ipv6:
                return decodeIPv6(bytes, depth: depth)
            case EtherType.vlan, EtherType.qinq, EtherType.qinqLegacy9100, EtherType.qinqLegacy9200:
                tags += 1
                guard tags <= WireDecoder.maxVLANTags, bytes.count >= 4 else { return .dropped(.malformed) }
                type = bytes.readUInt16(at: 2)
                bytes = bytes.dropping(4)
            case EtherType.mplsUnicast, EtherType.mplsMulticast:
                return decodeMPLS(bytes, depth: depth)
            case EtherType.pppoeSession:
                return decodePPPoESession(bytes, depth: depth)
            default:
                return .dropped(.notIP)
            }
        }
    }

    /// BSD NULL and OpenBSD LOOP: a 4-byte address family. NULL writes it in the capturing host's byte
    /// order, which the file does not say, so both orders are read: families are small numbers.
    func decodeLoopback(_ frame: UnsafeRawBufferPointer) -> WireResult {
        guard frame.count >= 4 else { return .dropped(.malformed) }
        let bigEndian = frame.readUInt32(at: 0)
        let family = bigEndian & 0xFFFF_0000 == 0 ? bigEndian : bigEndian.byteSwapped
        let packet = frame.dropping(4)
        switch family {
        case 2:
            return decodeIPv4(packet, depth: 0)
        case 10, 24, 28, 30:  // AF_INET6 on Linux, NetBSD/OpenBSD, FreeBSD, Darwin
            return decodeIPv6(packet, depth: 0)
        default:
            return .dropped(.notIP)
        }
    }

    /// An IP packet with no link header: the version nibble decides.
    func decodeRawIP(_ packet: UnsafeRawBufferPointer, depth: Int) -> WireResult {
        guard packet.count >= 1 else { return .dropped(.malformed) }
        switch packet[0] >> 4 {
        case 4: return decodeIPv4(packet, depth: depth)
        case 6: return decodeIPv6(packet, depth: depth)
        default: return .dropped(.notIP)
        }
    }

    /// An MPLS label stack, then what the first nibble after the bottom label suggests (MPLS does not
    /// say): IPv4, IPv6, or 0 for an Ethernet pseudowire's control word (RFC 4448).
    func decodeMPLS(_ payload: UnsafeRawBufferPointer, depth: Int) -> WireResult {
        var offset = 0
        var labels = 0
        while true {
            labels += 1
            guard labels <= 16, payload.count >= offset + 4 else { return .dropped(.malformed) }
            let bottomOfStack = payload[offset + 2] & 0x01 != 0
            offset += 4
            if bottomOfStack { break }
        }
        guard payload.count > offset else { return .dropped(.malformed) }
        switch payload[offset] >> 4 {
        case 4:
            return decodeIPv4(payload.dropping(offset), depth: depth)
        case 6:
            return decodeIPv6(payload.dropping(offset), depth: depth)
        case 0:
            guard depth < WireDecoder.maxEncapsulationDepth else { return .dropped(.malformed) }
            guard payload.count >= offset + 4 else { return .dropped(.malformed) }
            return decodeEthernet(payload.dropping(offset + 4), depth: depth + 1)
        default:
            return .dropped(.notIP)
        }
    }

    /// A PPPoE session header (6 bytes) and the PPP protocol number.
    func decodePPPoESession(_ payload: UnsafeRawBufferPointer, depth: Int) -> WireResult {
        guard payload.count >= 8 else { return .dropped(.malformed) }
        let packet = payload.dropping(8)
        switch payload.readUInt16(at: 6) {
        case 0x0021: return decodeIPv4(packet, depth: depth)
        case 0x0057: return decodeIPv6(packet, depth: depth)
        default: return .dropped(.notIP)
        }
    }
}
