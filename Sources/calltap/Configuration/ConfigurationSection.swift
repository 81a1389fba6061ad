import Yams

/// A YAML mapping of the configuration whose keys were checked against the names its section
/// allows: unknown and duplicate keys are already reported, merge keys (`<<: *defaults`) applied.
struct ConfigurationSection {
    let path: ConfigurationPath
    /// Line of the mapping, for problems about a key that is missing.
    let line: Int
    private let entries: [String: Node]

    init(path: ConfigurationPath, line: Int, entries: [String: Node]) {
        self.path = path
        self.line = line
        self.entries = entries
    }

    /// The value under `key`, nil when the key is absent.
    subscript(key: String) -> Node? { entries[key] }

    /// The place of the value under `key`.
    func path(_ key: String) -> ConfigurationPath { path.key(key) }
}
