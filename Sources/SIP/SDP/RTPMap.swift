/// What an RTP payload type carries (`a=rtpmap:PT encoding/clock[/channels]`).
public struct RTPMap: Hashable, Sendable {
    /// As written, e.g. `PCMU`, `opus`, `telephone-event`; compare case-insensitively.
    public var encoding: String
    public var clockRate: Int
    /// Audio channels; 1 when the rtpmap does not say.
    public var channels: Int

    public init(encoding: String, clockRate: Int, channels: Int = 1) {
        self.encoding = encoding
        self.clockRate = clockRate
        self.channels = channels
    }

    /// The static payload types of RFC 3551 §6, which an SDP may use without an rtpmap.
    /// G.722's clock rate is 8000 by that RFC's historical error, though it samples at 16 kHz.
    public static func staticPayloadType(_ payloadType: UInt8) -> RTPMap? {
        switch payloadType {
        case 0: RTPMap(encoding: "PCMU", clockRate: 8000)
        case 3: RTPMap(encoding: "GSM", clockRate: 8000)
        case 4: RTPMap(encoding: "G723", clockRate: 8000)
        case 5: RTPMap(encoding: "DVI4", clockRate: 8000)
        case 6: RTPMap(encoding: "DVI4", clockRate: 16000)
        case 7: RTPMap(encoding: "LPC", clockRate: 8000)
        case 8: RTPMap(encoding: "PCMA", clockRate: 8000)
        case 9: RTPMap(encoding: "G722", clockRate: 8000)
        case 10: RTPMap(encoding: "L16", clockRate: 44100, channels: 2)
        case 11: RTPMap(encoding: "L16", clockRate: 44100)
        case 12: RTPMap(encoding: "QCELP", clockRate: 8000)
        case 13: RTPMap(encoding: "CN", clockRate: 8000)
        case 14: RTPMap(encoding: "MPA", clockRate: 90000)
        case 15: RTPMap(encoding: "G728", clockRate: 8000)
        case 16: RTPMap(encoding: "DVI4", clockRate: 11025)
        case 17: RTPMap(encoding: "DVI4", clockRate: 22050)
        case 18: RTPMap(encoding: "G729", clockRate: 8000)
        case 25: RTPMap(encoding: "CelB", clockRate: 90000)
        case 26: RTPMap(encoding: "JPEG", clockRate: 90000)
        case 28: RTPMap(encoding: "nv", clockRate: 90000)
        case 31: RTPMap(encoding: "H261", clockRate: 90000)
        case 32: RTPMap(encoding: "MPV", clockRate: 90000)
        case 33: RTPMap(encoding: "MP2T", clockRate: 90000)
        case 34: RTPMap(encoding: "H263", clockRate: 90000)
        default: nil
        }
    }
}
