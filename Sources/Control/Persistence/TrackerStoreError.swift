/// Why the tracker's SQLite store could not be opened or prepared.
public enum TrackerStoreError: Error, Sendable, CustomStringConvertible {
    /// The database file could not be opened, or its schema could not be brought up to date.
    case cannotOpen(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open the tracker database \(path): \(reason)"
        }
    }
}
