import SIP
import Wire

extension CaptureEngine {
    /// A TCP segment: SIP over TCP or WebSocket. Segments of connections that neither use a SIP
    /// port nor started like SIP (or a WebSocket upgrade) are counted, not kept.
    func handleTCP(_ segment: TCPSegment, nanos: Int64) {
        let key = TCPReassembler.StreamKey(source: segment.source, destination: segment.destination)
        if framers[key] == nil {
            let isSIPPort = configuration.sipPorts.contains(segment.source.port) || configuration.sipPorts.contains(segment.destination.port)
            let startsLikeSIP = SIPParser.looksLikeSIP(segment.payload) || Self.startsWebSocketUpgrade(segment.payload)
            guard isSIPPort || startsLikeSIP || framers[TCPReassembler.StreamKey(source: key.destination, destination: key.source)] != nil else {
                counters.tcp += 1
                return
            }
            guard !segment.payload.isEmpty || segment.flags & TCPSegment.syn != 0 else { return }
            framers[key] = SIPStreamFramer()
        }
        tcp.process(segment, nanos: nanos, deliver: { key, bytes in
            deliverStream(key, bytes, nanos: nanos)
        }, gap: { key, skipped in
            // Bytes were lost on the mirror: drop the partial message and look for the next one.
            if skipped == 0 { framers[key] = SIPStreamFramer() } else { framers[key]?.resynchronise() }
        })
    }

    private func deliverStream(_ key: TCPReassembler.StreamKey, _ bytes: UnsafeRawBufferPointer, nanos: Int64) {
        guard let framer = framers[key] else { return }
        framer.append(bytes, message: { message in
            handleSIPMessage(message, source: key.source, destination: key.destination, nanos: nanos)
        }, malformed: { _ in
            counters.malformedSip += 1
        })
    }

    /// Once a capture second: streams idle past the timeout deliver what they held and are forgotten.
    func expireStreams(now: Int64) {
        let gone = tcp.expire(now: now, deliver: { key, bytes in
            deliverStream(key, bytes, nanos: nowNanos)
        }, gap: { key, _ in
            framers[key]?.resynchronise()
        })
        for key in gone { framers[key] = nil }
    }

    /// `GET `: a WebSocket upgrade may follow. Checked byte by byte, since every segment of every
    /// TCP connection not yet known to carry SIP comes through here.
    @inline(__always)
    static func startsWebSocketUpgrade(_ payload: UnsafeRawBufferPointer) -> Bool {
        payload.count >= 4 && payload[0] == 0x47 && payload[1] == 0x45 && payload[2] == 0x54 && payload[3] == 0x20
    }
}
