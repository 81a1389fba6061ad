/// Why a message from the broker was not taken: it is counted and skipped, never fatal.
public enum ClusterMessageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not JSON, or JSON without the fields of its type.
    case malformed(String)
    /// Written by a newer (or older) calltap than this one understands.
    case unsupportedVersion(Int)
    /// A `Type` this version does not know.
    case unknownType(String)

    public var description: String {
        switch self {
        case .malformed(let why): "malformed cluster message: \(why)"
        case .unsupportedVersion(let version):
            "cluster message version \(version) is not supported (this server reads version \(ClusterMessage.currentVersion))"
        case .unknownType(let type): "unknown cluster message type '\(type)'"
        }
    }
}
