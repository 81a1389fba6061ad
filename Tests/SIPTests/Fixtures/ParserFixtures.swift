import SIP

/// Messages from real captures and helpers to feed them to the parsers as raw bytes.
enum ParserFixtures {
    /// The bytes of `text` with every LF turned into CRLF (multi-line literals hold LF only).
    static func crlf(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 64)
        for byte in text.utf8 {
            if byte == 0x0A { bytes.append(0x0D) }
            bytes.append(byte)
        }
        return bytes
    }

    /// Hex digits to bytes; white space between them is ignored.
    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var high: UInt8? = nil
        for byte in text.utf8 {
            let nibble: UInt8
            switch byte {
            case 0x30...0x39: nibble = byte - 0x30
            case 0x61...0x66: nibble = byte - 0x61 + 10
            case 0x41...0x46: nibble = byte - 0x41 + 10
            default: continue
            }
            if let h = high {
                bytes.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }

    static func parse(_ bytes: [UInt8]) throws(SIPParseError) -> SIPMessage {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(SIPParseError) in try SIPParser.parse(buffer) }
        }
        return try result.get()
    }

    static func parse(_ bytes: ArraySlice<UInt8>) throws(SIPParseError) -> SIPMessage {
        try parse(Array(bytes))
    }

    /// The outcome as a value, so a test can compare errors and successes in one table.
    static func outcome(_ bytes: [UInt8]) -> Result<SIPMessage, SIPParseError> {
        bytes.withUnsafeBytes { buffer in Result { () throws(SIPParseError) in try SIPParser.parse(buffer) } }
    }

    static func messageLength(_ bytes: [UInt8]) throws(SIPParseError) -> Int? {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(SIPParseError) in try SIPParser.messageLength(buffer) }
        }
        return try result.get()
    }

    static func looksLikeSIP(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { SIPParser.looksLikeSIP($0) }
    }

    static func parseSDP(_ text: String) throws(SDPParseError) -> SessionDescription {
        try parseSDP(crlf(text))
    }

    static func parseSDP(_ bytes: [UInt8]) throws(SDPParseError) -> SessionDescription {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(SDPParseError) in try SessionDescription.parse(buffer) }
        }
        return try result.get()
    }

    /// The error a parse threw, or nil when it succeeded.
    static func sdpError(_ text: String) -> SDPParseError? {
        do throws(SDPParseError) {
            _ = try parseSDP(text)
            return nil
        } catch {
            return error
        }
    }

    /// The message with CRLF turned into LF and Content-Length corrected to the shorter body.
    static func lineFeedsOnly(_ bytes: [UInt8]) -> [UInt8] {
        let text = String(decoding: bytes.filter { $0 != 0x0D }, as: UTF8.self)
        guard let blank = text.firstRange(of: "\n\n") else { return Array(text.utf8) }
        let bodyLength = text[blank.upperBound...].utf8.count
        let head = text[..<blank.lowerBound].split(separator: "\n").map { line in
            line.lowercased().hasPrefix("content-length:") ? "Content-Length: \(bodyLength)" : String(line)
        }
        return Array((head.joined(separator: "\n") + "\n\n" + text[blank.upperBound...]).utf8)
    }
}
