import Foundation

extension Sidecar {
    /// Writes the sidecar to `path` as every writer of sidecars does (pretty, sorted keys), in one
    /// atomic step, so that a reader never sees half a file and a rewrite reads like the original.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
