extension NameAddress {
    /// Parses one name-addr or addr-spec; the caller has already split comma-separated lists.
    init?(bytes: ArraySlice<UInt8>) {
        let text = bytes.trimmingWhitespace
        guard let first = text.first else { return nil }

        var displayName: String? = nil
        let uriBytes: ArraySlice<UInt8>
        let parameterBytes: ArraySlice<UInt8>
        var rest = text

        if first == ASCII.quote {
            guard let (name, afterName) = NameAddress.quotedString(text) else { return nil }
            displayName = name
            rest = afterName.trimmingWhitespace
            guard rest.first == ASCII.lessThan else { return nil }
        }
        if let open = rest.firstIndex(of: ASCII.lessThan) {
            guard let close = rest[open...].firstIndex(of: ASCII.greaterThan) else { return nil }
            if displayName == nil {
                let name = rest[rest.startIndex..<open].trimmingWhitespace
                if !name.isEmpty { displayName = name.text }
            }
            uriBytes = rest[(open + 1)..<close]
            parameterBytes = rest[(close + 1)...]
        } else {
            let semicolon = rest.firstIndex(of: ASCII.semicolon) ?? rest.endIndex
            uriBytes = rest[rest.startIndex..<semicolon]
            parameterBytes = rest[semicolon...]
        }
        guard let uri = SIPURI(bytes: uriBytes) else { return nil }
        let parameters = SIPParameters.parse(parameterBytes)
        if displayName?.isEmpty == true { displayName = nil }
        self.init(displayName: displayName, uri: uri, tag: parameters["tag"].flatMap { $0.isEmpty ? nil : $0 },
                  parameters: parameters)
    }

    /// A quoted string at the start of `text`: its unescaped content and the bytes after the
    /// closing quote; nil when it never closes.
    private static func quotedString(_ text: ArraySlice<UInt8>) -> (String, ArraySlice<UInt8>)? {
        var content: [UInt8] = []
        var index = text.startIndex + 1
        while index < text.endIndex {
            let byte = text[index]
            if byte == ASCII.backslash, index + 1 < text.endIndex {
                content.append(text[index + 1])
                index += 2
                continue
            }
            if byte == ASCII.quote {
                return (String(decoding: content, as: UTF8.self), text[(index + 1)...])
            }
            content.append(byte)
            index += 1
        }
        return nil
    }
}
