import Wire

extension SIPURI {
    /// Parses a URI from its bytes (already cut out of a header: no angle brackets around it).
    init?(bytes: ArraySlice<UInt8>) {
        let text = bytes.trimmingWhitespace
        guard let colon = text.firstIndex(of: ASCII.colon), colon > text.startIndex else { return nil }
        let schemeBytes = text[text.startIndex..<colon]
        guard let first = schemeBytes.first, ASCII.isLetter(first),
              schemeBytes.allSatisfy({ ASCII.isLetter($0) || ASCII.isDigit($0) || $0 == ASCII.plus
                  || $0 == ASCII.hyphen || $0 == ASCII.dot })
        else { return nil }
        let rest = text[(colon + 1)...]
        guard !rest.isEmpty else { return nil }

        if schemeBytes.equalsIgnoringCase("sip") || schemeBytes.equalsIgnoringCase("sips") {
            self.init(scheme: schemeBytes.equalsIgnoringCase("sip") ? "sip" : "sips", sipPart: rest)
        } else if schemeBytes.equalsIgnoringCase("tel") {
            self.init(telPart: rest)
        } else {
            self.init(scheme: schemeBytes.lowercasedText, host: rest.text)
        }
    }

    /// `[userinfo@]hostport[;params][?headers]`.
    private init?(scheme: String, sipPart: ArraySlice<UInt8>) {
        // URI headers (`?Replaces=…`) say nothing about the party; drop them.
        let part = sipPart[sipPart.startIndex..<(sipPart.firstIndex(of: ASCII.question) ?? sipPart.endIndex)]
        var user: String? = nil
        var hostStart = part.startIndex
        // The user part may hold `;` (telephone-subscriber parameters), so look for the `@` first.
        if let at = part.firstIndex(of: ASCII.at) {
            let userInfo = part[part.startIndex..<at]
            let userBytes = userInfo[userInfo.startIndex..<(userInfo.firstIndex(of: ASCII.colon) ?? userInfo.endIndex)]
            user = userBytes.isEmpty ? nil : userBytes.percentDecodedText
            hostStart = at + 1
        }
        let afterUser = part[hostStart...]
        let parametersStart = afterUser.firstIndex(of: ASCII.semicolon) ?? afterUser.endIndex
        guard let (host, port) = SIPURI.hostAndPort(afterUser[hostStart..<parametersStart]) else { return nil }
        self.init(scheme: scheme, user: user, host: host, port: port,
                  parameters: SIPParameters.parse(afterUser[parametersStart...]))
    }

    /// `number[;params]`.
    private init?(telPart: ArraySlice<UInt8>) {
        let parametersStart = telPart.firstIndex(of: ASCII.semicolon) ?? telPart.endIndex
        let number = telPart[telPart.startIndex..<parametersStart].trimmingWhitespace
        guard !number.isEmpty else { return nil }
        self.init(scheme: "tel", user: number.percentDecodedText, host: "",
                  parameters: SIPParameters.parse(telPart[parametersStart...]))
    }

    /// `host`, `host:port`, `[v6]`, `[v6]:port`, and the bracket-less `v6` or `v6:port` that some
    /// phones send (seen from Valid8 user agents); nil when the host is empty or the port is not a
    /// number that fits 16 bits.
    private static func hostAndPort(_ bytes: ArraySlice<UInt8>) -> (String, UInt16?)? {
        let text = bytes.trimmingWhitespace
        guard let first = text.first else { return nil }
        if first == ASCII.leftBracket {
            guard let close = text.firstIndex(of: ASCII.rightBracket) else { return nil }
            let host = text[(text.startIndex + 1)..<close]
            guard !host.isEmpty else { return nil }
            let after = text[(close + 1)...]
            if after.isEmpty { return (host.text, nil) }
            guard after.first == ASCII.colon else { return nil }
            guard let port = port(after.dropFirst()) else { return nil }
            return (host.text, port)
        }
        let colons = text.lazy.filter { $0 == ASCII.colon }.count
        if colons == 0 { return (text.text, nil) }
        if colons == 1, let colon = text.firstIndex(of: ASCII.colon) {
            let host = text[text.startIndex..<colon]
            guard !host.isEmpty, let port = port(text[(colon + 1)...]) else { return nil }
            return (host.text, port)
        }
        // Several colons without brackets: an IPv6 address, perhaps with a port glued on.
        let whole = text.text
        if IPAddress(whole) != nil { return (whole, nil) }
        if let colon = text.lastIndex(of: ASCII.colon) {
            let host = text[text.startIndex..<colon].text
            if IPAddress(host) != nil, let port = port(text[(colon + 1)...]) { return (host, port) }
        }
        return nil
    }

    /// An empty port (`host:`) counts as no port; anything but digits makes the URI invalid.
    private static func port(_ bytes: ArraySlice<UInt8>) -> UInt16?? {
        if bytes.isEmpty { return .some(nil) }
        guard let port = bytes.decimal(as: UInt16.self) else { return nil }
        return .some(port)
    }
}
