import Foundation

/// ISO 8601 times as the API reads and writes them: with an offset on input, UTC with
/// milliseconds on output.
public enum ISO8601Time {
    /// Nanoseconds since 1970 of a time with an offset (`2026-11-22T10:15:30.250+01:00`, `…Z`); nil when it is not one.
    public static func nanoseconds(from text: String) -> Int64? {
        // The fraction is read here, not by the formatter: a Double of seconds since 1970 keeps
        // only about a microsecond, and .250 would come back as .249999872.
        var wholeSeconds = text
        var fractionNanos: Int64 = 0
        if let dot = text.firstIndex(of: "."), text[..<dot].contains("T") {
            let digits = text[text.index(after: dot)...].prefix { $0.isASCII && $0.isNumber }
            guard (1...9).contains(digits.count), let value = Int64(digits) else { return nil }
            fractionNanos = value * Int64(pow(10, Double(9 - digits.count)))
            wholeSeconds = String(text[..<dot]) + text[digits.endIndex...]
        }
        guard let date = try? Date.ISO8601FormatStyle().parse(wholeSeconds) else { return nil }
        let seconds = date.timeIntervalSince1970.rounded()
        guard abs(seconds) < 9e9 else { return nil }
        return Int64(seconds) * 1_000_000_000 + fractionNanos
    }

    static func string(fromNanoseconds nanos: Int64) -> String {
        // Whole seconds through the formatter, milliseconds in integers: a Double of seconds since
        // 1970 cannot hold every millisecond exactly (…600.123 would print as .122).
        let (seconds, remainder) = nanos.quotientAndRemainder(dividingBy: 1_000_000_000)
        let (wholeSeconds, millis) = remainder < 0 ? (seconds - 1, (remainder + 1_000_000_000) / 1_000_000) : (seconds, remainder / 1_000_000)
        let text = Date(timeIntervalSince1970: Double(wholeSeconds)).formatted(Date.ISO8601FormatStyle())
        let digits = String(millis)
        return text.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }
}
