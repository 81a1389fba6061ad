/// A listening-quality estimate (MOS) from the ITU-T E-model, with what a passive recorder can
/// know: the codec's equipment impairment and the stream's packet loss. Delay is not observable
/// from one capture point, so the delay impairment is taken as zero. Narrowband codecs use
/// G.107 (R up to 93.2); wideband codecs the wideband model of G.107.1 (R up to 129), whose R is
/// brought back to the narrowband scale (R / 1.29) before the G.107 mapping to MOS, so that
/// wideband streams can score above narrowband ones.
public enum MOSEstimate {
    /// Equipment impairment Ie (Ie,wb on the wideband scale) and packet-loss robustness Bpl.
    public struct Impairment: Sendable, Equatable {
        public var ie: Double
        public var bpl: Double
        public var wideband: Bool

        /// G.711 with packet-loss concealment (G.113 Appendix I): Ie 0, Bpl 25.1.
        public static let g711 = Impairment(ie: 0, bpl: 25.1, wideband: false)
        /// G.729A with VAD (G.113 Appendix I): Ie 11, Bpl 19.0.
        public static let g729 = Impairment(ie: 11, bpl: 19, wideband: false)
        /// G.722 at 64 kbit/s on the wideband scale: Ie,wb 13; Bpl 10 is calltap's own choice
        /// (no concealment in the decoder path, so it is less robust than G.711 with PLC).
        public static let g722 = Impairment(ie: 13, bpl: 10, wideband: true)
        /// Opus has no ITU-T factors. calltap uses Ie,wb 10 (wideband speech at typical VoIP
        /// rates, between G.722 and uncoded wideband) and Bpl 25 (in-band FEC and concealment).
        public static let opus = Impairment(ie: 10, bpl: 25, wideband: true)
        /// Linear PCM: no coding impairment, no concealment.
        public static func linear(wideband: Bool) -> Impairment { Impairment(ie: 0, bpl: 4.3, wideband: wideband) }
    }

    /// The factors for a codec, or nil when it is not decoded (no estimate is made).
    public static func impairment(for codec: Codec) -> Impairment? {
        switch codec {
        case .pcmu, .pcma: .g711
        case .g729: .g729
        case .g722: .g722
        case .opus: .opus
        case .l16(let rate, _): .linear(wideband: rate > 8000)
        case .comfortNoise, .telephoneEvent, .unsupported: nil
        }
    }

    /// R-factor on the model's own scale: Ro minus the effective equipment impairment.
    public static func rFactor(lossPercent: Double, impairment: Impairment) -> Double {
        let ro = impairment.wideband ? 129.0 : 93.2
        let maxIe = impairment.wideband ? 129.0 : 95.0
        let ppl = max(0, min(100, lossPercent))
        let ieEff = impairment.ie + (maxIe - impairment.ie) * ppl / (ppl + impairment.bpl)
        return ro - ieEff
    }

    /// G.107 Annex B mapping from R to MOS, rounded to two decimals.
    public static func mos(lossPercent: Double, impairment: Impairment = .g711) -> Double {
        var r = rFactor(lossPercent: lossPercent, impairment: impairment)
        if impairment.wideband { r /= 1.29 }
        let m: Double
        if r <= 0 { m = 1 } else if r >= 100 { m = 4.5 } else { m = 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6 }
        return (m * 100).rounded() / 100
    }
}
