import Foundation

/// Tones encoded as G.711, and RTP packets around them, for tests that build their own media.
public enum ToneSynthesis {
    /// ITU-T G.711 µ-law compression of one sample.
    public static func muLaw(_ sample: Int16) -> UInt8 {
        let bias = 0x84, clip = 32635
        var s = Int(sample)
        let sign = s < 0 ? 0x80 : 0
        if s < 0 { s = -s }
        s = min(s, clip) + bias
        var exponent = 7
        var mask = 0x4000
        while exponent > 0 && s & mask == 0 { exponent -= 1; mask >>= 1 }
        let mantissa = (s >> (exponent + 3)) & 0x0F
        return UInt8(~(sign | exponent << 4 | mantissa) & 0xFF)
    }

    /// `count` samples of a sine at `frequency`, starting at sample `offset`.
    public static func sine(frequency: Double, sampleRate: Int = 8000, offset: Int = 0, count: Int,
                            amplitude: Double = 12000) -> [Int16] {
        (0..<count).map { i in
            Int16(amplitude * sin(2 * Double.pi * frequency * Double(offset + i) / Double(sampleRate)))
        }
    }

    /// An RTP packet (version 2, no CSRC) with the given fields and payload.
    public static func rtp(payloadType: UInt8, sequence: UInt16, timestamp: UInt32, ssrc: UInt32, payload: [UInt8]) -> [UInt8] {
        [0x80, payloadType, UInt8(sequence >> 8), UInt8(sequence & 0xFF),
         UInt8(timestamp >> 24), UInt8((timestamp >> 16) & 0xFF), UInt8((timestamp >> 8) & 0xFF), UInt8(timestamp & 0xFF),
         UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xFF), UInt8((ssrc >> 8) & 0xFF), UInt8(ssrc & 0xFF)] + payload
    }
}
