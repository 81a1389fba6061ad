import Foundation

extension Sidecar {
    /// The one encoding of a sidecar: pretty, sorted keys. A seal signs these bytes, and `calltap
    /// verify` encodes what it reads again to find a changed byte, so every writer uses it.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Writes the sidecar to `path` in one atomic step, so that a reader never sees half a file
    /// and a rewrite reads like the original. With a `sealer`, sealed on its chain first.
    public func write(to path: String, sealedBy sealer: RecordingSealer? = nil) throws {
        if let sealer {
            try sealer.write(self, to: path)
        } else {
            try encoded().write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }
}
