// IPv4 and IPv6 headers, the IPv6 extension header chain, and the hand-off to fragment reassembly.
// Checksums are not checked: mirror ports carry packets whose checksums the NIC fills in later.

extension WireDecoder {
    func decodeIPv4(_ packet: UnsafeRawBufferPointer, depth: Int) -> WireResult {
        guard packet.count >= 20, packet[0] >> 4 == 4 else { return .dropped(.malformed) }
        let headerLength = Int(packet[0] & 0x0F) * 4
        guard headerLength >= 20 else { return .dropped(.malformed) }
        var totalLength = Int(packet.readUInt16(at: 2))
        // A segmentation-offloaded packet captured on its sender can carry 0 here.
        if totalLength == 0 { totalLength = packet.count }
        // Trust the header over the frame when it is shorter (Ethernet padding); a frame shorter than
        // the header says is truncated, and a partial datagram is of no use upstream.
        guard totalLength >= headerLength, totalLength <= packet.count else { return .dropped(.malformed) }

        let source = packet.readIPv4Address(at: 12)
        let destination = packet.readIPv4Address(at: 16)
        let protocolNumber = packet[9]
        let payload = packet.slice(headerLength, totalLength)

        let fragmentField = packet.readUInt16(at: 6)
        if fragmentField & 0x3FFF == 0 {
            return decodeIPPayload(
                protocolNumber, source: source, destination: destination, payload,
                isIPv6: false, reassembled: false, depth: depth)
        }
        let key = FragmentKey(
            source: source, destination: destination,
            identification: UInt32(packet.readUInt16(at: 4)), protocolNumber: UInt16(protocolNumber))
        let outcome = reassembler.add(
            key: key, offset: Int(fragmentField & 0x1FFF) * 8, moreFragments: fragmentField & 0x2000 != 0,
            data: payload, nextHeader: protocolNumber, headerLength: headerLength)
        switch outcome {
        case .held:
            return .held
        case .dropped(let drop):
            return .dropped(drop)
        case .complete(let datagram, let nextHeader):
            return decodeIPPayload(
                nextHeader, source: source, destination: destination, datagram,
                isIPv6: false, reassembled: true, depth: depth)
        }
    }

    func decodeIPv6(_ packet: UnsafeRawBufferPointer, depth: Int) -> WireResult {
        guard packet.count >= 40, packet[0] >> 4 == 6 else { return .dropped(.malformed) }
        var payloadLength = Int(packet.readUInt16(at: 4))
        // 0 means a jumbogram (length in a hop-by-hop option) or a segmentation-offloaded packet.
        if payloadLength == 0 { payloadLength = packet.count - 40 }
        guard 40 + payloadLength <= packet.count else { return .dropped(.malformed) }
        return decodeIPPayload(
            packet[6], source: packet.readIPv6Address(at: 8), destination: packet.readIPv6Address(at: 24),
            packet.slice(40, 40 + payloadLength), isIPv6: true, reassembled: false, depth: depth)
    }

    /// Follows IPv6 extension headers (and AH, in either version) to the transport or tunnel header.
    func decodeIPPayload(
        _ firstHeader: UInt8, source: IPAddress, destination: IPAddress, _ payload: UnsafeRawBufferPointer,
        isIPv6: Bool, reassembled: Bool, depth: Int
    ) -> WireResult {
        var next = firstHeader
        var offset = 0
        var headers = 0
        while true {
            switch next {
            case IPProtocolNumber.udp:
                return decodeUDP(source: source, destination: destination, payload.dropping(offset), depth: depth)
            case IPProtocolNumber.tcp:
                return decodeTCP(source: source, destination: destination, payload.dropping(offset))
            case IPProtocolNumber.ipv4Encapsulation:
                guard depth < WireDecoder.maxEncapsulationDepth else { return .dropped(.malformed) }
                return decodeIPv4(payload.dropping(offset), depth: depth + 1)
            case IPProtocolNumber.ipv6Encapsulation:
                guard depth < WireDecoder.maxEncapsulationDepth else { return .dropped(.malformed) }
                return decodeIPv6(payload.dropping(offset), depth: depth + 1)
            case IPProtocolNumber.gre:
                return decodeGRE(payload.dropping(offset), depth: depth)
            case IPProtocolNumber.authenticationHeader:
                // AH authenticates but does not hide: the transport header follows it in clear.
                guard payload.count - offset >= 8 else { return .dropped(.malformed) }
                let length = (Int(payload[offset + 1]) + 2) * 4
                guard payload.count - offset >= length else { return .dropped(.malformed) }
                next = payload[offset]
                offset += length
            case IPProtocolNumber.hopByHopOptions, IPProtocolNumber.routing, IPProtocolNumber.destinationOptions,
                IPProtocolNumber.mobility, IPProtocolNumber.hostIdentity, IPProtocolNumber.shim6:
                guard isIPv6 else { return .dropped(.unsupportedTransport) }
                guard payload.count - offset >= 8 else { return .dropped(.malformed) }
                let length = (Int(payload[offset + 1]) + 1) * 8
                guard payload.count - offset >= length else { return .dropped(.malformed) }
                next = payload[offset]
                offset += length
            case IPProtocolNumber.fragment:
                guard isIPv6 else { return .dropped(.unsupportedTransport) }
                guard payload.count - offset >= 8 else { return .dropped(.malformed) }
                let fragmentNextHeader = payload[offset]
                let offsetAndFlags = payload.readUInt16(at: offset + 2)
                let identification = payload.readUInt32(at: offset + 4)
                let fragmentOffset = Int(offsetAndFlags >> 3) * 8
                let moreFragments = offsetAndFlags & 0x0001 != 0
                let unfragmentableLength = offset
                offset += 8
                // An atomic fragment (RFC 6946) is a whole datagram: decode it in place.
                if fragmentOffset == 0 && !moreFragments {
                    next = fragmentNextHeader
                    break
                }
                // A fragment header inside a reassembled datagram would need a second round: refuse.
                guard !reassembled else { return .dropped(.malformed) }
                return reassembleIPv6(
                    FragmentKey(source: source, destination: destination, identification: identification,
                                protocolNumber: FragmentKey.ipv6),
                    offset: fragmentOffset, moreFragments: moreFragments, data: payload.dropping(offset),
                    nextHeader: fragmentNextHeader, unfragmentableLength: unfragmentableLength, depth: depth)
            default:
                // No Next Header (59), ESP, ICMP, SCTP and the rest.
                return .dropped(.unsupportedTransport)
            }
            headers += 1
            guard headers <= 32 else { return .dropped(.malformed) }
        }
    }

    private func reassembleIPv6(
        _ key: FragmentKey, offset: Int, moreFragments: Bool, data: UnsafeRawBufferPointer, nextHeader: UInt8,
        unfragmentableLength: Int, depth: Int
    ) -> WireResult {
        let outcome = reassembler.add(
            key: key, offset: offset, moreFragments: moreFragments, data: data, nextHeader: nextHeader,
            headerLength: unfragmentableLength)
        switch outcome {
        case .held:
            return .held
        case .dropped(let drop):
            return .dropped(drop)
        case .complete(let datagram, let firstHeader):
            // The fragmentable part may itself start with extension headers (destination options).
            return decodeIPPayload(
                firstHeader, source: key.source, destination: key.destination, datagram,
                isIPv6: true, reassembled: true, depth: depth)
        }
    }
}
