/// A payload format named by SDP (`a=rtpmap`) or by the static table of RFC 3551, as the media path
/// treats it: decoded to audio, silence (comfort noise), events (DTMF), or not supported.
public enum Codec: Hashable, Sendable {
    case pcmu
    case pcma
    /// G.722: RTP clock 8000 (RFC 3551), audio 16 kHz.
    case g722
    /// G.729, G.729A, with or without Annex B.
    case g729
    /// Opus (RFC 7587): RTP clock 48000 whatever the audio; decoded at the recording's rate.
    case opus
    /// Linear 16-bit PCM at any rate, mono or interleaved channels.
    case l16(rate: Int, channels: Int)
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
        case "G722" where clockRate == 8000: self = .g722
        case "G729", "G729A", "G729B", "G729AB": self = .g729
        case "OPUS" where clockRate == 48000: self = .opus
        case "L16" where clockRate >= 8000 && clockRate <= 192_000 && channels >= 1 && channels <= 8:
            self = .l16(rate: clockRate, channels: channels)
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
        case 9: self = .g722
        case 18: self = .g729
        case 10: self = .l16(rate: 44100, channels: 2)
        case 11: self = .l16(rate: 44100, channels: 1)
        default: return nil
        }
    }

    /// The name as SDP writes it, with its clock rate: `PCMU/8000`.
    public var name: String {
        switch self {
        case .pcmu: "PCMU/8000"
        case .pcma: "PCMA/8000"
        case .g722: "G722/8000"
        case .g729: "G729/8000"
        case .opus: "opus/48000"
        case .l16(let rate, let channels): channels == 1 ? "L16/\(rate)" : "L16/\(rate)/\(channels)"
        case .comfortNoise: "CN/8000"
        case .telephoneEvent: "telephone-event/8000"
        case .unsupported(let name, let rate): "\(name)/\(rate)"
        }
    }

    /// The RTP clock rate: what one timestamp unit is worth.
    public var rtpClockRate: Int {
        switch self {
        case .pcmu, .pcma, .g722, .g729, .comfortNoise, .telephoneEvent: 8000
        case .opus: 48000
        case .l16(let rate, _): rate
        case .unsupported(_, let rate): rate
        }
    }

    /// The rate of the audio it decodes to, or nil when it is not decoded to audio here.
    public var decodedSampleRate: Int? {
        switch self {
        case .pcmu, .pcma, .g729: 8000
        case .g722: 16000
        case .opus: 48000
        case .l16(let rate, _): rate
        case .comfortNoise, .telephoneEvent, .unsupported: nil
        }
    }
}
