/// A MIME multipart body (RFC 2046) split into its parts, as SIP carries SDP next to ISUP,
/// PIDF-LO or XML in `multipart/mixed`, `related` and `alternative` bodies.
struct MultipartBody {
    /// One body part: its lower-cased media type (nil when the part does not say, which MIME
    /// reads as text/plain), the type's full header value, and its content.
    struct Part {
        var contentType: String?
        var contentTypeValue: ArraySlice<UInt8>
        var content: ArraySlice<UInt8>
    }

    var parts: [Part]

    /// RFC 2046 caps boundaries at 70 characters; a little slack for senders that ignore it,
    /// and a hard cap because the delimiter search costs its length at each candidate position.
    static let maxBoundaryLength = 200

    /// The `boundary` parameter of a multipart Content-Type value; nil when absent or unusable.
    static func boundary(contentTypeValue: ArraySlice<UInt8>) -> [UInt8]? {
        guard let semicolon = contentTypeValue.firstIndex(of: ASCII.semicolon) else { return nil }
        guard let boundary = SIPParameters.parse(contentTypeValue[semicolon...])["boundary"] else { return nil }
        let bytes = Array(boundary.utf8)
        guard !bytes.isEmpty, bytes.count <= maxBoundaryLength else { return nil }
        return bytes
    }

    /// Splits `body` at `--boundary` lines. Text before the first delimiter (the preamble) and
    /// after the closing `--boundary--` (the epilogue) is dropped; a body cut short keeps the
    /// parts it has, the last one up to where the bytes end.
    init(body: ArraySlice<UInt8>, boundary: [UInt8]) {
        var delimiter: [UInt8] = [ASCII.hyphen, ASCII.hyphen]
        delimiter.append(contentsOf: boundary)
        parts = []

        // Positions of delimiters that start a line.
        var delimiters: [Int] = []
        var index = body.startIndex
        while index + delimiter.count <= body.endIndex {
            if (index == body.startIndex || body[index - 1] == ASCII.lf),
               body[index] == ASCII.hyphen, body[index..<(index + delimiter.count)].elementsEqual(delimiter) {
                delimiters.append(index)
                index += delimiter.count
            } else {
                index += 1
            }
        }

        for (position, delimiterStart) in delimiters.enumerated() {
            let afterDelimiter = delimiterStart + delimiter.count
            // `--boundary--` closes the body.
            if afterDelimiter + 2 <= body.endIndex, body[afterDelimiter] == ASCII.hyphen,
               body[afterDelimiter + 1] == ASCII.hyphen {
                break
            }
            // The rest of the delimiter line (transport padding) is ignored.
            guard let lineEnd = body[afterDelimiter...].firstIndex(of: ASCII.lf) else { break }
            let partStart = lineEnd + 1
            var partEnd = position + 1 < delimiters.count ? delimiters[position + 1] : body.endIndex
            // The line end before the next delimiter belongs to the delimiter.
            if position + 1 < delimiters.count {
                if partEnd > partStart, body[partEnd - 1] == ASCII.lf { partEnd -= 1 }
                if partEnd > partStart, body[partEnd - 1] == ASCII.cr { partEnd -= 1 }
            }
            guard partStart <= partEnd else { continue }
            parts.append(MultipartBody.part(body[partStart..<partEnd]))
        }
    }

    /// Reads a part's headers (up to its empty line) and keeps only its Content-Type.
    private static func part(_ bytes: ArraySlice<UInt8>) -> Part {
        var contentTypeValue: ArraySlice<UInt8> = bytes[bytes.startIndex..<bytes.startIndex]
        var lineStart = bytes.startIndex
        var contentStart = bytes.endIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            guard bytes[index] == ASCII.lf else { index += 1; continue }
            var line = bytes[lineStart..<index]
            if line.last == ASCII.cr { line = line.dropLast() }
            if line.isEmpty {
                contentStart = index + 1
                break
            }
            if let colon = line.firstIndex(of: ASCII.colon) {
                let name = line[line.startIndex..<colon].trimmingWhitespace
                if name.equalsIgnoringCase("content-type") || name.equalsIgnoringCase("c") {
                    contentTypeValue = line[(colon + 1)...].trimmingWhitespace
                }
            }
            lineStart = index + 1
            index += 1
        }
        return Part(contentType: SIPParser.mediaType(contentTypeValue), contentTypeValue: contentTypeValue,
                    content: bytes[contentStart...])
    }
}
