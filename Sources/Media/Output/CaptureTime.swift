/// Capture timestamps (nanoseconds since the Unix epoch, UTC) written as text, without Foundation's
/// formatters: the same input gives the same text on every machine.
public enum CaptureTime {
    /// Civil date and time of a UTC instant shifted by `offsetSeconds`.
    public struct Civil: Sendable, Equatable {
        public var year, month, day, hour, minute, second, millisecond: Int
    }

    public static func civil(_ nanos: Int64, offsetSeconds: Int = 0) -> Civil {
        let totalMillis = floorDiv(nanos, 1_000_000) + Int64(offsetSeconds) * 1000
        let days = floorDiv(totalMillis, 86_400_000)
        let msOfDay = Int(totalMillis - days * 86_400_000)
        // Howard Hinnant's days-to-civil algorithm.
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return Civil(year: Int(y), month: Int(m), day: Int(d), hour: msOfDay / 3_600_000,
                     minute: msOfDay / 60_000 % 60, second: msOfDay / 1000 % 60, millisecond: msOfDay % 1000)
    }

    /// `2026-11-22T10:15:30.250Z`.
    public static func iso8601(_ nanos: Int64) -> String {
        let c = civil(nanos)
        return "\(pad(c.year, 4))-\(pad(c.month))-\(pad(c.day))T\(pad(c.hour)):\(pad(c.minute)):\(pad(c.second)).\(pad(c.millisecond, 3))Z"
    }

    /// The legacy metadata form `MM/dd/yyyy HH:mm:ss`, in a zone `offsetSeconds` east of UTC.
    public static func legacy(_ nanos: Int64, offsetSeconds: Int) -> String {
        let c = civil(nanos, offsetSeconds: offsetSeconds)
        return "\(pad(c.month))/\(pad(c.day))/\(pad(c.year, 4)) \(pad(c.hour)):\(pad(c.minute)):\(pad(c.second))"
    }

    /// `yyyy/mm/dd`: the folder a recording that starts then is stored in.
    public static func datePath(_ nanos: Int64) -> String {
        let c = civil(nanos)
        return "\(pad(c.year, 4))/\(pad(c.month))/\(pad(c.day))"
    }

    private static func pad(_ value: Int, _ width: Int = 2) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
