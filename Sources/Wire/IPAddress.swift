/// An IPv4 or IPv6 address held in 128 bits, IPv4 as an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`),
/// so that hashing and comparing never allocate and one type serves both families.
public struct IPAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The high and low 64 bits, network order read as big-endian numbers.
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// An IPv4 address from its 32 bits as a big-endian number (`10.0.0.1` is `0x0A00_0001`).
    public init(ipv4 value: UInt32) {
        high = 0
        low = 0x0000_FFFF_0000_0000 | UInt64(value)
    }

    /// Reads 4 (IPv4) or 16 (IPv6) bytes in network order; any other length gives `::`.
    public init(bytes: UnsafeRawBufferPointer) {
        if bytes.count != 4 && bytes.count != 16 {
            self.init(high: 0, low: 0)
        } else if bytes.count == 4 {
            var v: UInt32 = 0
            for i in 0..<4 { v = v << 8 | UInt32(bytes[i]) }
            self.init(ipv4: v)
        } else {
            var h: UInt64 = 0, l: UInt64 = 0
            for i in 0..<8 { h = h << 8 | UInt64(bytes[i]) }
            for i in 8..<16 { l = l << 8 | UInt64(bytes[i]) }
            self.init(high: h, low: l)
        }
    }

    public static let unspecifiedIPv4 = IPAddress(ipv4: 0)

    public var isIPv4: Bool { high == 0 && (low >> 32) == 0xFFFF }
    public var ipv4Value: UInt32? { isIPv4 ? UInt32(truncatingIfNeeded: low) : nil }

    /// `0.0.0.0` or `::`: in SDP, the old way of putting a stream on hold.
    public var isUnspecified: Bool { (isIPv4 && ipv4Value == 0) || (high == 0 && low == 0) }

    /// Parses `10.0.0.1`, `2001:db8::1` or `[2001:db8::1]`; nil for anything else.
    public init?(_ text: some StringProtocol) {
        var s = Substring(text)
        if s.hasPrefix("["), s.hasSuffix("]") { s = s.dropFirst().dropLast() }
        if let v4 = IPAddress.parseIPv4(s) {
            self.init(ipv4: v4)
        } else if let (h, l) = IPAddress.parseIPv6(s) {
            self.init(high: h, low: l)
        } else {
            return nil
        }
    }

    private static func parseIPv4(_ s: Substring) -> UInt32? {
        var value: UInt32 = 0
        var parts = 0
        for part in s.split(separator: ".", omittingEmptySubsequences: false) {
            // Digits only: `UInt32("+1")` would accept a sign. A leading zero is refused as
            // inet_pton refuses it, since some stacks read `010` as octal.
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCIIDigit),
                  part.count == 1 || part.first != "0",
                  let n = UInt32(part), n <= 255 else { return nil }
            value = value << 8 | n
            parts += 1
        }
        return parts == 4 ? value : nil
    }

    private static func parseIPv6(_ s: Substring) -> (UInt64, UInt64)? {
        guard s.contains(":"), s.count <= 45 else { return nil }
        var groups: [UInt16] = []
        var gapAt: Int? = nil
        var rest = s
        // An embedded IPv4 tail (`::ffff:10.0.0.1`) stands for the last two groups.
        var tail: [UInt16] = []
        if let lastColon = rest.lastIndex(of: ":"), rest[rest.index(after: lastColon)...].contains(".") {
            guard let v4 = parseIPv4(rest[rest.index(after: lastColon)...]) else { return nil }
            tail = [UInt16(v4 >> 16), UInt16(v4 & 0xFFFF)]
            rest = rest[...lastColon]
            if rest.hasSuffix("::") { } else { rest = rest.dropLast() }
        }
        if rest.hasPrefix("::") {
            gapAt = 0
            rest = rest.dropFirst(2)
        } else if rest.hasPrefix(":") {
            return nil
        }
        while !rest.isEmpty {
            if rest.hasPrefix(":") {
                guard gapAt == nil else { return nil }
                gapAt = groups.count
                rest = rest.dropFirst()
                continue
            }
            let end = rest.firstIndex(of: ":") ?? rest.endIndex
            let token = rest[..<end]
            guard !token.isEmpty, token.count <= 4, token.allSatisfy(\.isHexDigit),
                  let g = UInt16(token, radix: 16) else { return nil }
            groups.append(g)
            rest = rest[end...]
            if rest.hasPrefix(":") {
                rest = rest.dropFirst()
                if rest.isEmpty && !(gapAt == groups.count) { return nil }
            }
        }
        groups += tail
        if let gap = gapAt {
            guard groups.count < 8 else { return nil }
            groups.insert(contentsOf: [UInt16](repeating: 0, count: 8 - groups.count), at: min(gap, groups.count - tail.count))
        }
        guard groups.count == 8 else { return nil }
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<4 { h = h << 16 | UInt64(groups[i]) }
        for i in 4..<8 { l = l << 16 | UInt64(groups[i]) }
        return (h, l)
    }

    /// Dotted quad for IPv4; RFC 5952 text for IPv6.
    public var description: String {
        if let v4 = ipv4Value {
            return "\(v4 >> 24).\((v4 >> 16) & 0xFF).\((v4 >> 8) & 0xFF).\(v4 & 0xFF)"
        }
        let groups: [UInt16] = (0..<8).map { i in
            let word = i < 4 ? high : low
            return UInt16(truncatingIfNeeded: word >> (UInt64(3 - i % 4) * 16))
        }
        // The longest run (of two or more) of zero groups becomes `::`.
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...8 {
            if i < 8 && groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                runStart = -1
            }
        }
        func hex(_ range: Range<Int>) -> String { range.map { String(groups[$0], radix: 16) }.joined(separator: ":") }
        if bestLength < 2 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        a.high != b.high ? a.high < b.high : a.low < b.low
    }
}

extension Character {
    /// `0`–`9` only; `Character.isNumber` also takes other scripts' digits.
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
