import Foundation

/// A JSON document the tracker stores (an agent, a call, a directory entry), encoded when the
/// store's writer thread commits it rather than when the tracker asks. Encoding a call's document
/// was most of what a command cost the capture thread (bench-api, perf); and of several versions
/// of one document queued together, only the last is encoded at all.
public struct StoredDocument: Sendable {
    private let make: @Sendable () -> Data?

    /// A document already encoded.
    public init(_ data: Data) {
        make = { data }
    }

    /// A value to encode as JSON (keys sorted) on the writer thread; the value is copied now.
    public init(encoding value: some Encodable & Sendable) {
        make = { try? StoredDocument.encoder().encode(value) }
    }

    /// The bytes to store; nil when the value cannot be encoded (logged by the store as a failed write).
    var data: Data? { make() }

    private static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
