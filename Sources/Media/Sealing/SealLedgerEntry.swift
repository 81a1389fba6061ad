import Foundation

/// One line of the seal ledger (`SealLedger`): one event on a server's chain of recordings, linked
/// to the line before by its digest and signed by the server's key.
public struct SealLedgerEntry: Codable, Sendable, Equatable {
    public enum Event: String, Codable, Sendable {
        /// A finished recording's sidecar sealed for the first time.
        case sealed
        /// A sealed sidecar rewritten (a late blackout, a metadata update) and sealed again.
        case resealed
        /// Deleted by retention.
        case removed
        /// Moved to the archive root by retention.
        case archived
    }

    /// Its place on the chain, from 1 (a sealed sidecar's `Seal.sequence`).
    public var sequence: Int
    /// UTC, ISO 8601.
    public var time: String
    public var event: Event
    public var recording: String
    /// The sidecar's path relative to the storage root.
    public var sidecar: String
    /// SHA-256 of the sidecar file: as sealed (sealed, resealed), or as it was when it left
    /// (removed, archived).
    public var sidecarSha256: String
    /// resealed: the place of the version it replaces; removed, archived: the place of the
    /// version that left.
    public var replaces: Int?
    /// archived: where the sidecar went.
    public var archivedTo: String?
    /// SHA-256 of the line before (its bytes without the newline); 64 zeros on the first line.
    public var previous: String
    public var keyId: String
    /// Base64 Ed25519 signature of the line's bytes with this field empty.
    public var signature: String

    enum CodingKeys: String, CodingKey {
        case sequence = "Sequence", time = "Time", event = "Event", recording = "Recording", sidecar = "Sidecar"
        case sidecarSha256 = "SidecarSha256", replaces = "Replaces", archivedTo = "ArchivedTo", previous = "Previous"
        case keyId = "KeyId", signature = "Signature"
    }

    /// The line's bytes (without the newline): compact JSON, sorted keys.
    func line() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    func signed(with key: SealKey) throws -> SealLedgerEntry {
        var entry = self
        entry.signature = ""
        entry.signature = key.signature(for: try entry.line())
        return entry
    }

    func hasValidSignature(_ key: SealPublicKey) -> Bool {
        var unsigned = self
        unsigned.signature = ""
        guard keyId == key.identifier, let bytes = try? unsigned.line() else { return false }
        return key.isValid(signature: signature, for: bytes)
    }

    /// Whether the recording's sidecar is meant to be in the root after this event.
    var leavesSidecarInRoot: Bool { event == .sealed || event == .resealed }
}
