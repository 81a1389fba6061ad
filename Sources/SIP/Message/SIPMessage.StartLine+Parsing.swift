extension SIPMessage.StartLine {
    /// Reads `METHOD uri SIP/2.0` or `SIP/2.0 200 reason`.
    ///
    /// Throws ``SIPParseError/notSIP`` when the line has neither shape, and
    /// ``SIPParseError/malformedStartLine`` when it has one but a part is broken, so a fuzzed
    /// message still counts as SIP in the statistics.
    init(line: ArraySlice<UInt8>) throws(SIPParseError) {
        let text = line.trimmingWhitespace
        if text.hasPrefixIgnoringCase("sip/") {
            let fields = text.splitOnWhitespace()
            guard fields.count >= 2, fields[0].equalsIgnoringCase("sip/2.0"), fields[1].count == 3,
                  let status = fields[1].decimal(as: Int.self), (100...699).contains(status)
            else { throw .malformedStartLine }
            // The reason phrase keeps its inner spaces: it is everything after the code.
            let reasonStart = fields[1].endIndex
            self = .response(status: status, reason: text[reasonStart...].trimmingWhitespace.text)
            return
        }
        guard text.count > 8, text[(text.endIndex - 8)...].equalsIgnoringCase(" sip/2.0")
                || text[(text.endIndex - 8)...].equalsIgnoringCase("\tsip/2.0")
        else { throw .notSIP }
        let methodEnd = text.firstIndex(where: ASCII.isWhitespace) ?? text.endIndex
        let method = text[text.startIndex..<methodEnd]
        guard !method.isEmpty, method.allSatisfy(ASCII.isTokenCharacter) else { throw .malformedStartLine }
        let uriBytes = text[methodEnd..<(text.endIndex - 8)].trimmingWhitespace
        guard !uriBytes.isEmpty, !uriBytes.contains(where: ASCII.isWhitespace),
              let uri = SIPURI(bytes: uriBytes)
        else { throw .malformedStartLine }
        self = .request(method: SIPMethod(method.text), uri: uri)
    }
}
