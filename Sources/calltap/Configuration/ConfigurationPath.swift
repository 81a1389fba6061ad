/// Where a value sits in the configuration, as errors name it: `http.keys[0].role`.
struct ConfigurationPath: Sendable, Equatable, CustomStringConvertible {
    /// Empty at the top level.
    private(set) var description = ""

    static let root = ConfigurationPath()

    /// The value under `name` in this mapping.
    func key(_ name: String) -> ConfigurationPath {
        ConfigurationPath(description: description.isEmpty ? name : description + "." + name)
    }

    /// The item at `index` (0-based) of this list.
    func index(_ index: Int) -> ConfigurationPath {
        ConfigurationPath(description: description + "[\(index)]")
    }

    /// How a message names the place of a key: `under calls`, `at the top level`.
    var whereabouts: String { description.isEmpty ? "at the top level" : "under \(description)" }
}
