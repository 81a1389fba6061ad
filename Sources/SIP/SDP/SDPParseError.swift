/// Why a body could not be read as a session description.
public enum SDPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The body holds nothing but white space.
    case empty
    /// No line has the `x=value` form.
    case notSDP
    /// After skipping broken lines, neither a media line nor a connection line is left.
    case noMediaOrConnection
    /// The body exceeds the parser's bound.
    case tooLarge

    /// One human sentence.
    public var message: String {
        switch self {
        case .empty: "The session description is empty."
        case .notSDP: "The body has no line of the form x=value, so it is not a session description."
        case .noMediaOrConnection: "The session description has neither a usable m= line nor a usable c= line."
        case .tooLarge: "The session description exceeds the size the parser accepts."
        }
    }

    public var description: String { message }
}
