/// One header line of a SIP message (continuation lines joined), with its name as written.
public struct SIPHeaderField: Hashable, Sendable {
    /// As written on the wire, e.g. `call-id` or `i`.
    public let name: String
    /// Trimmed; folded continuation lines are joined with one space.
    public let value: String
    /// The lower-cased full name (`i` becomes `call-id`), which lookups compare.
    public let canonicalName: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
        self.canonicalName = SIPHeaderField.canonicalName(name)
    }

    /// Lower-cased, with compact forms (RFC 3261 §7.3.3 and later RFCs) expanded.
    public static func canonicalName(_ name: some StringProtocol) -> String {
        let lower = name.lowercased()
        guard lower.utf8.count == 1 else { return lower }
        switch lower {
        case "i": return "call-id"
        case "f": return "from"
        case "t": return "to"
        case "v": return "via"
        case "m": return "contact"
        case "l": return "content-length"
        case "c": return "content-type"
        case "k": return "supported"
        case "s": return "subject"
        case "e": return "content-encoding"
        case "o": return "event"
        case "r": return "refer-to"
        case "b": return "referred-by"
        case "x": return "session-expires"
        case "u": return "allow-events"
        case "a": return "accept-contact"
        case "j": return "reject-contact"
        case "d": return "request-disposition"
        case "y": return "identity"
        case "n": return "identity-info"
        default: return lower
        }
    }
}
