import Media
import Testing

/// The compliance rule that the live gate and the late path share: a DTMF digit that overlaps a
/// blackout, however little, is masked; one that only touches its edge is not.
@Suite struct DigitMaskingTests {
    func digit(_ time: Double, _ duration: Double) -> Sidecar.Digit {
        Sidecar.Digit(digit: "5", time: time, duration: duration, method: "rfc4733", channel: 0, masked: false)
    }

    @Test func overlapAtEitherEdgeMasks() {
        // Blackout 2.0 … 4.0 s.
        #expect(digit(1.95, 0.1).overlaps(from: 2, to: 4))    // pressed before, released inside
        #expect(digit(3.95, 0.1).overlaps(from: 2, to: 4))    // pressed inside, released after
        #expect(digit(1.0, 5.0).overlaps(from: 2, to: 4))     // held across the whole blackout
        #expect(digit(2.5, 0.1).overlaps(from: 2, to: 4))
        #expect(digit(2.0, 0).overlaps(from: 2, to: 4))       // no duration, at the start
        #expect(digit(1.9, 0.2).overlaps(from: 2, to: .infinity))
    }

    @Test func touchingOrOutsideDoesNot() {
        #expect(!digit(1.9, 0.1).overlaps(from: 2, to: 4))    // released exactly at the start
        #expect(!digit(4.0, 0.1).overlaps(from: 2, to: 4))    // pressed exactly at the stop
        #expect(!digit(4.0, 0).overlaps(from: 2, to: 4))
        #expect(!digit(1.0, 0.5).overlaps(from: 2, to: 4))
    }

    @Test func maskingKeepsTheTimeAndDropsTheValue() {
        let masked = digit(2.5, 0.12).masking
        #expect(masked.digit == "" && masked.masked && masked.time == 2.5 && masked.duration == 0.12)
    }
}
