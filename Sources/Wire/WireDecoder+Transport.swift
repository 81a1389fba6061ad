// UDP and TCP headers: the end of the chain, unless a UDP port says VXLAN.

extension WireDecoder {
    func decodeUDP(
        source: IPAddress, destination: IPAddress, _ segment: UnsafeRawBufferPointer, depth: Int
    ) -> WireResult {
        guard segment.count >= 8 else { return .dropped(.malformed) }
        let length = Int(segment.readUInt16(at: 4))
        guard length >= 8 else { return .dropped(.malformed) }
        // The IP length already bounds the datagram; a UDP length past it cannot be believed.
        let end = min(length, segment.count)
        let sourcePort = segment.readUInt16(at: 0)
        let destinationPort = segment.readUInt16(at: 2)
        let payload = segment.slice(8, end)
        if isVXLANPort(destinationPort), let inner = decodeVXLAN(payload, depth: depth) {
            return inner
        }
        return .udp(UDPDatagram(
            source: Endpoint(address: source, port: sourcePort),
            destination: Endpoint(address: destination, port: destinationPort),
            payload: payload))
    }

    func decodeTCP(source: IPAddress, destination: IPAddress, _ segment: UnsafeRawBufferPointer) -> WireResult {
        guard segment.count >= 20 else { return .dropped(.malformed) }
        let headerLength = Int(segment[12] >> 4) * 4
        guard headerLength >= 20, headerLength <= segment.count else { return .dropped(.malformed) }
        return .tcp(TCPSegment(
            source: Endpoint(address: source, port: segment.readUInt16(at: 0)),
            destination: Endpoint(address: destination, port: segment.readUInt16(at: 2)),
            sequenceNumber: segment.readUInt32(at: 4),
            acknowledgementNumber: segment.readUInt32(at: 8),
            flags: segment[13],
            payload: segment.dropping(headerLength)))
    }
}
