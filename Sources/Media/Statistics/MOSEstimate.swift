/// A listening-quality estimate (MOS) from the ITU-T G.107 E-model, with what a passive
/// recorder can know: the codec's equipment impairment and packet loss. Delay is not observable
/// from one capture point, so the delay impairment is taken as zero; jitter enters as the loss
/// a 2·jitter buffer would add.
public enum MOSEstimate {
    /// Equipment impairment Ie and packet-loss robustness Bpl (G.113 Appendix I).
    public struct Impairment: Sendable {
        public var ie: Double
        public var bpl: Double
        public static let g711 = Impairment(ie: 0, bpl: 25.1)
    }

    /// R-factor: 93.2 minus the effective equipment impairment.
    public static func rFactor(lossPercent: Double, impairment: Impairment) -> Double {
        let ppl = max(0, min(100, lossPercent))
        let ieEff = impairment.ie + (95 - impairment.ie) * ppl / (ppl + impairment.bpl)
        return 93.2 - ieEff
    }

    /// G.107 Annex B mapping from R to MOS, rounded to two decimals.
    public static func mos(lossPercent: Double, impairment: Impairment = .g711) -> Double {
        let r = rFactor(lossPercent: lossPercent, impairment: impairment)
        let m: Double
        if r <= 0 { m = 1 } else if r >= 100 { m = 4.5 } else { m = 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6 }
        return (m * 100).rounded() / 100
    }
}
