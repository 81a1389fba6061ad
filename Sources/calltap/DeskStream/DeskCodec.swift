import ArgumentParser

/// The codecs `desk-stream` sends, with their RTP numbers (RFC 3551, and 111 for Opus as desk
/// applications and WebRTC offer it) and the clocks that differ from the audio rate.
enum DeskCodec: String, CaseIterable, ExpressibleByArgument {
    case opus
    case pcmu
    case pcma
    case g722

    var payloadType: UInt8 {
        switch self {
        case .pcmu: 0
        case .pcma: 8
        case .g722: 9
        case .opus: 111
        }
    }

    /// The rate the encoder takes.
    var audioRate: Int {
        switch self {
        case .pcmu, .pcma: 8000
        case .g722: 16000
        case .opus: 48000
        }
    }

    /// The RTP timestamp rate: G.722 keeps 8000 although its audio is 16 kHz (RFC 3551, 4.5.2).
    var rtpClock: Int {
        switch self {
        case .pcmu, .pcma, .g722: 8000
        case .opus: 48000
        }
    }

    /// As SDP's rtpmap and the F2F API's `Codec` name it (Opus is always `/2` by RFC 7587, even
    /// for the mono stream sent here).
    var streamName: String {
        switch self {
        case .pcmu: "PCMU/8000"
        case .pcma: "PCMA/8000"
        case .g722: "G722/8000"
        case .opus: "opus/48000/2"
        }
    }

    /// Packet durations in milliseconds this codec is sent with: any 10 ms step up to 60 for the
    /// sample codecs, and the frame sizes Opus has.
    var packetTimes: [Int] {
        switch self {
        case .opus: [10, 20, 40, 60]
        case .pcmu, .pcma, .g722: [10, 20, 30, 40, 50, 60]
        }
    }

    /// Samples at `audioRate` in one packet of `ptime` milliseconds.
    func frameSamples(ptime: Int) -> Int { audioRate * ptime / 1000 }

    /// RTP timestamp step per packet.
    func timestampStep(ptime: Int) -> UInt32 { UInt32(rtpClock * ptime / 1000) }
}
