import Media
import SIP
import Wire

/// Calls known only from their media: RTP between two endpoints that no SDP claims, seen when
/// the capture began after the call was set up. Once `UnsignalledMedia` has seen a pair carry
/// an audio stream, the pair becomes a call of its own: its sides are the two endpoints in
/// address order (the lower one is the caller side), each endpoint is claimed as an SDP would
/// claim it (so the other direction joins the call when it shows), and its payload types have
/// their static meanings. RTP idleness ends it, or a BYE between the same hosts, whose Call-ID
/// then names it. Agent policies see it like any call: the phones that registered from its
/// addresses name its sides (`PhoneAddresses`); between unknown addresses,
/// `calls.recordWithoutAgent` decides.
extension CaptureEngine {
    /// Takes a packet of an unclaimed pair that looks like RTP. True when it was used: held
    /// while the pair is watched, or forwarded with the packets held before it once the pair
    /// became a call.
    func handleUnsignalled(_ key: FlowTable.Key, _ payload: UnsafeRawBufferPointer, nanos: Int64) -> Bool {
        guard configuration.rtpWithoutSignalling, let rtp = RTPPacket.parse(payload),
              UnsignalledMedia.isStaticAudio(rtp.payloadType) else { return false }
        let (confirmed, dropped) = unsignalled.observe(key, rtp, bytes: payload, nanos: nanos)
        counters.rtpWithoutCall += dropped
        guard let slot = confirmed else { return true }
        defer { unsignalled.release(slot) }
        let first = unsignalled.firstHeldNanos(slot) ?? nanos
        guard startUnsignalledCall(key, at: first, payloadType: rtp.payloadType) != nil,
              let (call, sender, claim, weak) = resolve(key) else {
            unsignalled.forEachHeld(slot) { _, _ in counters.rtpWithoutCall += 1 }
            return true
        }
        let binding = bind(key, call: call, sender: sender, claim: claim, weak: weak)
        unsignalled.forEachHeld(slot) { bytes, at in forward(binding, bytes, nanos: at) }
        // The other direction, watched on its own until now, joins with what it held.
        let reverse = FlowTable.Key(source: key.destination, destination: key.source)
        if let other = unsignalled.take(reverse) {
            defer { unsignalled.release(other) }
            if let (call, sender, claim, weak) = resolve(reverse) {
                let binding = bind(reverse, call: call, sender: sender, claim: claim, weak: weak)
                unsignalled.forEachHeld(other) { bytes, at in forward(binding, bytes, nanos: at) }
            } else {
                unsignalled.forEachHeld(other) { _, _ in counters.rtpWithoutCall += 1 }
            }
        }
        return true
    }

    /// Starts the call of a pair that proved to carry audio from `nanos`; its slot, or nil when
    /// the call table had no room.
    private func startUnsignalledCall(_ key: FlowTable.Key, at nanos: Int64, payloadType: UInt8) -> Int? {
        let (low, high) = key.source < key.destination ? (key.source, key.destination) : (key.destination, key.source)
        let id = "rtp:\(low)-\(high)@\(nanos / 1_000_000)"
        guard let events = callTable.startUnsignalled(id: id, nanos: nanos, low: low, high: high, mayEvict: { mayEvict($0) })
        else { return nil }
        apply(events)
        guard let call = callTable.call(id: id) else { return nil }
        // Without an SDP, the static payload types say what the payload is.
        var map = PayloadMap()
        for pt in [payloadType, 0, 8] {
            if let r = RTPMap.staticPayloadType(pt) { map[pt] = Codec(encoding: r.encoding, clockRate: r.clockRate, channels: r.channels) }
        }
        controls[call.slot].declaredPayloadMaps = [map, map]
        let hasEnded: (Int) -> Bool = { [calls] other in other < calls.count && calls[other].ended }
        flows.claim(high, call: call.slot, side: .callee, isAudio: true, isEncrypted: false, yields: hasEnded)
        flows.claim(low, call: call.slot, side: .caller, isAudio: true, isEncrypted: false, yields: hasEnded)
        return call.slot
    }

    /// Whether `call` gives up an address that an SDP or a declared session claims now: it has
    /// ended, or it is known only from its media (signalling describes the address better; the
    /// call loses its flows and ends when its media idles).
    func yieldsToSignalling(_ call: Int) -> Bool {
        guard call < calls.count else { return false }
        return calls[call].ended || callObjects[call]?.isUnsignalled == true
    }
}
