import Wire

/// A copy of a `WireResult` that outlives the frame's memory and compares with `==`, with endpoints
/// as text so expectations read like a packet trace.
enum DecodedFrame: Equatable, Sendable, CustomStringConvertible {
    case udp(source: String, destination: String, payload: [UInt8])
    case tcp(source: String, destination: String, sequence: UInt32, acknowledgement: UInt32, flags: UInt8, payload: [UInt8])
    case held
    case dropped(WireDrop)

    init(_ result: WireResult) {
        switch result {
        case .udp(let datagram):
            self = .udp(source: "\(datagram.source)", destination: "\(datagram.destination)", payload: [UInt8](datagram.payload))
        case .tcp(let segment):
            self = .tcp(
                source: "\(segment.source)", destination: "\(segment.destination)",
                sequence: segment.sequenceNumber, acknowledgement: segment.acknowledgementNumber,
                flags: segment.flags, payload: [UInt8](segment.payload))
        case .held:
            self = .held
        case .dropped(let drop):
            self = .dropped(drop)
        }
    }

    var description: String {
        switch self {
        case .udp(let s, let d, let p): "udp \(s) → \(d) \(p.count) bytes"
        case .tcp(let s, let d, let seq, let ack, let f, let p): "tcp \(s) → \(d) seq \(seq) ack \(ack) flags \(f) \(p.count) bytes"
        case .held: "held"
        case .dropped(let drop): "dropped(\(drop.name))"
        }
    }

    static func sipUDP(_ source: String = "10.0.0.1:5060", _ destination: String = "10.0.0.2:5060") -> DecodedFrame {
        .udp(source: source, destination: destination, payload: FrameBuilder.sip)
    }
}

extension WireDecoder {
    /// Decodes a frame held in an array, copying the outcome before the array's memory goes away.
    func decode(_ frame: [UInt8], at timestampNanos: Int64 = 0) -> DecodedFrame {
        frame.withUnsafeBytes { DecodedFrame(decode($0, timestampNanos: timestampNanos)) }
    }
}
