@testable import API
import Testing

@Suite struct ISO8601TimeTests {
    @Test func parsesOffsetsAndFractions() {
        let base: Int64 = 1_795_341_600 * 1_000_000_000 // 2026-11-22T10:00:00Z
        #expect(ISO8601Time.nanoseconds(from: "2026-11-22T10:00:00Z") == base)
        #expect(ISO8601Time.nanoseconds(from: "2026-11-22T11:00:00+01:00") == base)
        #expect(ISO8601Time.nanoseconds(from: "2026-11-22T10:15:30.250+01:00") == base - 2_670 * 1_000_000_000 + 250_000_000)
        for text in ["2026-11-22", "yesterday", "2026-13-01T00:00:00Z", ""] {
            #expect(ISO8601Time.nanoseconds(from: text) == nil, "\(text)")
        }
    }

    @Test func formatsUTCWithExactMilliseconds() {
        #expect(ISO8601Time.string(fromNanoseconds: 1_795_341_600_123_999_999) == "2026-11-22T10:00:00.123Z")
        #expect(ISO8601Time.string(fromNanoseconds: 1_795_341_600_007_000_000) == "2026-11-22T10:00:00.007Z")
        #expect(ISO8601Time.string(fromNanoseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(ISO8601Time.string(fromNanoseconds: -1_000_000) == "1969-12-31T23:59:59.999Z")
    }
}

extension ISO8601TimeTests {
    @Test func keepsEveryDigitOfTheFraction() {
        let base: Int64 = 1_795_341_600 * 1_000_000_000
        #expect(ISO8601Time.nanoseconds(from: "2026-11-22T10:00:00.123456789Z") == base + 123_456_789)
        #expect(ISO8601Time.nanoseconds(from: "2026-11-22T10:00:00.5Z") == base + 500_000_000)
        #expect(ISO8601Time.nanoseconds(from: "2026-11-22T10:00:00.Z") == nil)
        #expect(ISO8601Time.nanoseconds(from: "2026-11-22T10:00:00.1234567891Z") == nil)
    }
}
