/// Reads SIP messages (RFC 3261) from datagrams and streams.
///
/// The parser accepts what real networks send (bare LF line ends, compact header names, folded
/// lines, missing Via, IPv6 hosts without brackets) and refuses, with a typed error and never a
/// trap, what it cannot make sense of. Work is linear in the message size.
public enum SIPParser {
    /// Bodies beyond this many bytes are refused on streams: SIP bodies are SDP, a few kilobytes.
    public static let maxBodyBytes = 1024 * 1024
    /// Headers beyond this many bytes are refused.
    public static let maxHeaderBytes = SIPHeaderBlock.maxHeaderBytes

    /// Cheap check, no allocation: does the buffer start like a SIP request line
    /// (`METHOD sip:`/`sips:`/`tel:` … ` SIP/2.0`) or a status line (`SIP/2.0 NNN`)?
    /// Used by the classifier on every UDP packet on non-SIP ports.
    public static func looksLikeSIP(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        guard count >= 12 else { return false }
        if matches(bytes, at: 0, "sip/2.0 ") {
            return ASCII.isDigit(bytes[8]) && ASCII.isDigit(bytes[9]) && ASCII.isDigit(bytes[10])
                && (bytes[11] == ASCII.space || bytes[11] == ASCII.cr || bytes[11] == ASCII.lf)
        }
        // Method: a token of at most 32 characters (the longest registered method is 9).
        var index = 0
        while index < min(count, 33), ASCII.isTokenCharacter(bytes[index]) { index += 1 }
        guard index > 0, index < count, bytes[index] == ASCII.space else { return false }
        index += 1
        guard matches(bytes, at: index, "sip:") || matches(bytes, at: index, "sips:")
                || matches(bytes, at: index, "tel:")
        else { return false }
        // The request line must end in ` SIP/2.0`; look no further than a long Request-URI.
        let searchEnd = min(count, index + 2048)
        while index < searchEnd, bytes[index] != ASCII.cr, bytes[index] != ASCII.lf { index += 1 }
        return index >= 8 && matches(bytes, at: index - 8, " sip/2.0")
    }

    /// Parses one message. For a datagram, a body shorter than Content-Length is kept as far as
    /// it goes and flagged with ``SIPMessage/isBodyTruncated``.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(SIPParseError) -> SIPMessage {
        let start = SIPHeaderBlock.messageStart(bytes)
        guard start < bytes.count else { throw .notSIP }
        guard let (headEnd, bodyStart) = SIPHeaderBlock.locateEnd(bytes, from: start) else {
            // Tell a datagram that is not SIP at all from one cut short.
            try checkFirstLine(bytes, from: start)
            throw bytes.count - start > maxHeaderBytes ? .tooLarge : .truncatedHeaders
        }
        guard headEnd - start <= maxHeaderBytes else { throw .tooLarge }
        let head = SIPHeaderBlock(head: copy(bytes, start..<headEnd)[...])
        let startLine = try SIPMessage.StartLine(line: head.startLine)
        var message = try structuredHeaders(head, startLine: startLine)

