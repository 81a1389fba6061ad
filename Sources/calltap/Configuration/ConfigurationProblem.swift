/// One thing wrong in a configuration file, where it is and what: `FILE:LINE: key.path: message`.
struct ConfigurationProblem: Sendable, Equatable, CustomStringConvertible {
    /// The file as the user named it.
    var file: String
    /// 1-based line of the offending key or value.
    var line: Int
    /// Where the value sits (`agents[2].policy`); empty for the file as a whole.
    var path: String
    var message: String

    var description: String {
        path.isEmpty ? "\(file):\(line): \(message)" : "\(file):\(line): \(path): \(message)"
    }
}
