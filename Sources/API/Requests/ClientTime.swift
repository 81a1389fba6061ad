import Foundation

/// The times clients send for a blackout's edges: ISO 8601 as most write it, and the forms a
/// .NET client produces without a format string — `DateTimeOffset.ToString()` in the invariant
/// culture (`12/03/2026 07:12:57 +00:00`), its round-trip form (`2026-12-03T07:12:57.1234567+00:00`)
/// and a `DateTime` with no offset (`2026-12-03T07:12:57`, `12/03/2026 07:12:57`). A time with no
/// offset is a wall-clock time of the server's configured zone: it is returned as if it were
/// UTC, with `isLocal`, for the control plane to place.
enum ClientTime {
    static func parse(_ text: String) -> (nanos: Int64, isLocal: Bool)? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let nanos = ISO8601Time.nanoseconds(from: trimmed) { return (nanos, false) }
        guard let parts = fields(trimmed) else { return nil }
        guard let date = civilNanos(parts) else { return nil }
        if let offset = parts.offsetSeconds { return (date - Int64(offset) * 1_000_000_000, false) }
        return (date, true)
    }

    private struct Fields {
        var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0
        var fractionNanos: Int64 = 0
        var offsetSeconds: Int?
    }

    /// `yyyy-MM-ddTHH:mm:ss[.f…]` or `MM/dd/yyyy HH:mm:ss[.f…]`, then an optional ` +hh:mm`,
    /// `+hh:mm` or `Z`.
    private static func fields(_ text: String) -> Fields? {
        var rest = Substring(text)
        var f = Fields()
        // The offset at the end.
        if rest.hasSuffix("Z") {
            f.offsetSeconds = 0
            rest = rest.dropLast()
        } else if rest.count > 6 {
            let tail = rest.suffix(6)
            let chars = Array(tail)
            if (chars[0] == "+" || chars[0] == "-"), chars[3] == ":", let h = Int(String(chars[1...2])),
               let m = Int(String(chars[4...5])), h <= 14, m < 60 {
                f.offsetSeconds = (h * 3600 + m * 60) * (chars[0] == "-" ? -1 : 1)
                rest = rest.dropLast(6)
            }
        }
        rest = Substring(rest.trimmingCharacters(in: .whitespaces))
        let dateAndTime = rest.split(whereSeparator: { $0 == "T" || $0 == " " })
        guard dateAndTime.count == 2 else { return nil }
        let date = dateAndTime[0], time = dateAndTime[1]
        if date.contains("/") {
            let d = date.split(separator: "/")
            guard d.count == 3, d[2].count == 4, let month = Int(d[0]), let day = Int(d[1]), let year = Int(d[2]) else { return nil }
            (f.year, f.month, f.day) = (year, month, day)
        } else {
            let d = date.split(separator: "-")
            guard d.count == 3, d[0].count == 4, let year = Int(d[0]), let month = Int(d[1]), let day = Int(d[2]) else { return nil }
            (f.year, f.month, f.day) = (year, month, day)
        }
        var clock = time
        if let dot = time.firstIndex(of: ".") {
            let digits = time[time.index(after: dot)...]
            guard (1...9).contains(digits.count), digits.allSatisfy(\.isASCII), let value = Int64(digits) else { return nil }
            var nanos = value
            for _ in digits.count..<9 { nanos *= 10 }
            f.fractionNanos = nanos
            clock = time[..<dot]
        }
        let t = clock.split(separator: ":")
        guard t.count == 3, let hour = Int(t[0]), let minute = Int(t[1]), let second = Int(t[2]) else { return nil }
        (f.hour, f.minute, f.second) = (hour, minute, second)
        guard (1...12).contains(f.month), (1...31).contains(f.day), (0...23).contains(f.hour), (0...59).contains(f.minute),
              (0...59).contains(f.second), (1970...2200).contains(f.year) else { return nil }
        return f
    }

    /// Nanoseconds since 1970 of the civil date and time as if in UTC; nil for a day the month
    /// does not have.
    private static func civilNanos(_ f: Fields) -> Int64? {
        let leap = (f.year % 4 == 0 && f.year % 100 != 0) || f.year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard f.day <= days[f.month - 1] else { return nil }
        // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
        let y = f.month <= 2 ? f.year - 1 : f.year
        let era = y / 400
        let yoe = y - era * 400
        let mp = (f.month + 9) % 12
        let doy = (153 * mp + 2) / 5 + f.day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let daysSince1970 = era * 146_097 + doe - 719_468
        let seconds = Int64(daysSince1970) * 86_400 + Int64(f.hour * 3600 + f.minute * 60 + f.second)
        return seconds * 1_000_000_000 + f.fractionNanos
    }
}