        let available = bytes.count - bodyStart
        var bodyLength = available
        if let contentLength = try contentLength(head.fields) {
            bodyLength = min(contentLength, available)
            message.isBodyTruncated = contentLength > available
        }
        message.body = copy(bytes, bodyStart..<(bodyStart + bodyLength))
        readSessionDescription(into: &message)
        return message
    }

    /// For stream transports (TCP, TLS, WebSocket): the length of the first complete message in
    /// `bytes` (any CRLF keep-alives before it, headers, and Content-Length bytes of body), or
    /// nil if more bytes are needed. A message without Content-Length has no body (RFC 3261
    /// §18.3 makes it mandatory on streams). Throws as soon as the start line or Content-Length
    /// is broken, or the keep-alives or the headers exceed ``maxHeaderBytes`` or the body
    /// ``maxBodyBytes``. ``parse(_:)`` skips the keep-alives, so the returned slice can be
    /// handed to it as it is.
    public static func messageLength(_ bytes: UnsafeRawBufferPointer) throws(SIPParseError) -> Int? {
        let start = SIPHeaderBlock.messageStart(bytes)
        // Keep-alives are counted into the next message; a peer that sends nothing else for
        // 64 KiB of them is not a SIP peer, and the caller's buffer must not grow for ever.
        guard start <= maxHeaderBytes else { throw .tooLarge }
        guard start < bytes.count else { return nil }
        guard let (headEnd, bodyStart) = SIPHeaderBlock.locateEnd(bytes, from: start) else {
            if bytes.count - start > maxHeaderBytes { throw .tooLarge }
            try checkFirstLine(bytes, from: start)
            return nil
        }
        guard headEnd - start <= maxHeaderBytes else { throw .tooLarge }
        let head = SIPHeaderBlock(head: copy(bytes, start..<headEnd)[...])
        _ = try SIPMessage.StartLine(line: head.startLine)
        let bodyLength = try contentLength(head.fields) ?? 0
        guard bodyLength <= maxBodyBytes else { throw .tooLarge }
        let total = bodyStart + bodyLength
        return total <= bytes.count ? total : nil
    }

    // MARK: - Pieces

    /// Before the head is complete: a complete first line must be a valid start line, and an
    /// incomplete one must at least begin like one (`SIP/` or a method token and a space, or a
    /// token that may still become one), so a stream of something else is refused early.
    private static func checkFirstLine(_ bytes: UnsafeRawBufferPointer, from start: Int) throws(SIPParseError) {
        if let lineEnd = SIPHeaderBlock.firstLineEnd(bytes, from: start) {
            guard lineEnd - start <= maxHeaderBytes else { throw .tooLarge }
            var line = copy(bytes, start..<lineEnd)[...]
            if line.last == ASCII.cr { line = line.dropLast() }
            _ = try SIPMessage.StartLine(line: line)
            return
        }
        if matches(bytes, at: start, "sip/") { return }
        var index = start
        while index < bytes.count, ASCII.isTokenCharacter(bytes[index]) { index += 1 }
        guard index > start, index == bytes.count || bytes[index] == ASCII.space else { throw .notSIP }
    }

    private static func copy(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> [UInt8] {
        Array(UnsafeRawBufferPointer(rebasing: bytes[range]))
    }

    /// ASCII case-insensitive match of a lower-case literal at `offset`, without allocating.
    private static func matches(_ bytes: UnsafeRawBufferPointer, at offset: Int, _ literal: StaticString) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard offset >= 0, offset <= bytes.count - length else { return false }
        return literal.withUTF8Buffer { literal in
            for index in 0..<length where ASCII.lowercased(bytes[offset + index]) != literal[index] {
                return false
            }
            return true
        }
    }

    /// The first Content-Length; nil when there is none. More than `Int` can hold is as broken as
    /// letters: either way the framing cannot be trusted.
    private static func contentLength(_ fields: [SIPHeaderField]) throws(SIPParseError) -> Int? {
        guard let field = fields.first(where: { $0.canonicalName == "content-length" }) else { return nil }
        guard let length = Array(field.value.utf8)[...].trimmingWhitespace.decimal(as: Int.self) else {
            throw .badContentLength
        }
        return length
    }

    private static func structuredHeaders(_ head: SIPHeaderBlock, startLine: SIPMessage.StartLine)
        throws(SIPParseError) -> SIPMessage
    {
        func first(_ key: String) -> ArraySlice<UInt8>? {
            head.fields.first { $0.canonicalName == key }.map { Array($0.value.utf8)[...] }
        }
        func all(_ key: String) -> [ArraySlice<UInt8>] {
            head.fields.compactMap { $0.canonicalName == key ? Array($0.value.utf8)[...] : nil }
        }

        guard let callIDBytes = first("call-id"), !callIDBytes.isEmpty else { throw .missingHeader("Call-ID") }
        guard let fromBytes = first("from"), !fromBytes.isEmpty else { throw .missingHeader("From") }
        guard let toBytes = first("to"), !toBytes.isEmpty else { throw .missingHeader("To") }
        guard let cseqBytes = first("cseq"), !cseqBytes.isEmpty else { throw .missingHeader("CSeq") }
        guard let from = NameAddress(bytes: fromBytes) else { throw .malformedHeader("From") }
        guard let to = NameAddress(bytes: toBytes) else { throw .malformedHeader("To") }
        guard let cseq = CSeq(bytes: cseqBytes) else { throw .malformedHeader("CSeq") }

        let via = all("via").flatMap { $0.splitOutsideQuotes(separator: ASCII.comma).map(\.text) }
        let contact = first("contact").flatMap { value -> NameAddress? in
            guard let firstValue = value.splitOutsideQuotes(separator: ASCII.comma).first,
                  !(firstValue.count == 1 && firstValue.first == ASCII.asterisk)  // REGISTER: remove all
            else { return nil }
            return NameAddress(bytes: firstValue)
        }
        let identities = all("p-asserted-identity").flatMap {
            $0.splitOutsideQuotes(separator: ASCII.comma).compactMap(NameAddress.init(bytes:))
        }
        let contentType = first("content-type").flatMap(mediaType)

        return SIPMessage(startLine: startLine, callID: callIDBytes.text, from: from, to: to, cseq: cseq,
                          via: via, contact: contact, pAssertedIdentity: identities,
                          contentType: contentType, headerFields: head.fields)
    }

    /// `Application/SDP; charset=x` → `application/sdp`; nil when empty.
    static func mediaType(_ value: ArraySlice<UInt8>) -> String? {
        let type = value[value.startIndex..<(value.firstIndex(of: ASCII.semicolon) ?? value.endIndex)]
            .trimmingWhitespace
        return type.isEmpty ? nil : type.lowercasedText
    }
}
