// Tunnels a mirror port delivers traffic in: GRE (with ERSPAN I/II/III and transparent Ethernet)
// and VXLAN. IP-in-IP is two protocol numbers and lives with the IP chain.

extension WireDecoder {
    func decodeGRE(_ packet: UnsafeRawBufferPointer, depth: Int) -> WireResult {
        guard depth < WireDecoder.maxEncapsulationDepth else { return .dropped(.malformed) }
        guard packet.count >= 4 else { return .dropped(.malformed) }
        let flags = packet.readUInt16(at: 0)
        let protocolType = packet.readUInt16(at: 2)
        // Version 1 is PPTP's enhanced GRE, which carries PPP; RFC 1701 source routing is obsolete.
        guard flags & 0x0007 == 0, flags & 0x4000 == 0 else { return .dropped(.unsupportedTransport) }
        let hasChecksum = flags & 0x8000 != 0
        let hasKey = flags & 0x2000 != 0
        let hasSequence = flags & 0x1000 != 0
        let headerLength = 4 + (hasChecksum ? 4 : 0) + (hasKey ? 4 : 0) + (hasSequence ? 4 : 0)
        guard packet.count >= headerLength else { return .dropped(.malformed) }
        let inner = packet.dropping(headerLength)
        let innerDepth = depth + 1

        switch protocolType {
        case EtherType.transparentEthernet:
            return decodeEthernet(inner, depth: innerDepth)
        case EtherType.erspanTypeII:
            // Type I has no ERSPAN header and no GRE sequence number; type II has both.
            guard hasSequence else { return decodeEthernet(inner, depth: innerDepth) }
            guard inner.count >= 8 else { return .dropped(.malformed) }
            return decodeEthernet(inner.dropping(8), depth: innerDepth)
        case EtherType.erspanTypeIII:
            guard inner.count >= 12 else { return .dropped(.malformed) }
            // O flag: an 8-byte platform-specific sub-header follows.
            let erspanLength = inner[11] & 0x01 != 0 ? 20 : 12
            guard inner.count >= erspanLength else { return .dropped(.malformed) }
            let mirrored = inner.dropping(erspanLength)
            // Frame type 2 mirrors bare IP packets; 0 (and anything else) Ethernet frames.
            let frameType = (inner[10] >> 2) & 0x1F
            if frameType == 2 { return decodeRawIP(mirrored, depth: innerDepth) }
            return decodeEthernet(mirrored, depth: innerDepth)
        default:
            return decodeEtherType(protocolType, inner, depth: innerDepth)
        }
    }

    /// nil when the payload is not VXLAN after all (the I flag is clear): the datagram is then
    /// handed on as plain UDP rather than decoded as garbage.
    func decodeVXLAN(_ payload: UnsafeRawBufferPointer, depth: Int) -> WireResult? {
        guard payload.count >= 8, payload[0] & 0x08 != 0 else { return nil }
        guard depth < WireDecoder.maxEncapsulationDepth else { return .dropped(.malformed) }
        return decodeEthernet(payload.dropping(8), depth: depth + 1)
    }
}
