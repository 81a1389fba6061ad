import Media

/// The encoder of one stream, as a closed set of cases rather than an existential, so that the
/// per-packet call is a plain switch.
enum DeskFrameEncoder {
    case muLaw
    case aLaw
    case g722(G722Encoder)
    case opus(OpusEncoder)

    init(_ codec: DeskCodec) {
        switch codec {
        case .pcmu: self = .muLaw
        case .pcma: self = .aLaw
        case .g722: self = .g722(G722Encoder())
        // 48 kHz is a rate libopus always takes.
        case .opus: self = .opus(OpusEncoder(sampleRate: codec.audioRate)!)
        }
    }

    /// Encodes one frame into `payload`; returns the payload length (0 if the codec refused).
    func encode(_ frame: UnsafePointer<Int16>, count: Int, into payload: UnsafeMutablePointer<UInt8>, capacity: Int) -> Int {
        switch self {
        case .muLaw:
            let n = min(count, capacity)
            G711.compressMuLaw(frame, count: n, into: payload)
            return n
        case .aLaw:
            let n = min(count, capacity)
            G711.compressALaw(frame, count: n, into: payload)
            return n
        case .g722(let encoder):
            return encoder.encode(frame, count: count, into: payload, capacity: capacity)
        case .opus(let encoder):
            return encoder.encode(frame, count: count, into: payload, capacity: capacity)
        }
    }
}
