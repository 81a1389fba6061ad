/// What one frame decoded to: the innermost UDP or TCP payload, a fragment kept for later, or a drop.
public enum WireResult {
    case udp(UDPDatagram)
    case tcp(TCPSegment)
    /// A fragment was stored (or recognised as a copy of one already stored or just reassembled);
    /// nothing to hand on yet. Its fate is reported later: as part of a reassembled datagram, or
    /// through `WireDecoder.takeEvictedCounts()` if its datagram expires or is evicted.
    case held
    case dropped(WireDrop)
}
