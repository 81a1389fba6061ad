/// Why bytes could not be read as a SIP message.
public enum SIPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The first line is neither a request line nor a status line.
    case notSIP
    /// The header section does not end with an empty line.
    case truncatedHeaders
    /// The first line looks like SIP but is broken (bad method, URI, version or status code).
    case malformedStartLine
    /// A header every message must have (`Call-ID`, `From`, `To`, `CSeq`) is absent or empty.
    case missingHeader(String)
    /// A header that must be understood could not be parsed.
    case malformedHeader(String)
    /// `Content-Length` is not a decimal number.
    case badContentLength
    /// The headers or the body exceed the parser's bounds.
    case tooLarge

    /// One human sentence.
    public var message: String {
        switch self {
        case .notSIP: "The data does not start with a SIP request line or status line."
        case .truncatedHeaders: "The SIP headers end before the empty line that closes them."
        case .malformedStartLine: "The first line of the SIP message is malformed."
        case .missingHeader(let name): "The SIP message has no \(name) header."
        case .malformedHeader(let name): "The \(name) header of the SIP message is malformed."
        case .badContentLength: "The Content-Length header of the SIP message is not a valid number."
        case .tooLarge: "The SIP message exceeds the size the parser accepts."
        }
    }

    public var description: String { message }
}
