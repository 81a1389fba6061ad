/// Text operations on raw message bytes, written so that no input can make them trap or go
/// quadratic: every index they touch comes from the slice's own bounds.
extension ArraySlice where Element == UInt8 {
    /// The slice without leading and trailing spaces and tabs.
    var trimmingWhitespace: ArraySlice<UInt8> {
        var lower = startIndex, upper = endIndex
        while lower < upper, ASCII.isWhitespace(self[lower]) { lower += 1 }
        while upper > lower, ASCII.isWhitespace(self[upper - 1]) { upper -= 1 }
        return self[lower..<upper]
    }

    /// UTF-8 decoding that replaces invalid sequences instead of failing: hostile bytes still
    /// give a string the caller can log.
    var text: String { String(decoding: self, as: UTF8.self) }

    /// ASCII case-insensitive comparison with a lower-case literal.
    func equalsIgnoringCase(_ lowercaseLiteral: StaticString) -> Bool {
        guard count == lowercaseLiteral.utf8CodeUnitCount else { return false }
        return hasPrefixIgnoringCase(lowercaseLiteral)
    }

    /// ASCII case-insensitive prefix test against a lower-case literal.
    func hasPrefixIgnoringCase(_ lowercaseLiteral: StaticString) -> Bool {
        let length = lowercaseLiteral.utf8CodeUnitCount
        guard count >= length else { return false }
        return lowercaseLiteral.withUTF8Buffer { literal in
            var index = startIndex
            for byte in literal {
                guard ASCII.lowercased(self[index]) == byte else { return false }
                index += 1
            }
            return true
        }
    }

    /// The text with ASCII letters lower-cased.
    var lowercasedText: String {
        String(decoding: lazy.map(ASCII.lowercased), as: UTF8.self)
    }

    /// A non-negative decimal number written with digits only; nil when empty, when anything
    /// else is there (no sign, no spaces) or when it does not fit `T`.
    func decimal<T: FixedWidthInteger>(as type: T.Type = T.self) -> T? {
        guard !isEmpty else { return nil }
        var value: T = 0
        for byte in self {
            guard ASCII.isDigit(byte) else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(T(byte &- 0x30))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return value
    }

    /// Splits at `separator` where it stands outside double quotes (with backslash escapes) and
    /// outside `<…>`, so `"Doe, J" <sip:a@b>, <sip:c@d>` gives two elements. Elements are trimmed;
    /// empty ones are dropped.
    func splitOutsideQuotes(separator: UInt8) -> [ArraySlice<UInt8>] {
        var parts: [ArraySlice<UInt8>] = []
        var partStart = startIndex
        var index = startIndex
        var inQuotes = false
        var inAngles = false
        while index < endIndex {
            let byte = self[index]
            if inQuotes {
                if byte == ASCII.backslash {
                    index += 1  // the escaped byte, whatever it is, cannot close the string
                } else if byte == ASCII.quote {
                    inQuotes = false
                }
            } else if inAngles {
                if byte == ASCII.greaterThan { inAngles = false }
            } else if byte == ASCII.quote {
                inQuotes = true
            } else if byte == ASCII.lessThan {
                inAngles = true
            } else if byte == separator {
                let part = self[partStart..<index].trimmingWhitespace
                if !part.isEmpty { parts.append(part) }
                partStart = index + 1
            }
            index += 1
        }
        let last = self[partStart..<endIndex].trimmingWhitespace
        if !last.isEmpty { parts.append(last) }
        return parts
    }

    /// Splits at runs of spaces and tabs (SDP fields, CSeq).
    func splitOnWhitespace() -> [ArraySlice<UInt8>] {
        var parts: [ArraySlice<UInt8>] = []
        var index = startIndex
        while index < endIndex {
            while index < endIndex, ASCII.isWhitespace(self[index]) { index += 1 }
            let start = index
            while index < endIndex, !ASCII.isWhitespace(self[index]) { index += 1 }
            if start < index { parts.append(self[start..<index]) }
        }
        return parts
    }

    /// The text of a quoted string without its quotes and backslash escapes, or the trimmed
    /// text itself when it is not quoted.
    var unquotedText: String {
        let trimmed = trimmingWhitespace
        guard trimmed.count >= 2, trimmed.first == ASCII.quote, trimmed.last == ASCII.quote else {
            return trimmed.text
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(trimmed.count)
        var index = trimmed.startIndex + 1
        let end = trimmed.endIndex - 1
        while index < end {
            if trimmed[index] == ASCII.backslash, index + 1 < end { index += 1 }
            bytes.append(trimmed[index])
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `%xx` escapes decoded; a `%` not followed by two hex digits stays as written.
    var percentDecodedText: String {
        guard contains(ASCII.percent) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        var index = startIndex
        while index < endIndex {
            let byte = self[index]
            if byte == ASCII.percent, index + 2 < endIndex,
               let high = ASCII.hexValue(self[index + 1]), let low = ASCII.hexValue(self[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(byte)
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
