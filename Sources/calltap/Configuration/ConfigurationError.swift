/// A configuration file that cannot be used: unreadable, or every problem found in it.
enum ConfigurationError: Error, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    /// Every problem, in the order of the file (YAML syntax errors stop at the first).
    case invalid([ConfigurationProblem])

    /// One line per problem, as `check-config` and `replay` print them.
    var lines: [String] {
        switch self {
        case .unreadable(let file, let reason): ["cannot read configuration \(file): \(reason)"]
        case .invalid(let problems): problems.map(\.description)
        }
    }

    var description: String { lines.joined(separator: "\n") }
}
