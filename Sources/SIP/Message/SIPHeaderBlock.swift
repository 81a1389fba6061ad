/// The head of a SIP message (start line and header lines) located in a buffer and split into
/// lines, shared by ``SIPParser/parse(_:)`` and ``SIPParser/messageLength(_:)``.
struct SIPHeaderBlock {
    /// The start line, without its line end.
    var startLine: ArraySlice<UInt8>
    var fields: [SIPHeaderField]

    /// Headers beyond this many bytes are refused: no real SIP message comes near it, and the
    /// bound keeps a stream that never sends the empty line from growing without end.
    static let maxHeaderBytes = 64 * 1024

    /// Where the message starts: RFC 3261 §7.5 lets CRLFs (stream keep-alives) precede it.
    static func messageStart(_ bytes: UnsafeRawBufferPointer) -> Int {
        var index = 0
        while index < bytes.count, bytes[index] == ASCII.cr || bytes[index] == ASCII.lf { index += 1 }
        return index
    }

    /// Finds the empty line that closes the head. `headEnd` is just after the line end of the last
    /// header line, `bodyStart` just after the empty line. Both CRLF and bare LF line ends count.
    /// Looks at no more than `maxHeaderBytes` (+ the closing line end) past `start`.
    static func locateEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> (headEnd: Int, bodyStart: Int)? {
        let count = bytes.count
        let searchEnd = min(count, start &+ maxHeaderBytes &+ 3)
        var index = start
        while index < searchEnd {
            if bytes[index] == ASCII.lf {
                let next = index + 1
                if next < count, bytes[next] == ASCII.lf { return (next, next + 1) }
                if next + 1 < count, bytes[next] == ASCII.cr, bytes[next + 1] == ASCII.lf { return (next, next + 2) }
            }
            index += 1
        }
        return nil
    }

    /// The position of the first LF at or after `start`, or nil.
    static func firstLineEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while index < bytes.count {
            if bytes[index] == ASCII.lf { return index }
            index += 1
        }
        return nil
    }

    /// Splits the head (start line through the last header line's line end) into the start line
    /// and header fields. A line that starts with a space or tab continues the previous header;
    /// a line without a colon or with a name that is not a token is dropped, together with its
    /// continuation lines, since nothing can be known about it.
    init(head: ArraySlice<UInt8>) {
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = head.startIndex
        var index = head.startIndex
        while index < head.endIndex {
            if head[index] == ASCII.lf {
                var lineEnd = index
                if lineEnd > lineStart, head[lineEnd - 1] == ASCII.cr { lineEnd -= 1 }
                lines.append(head[lineStart..<lineEnd])
                lineStart = index + 1
            }
            index += 1
        }
        if lineStart < head.endIndex {
            var lineEnd = head.endIndex
            if head[lineEnd - 1] == ASCII.cr { lineEnd -= 1 }
            lines.append(head[lineStart..<lineEnd])
        }

        startLine = lines.first ?? head[head.startIndex..<head.startIndex]
        fields = []
        var name: ArraySlice<UInt8>? = nil
        var value: [UInt8] = []
        func flush() {
            if let pending = name {
                fields.append(SIPHeaderField(name: pending.text, value: String(decoding: value, as: UTF8.self)))
            }
            name = nil
            value.removeAll(keepingCapacity: true)
        }
        for line in lines.dropFirst() {
            guard let first = line.first else { continue }
            if ASCII.isWhitespace(first) {
                guard name != nil else { continue }
                let continuation = line.trimmingWhitespace
                if !continuation.isEmpty {
                    if !value.isEmpty { value.append(ASCII.space) }
                    value.append(contentsOf: continuation)
                }
                continue
            }
            flush()
            guard let colon = line.firstIndex(of: ASCII.colon) else { continue }
            let fieldName = line[line.startIndex..<colon].trimmingWhitespace
            guard !fieldName.isEmpty, fieldName.allSatisfy(ASCII.isTokenCharacter) else { continue }
            name = fieldName
            value.append(contentsOf: line[(colon + 1)...].trimmingWhitespace)
        }
        flush()
    }
}
