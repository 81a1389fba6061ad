/// A payload format named by SDP (`a=rtpmap`) or by the static table of RFC 3551, as the media path
/// treats it: decoded to audio, silence (comfort noise), events (DTMF), or not supported.
public enum Codec: Hashable, Sendable {
    case pcmu
    case pcma
    /// RFC 3389 comfort noise: written as silence, never as a burst.
    case comfortNoise
    /// RFC 4733 telephone-event: never audio.
    case telephoneEvent
    /// Known to SDP but not decoded here; the stream is counted and named, its channel stays silent.
    case unsupported(name: String, clockRate: Int)

    /// From an rtpmap encoding name (case-insensitive) and clock rate.
    public init(encoding: String, clockRate: Int, channels: Int = 1) {
        switch encoding.uppercased() {
        case "PCMU" where clockRate == 8000: self = .pcmu
        case "PCMA" where clockRate == 8000: self = .pcma
        case "CN": self = .comfortNoise
        case "TELEPHONE-EVENT": self = .telephoneEvent
        default: self = .unsupported(name: encoding, clockRate: clockRate)
        }
    }

    /// The RFC 3551 static payload types, for packets whose SDP was not seen.
    public init?(staticPayloadType pt: UInt8) {
        switch pt {
        case 0: self = .pcmu
        case 8: self = .pcma
        case 13: self = .comfortNoise
        case 3: self = .unsupported(name: "GSM", clockRate: 8000)
        case 4: self = .unsupported(name: "G723", clockRate: 8000)
        case 9: self = .unsupported(name: "G722", clockRate: 8000)
        case 18: self = .unsupported(name: "G729", clockRate: 8000)
        default: return nil
        }
    }

    /// The name as SDP writes it, with its clock rate: `PCMU/8000`.
    public var name: String {
        switch self {
        case .pcmu: "PCMU/8000"
        case .pcma: "PCMA/8000"
        case .comfortNoise: "CN/8000"
        case .telephoneEvent: "telephone-event/8000"
        case .unsupported(let name, let rate): "\(name)/\(rate)"
        }
    }

    /// The RTP clock rate: what one timestamp unit is worth.
    public var rtpClockRate: Int {
        switch self {
        case .pcmu, .pcma, .comfortNoise, .telephoneEvent: 8000
        case .unsupported(_, let rate): rate
        }
    }

    /// The rate of the audio it decodes to, or nil when it is not decoded to audio here.
    public var decodedSampleRate: Int? {
        switch self {
        case .pcmu, .pcma: 8000
        case .comfortNoise, .telephoneEvent, .unsupported: nil
        }
    }
}
