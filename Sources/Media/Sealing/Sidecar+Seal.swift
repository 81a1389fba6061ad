import Crypto
import Foundation

extension Sidecar {
    /// Where a sidecar stands on its server's chain of sealed recordings: its place, the digest of
    /// the sidecar sealed just before it (which the ledger names), and the server's signature over
    /// the whole sidecar. A late blackout or a metadata update seals the sidecar again at the end
    /// of the chain and says which place it `replaces`, so the chain grows instead of breaking.
    public struct Seal: Codable, Sendable, Equatable {
        /// Its place on the chain, from 1.
        public var sequence: Int
        /// The place of the version of this sidecar this one replaces, if any.
        public var replaces: Int?
        /// SHA-256 of the sidecar file sealed at `sequence - 1`, as it was sealed (the ledger's
        /// `SidecarSha256` there); 64 zeros for the first.
        public var previousSidecarSha256: String
        /// `SealPublicKey.identifier` of the key that signed.
        public var keyId: String
        /// Base64 Ed25519 signature of the sidecar's bytes (`encoded()`) with this field empty.
        public var signature: String

        enum CodingKeys: String, CodingKey {
            case sequence = "Sequence", replaces = "Replaces", previousSidecarSha256 = "PreviousSidecarSha256"
            case keyId = "KeyId", signature = "Signature"
        }
    }

    /// The bytes a seal signs: the sidecar with its signature left empty.
    func signedBytes() throws -> Data {
        var unsigned = self
        unsigned.seal?.signature = ""
        return try unsigned.encoded()
    }

    /// Signs the sidecar with `key` as sealed by `seal` (whose signature is filled in).
    func sealed(_ seal: Seal, with key: SealKey) throws -> Sidecar {
        var sidecar = self
        sidecar.seal = seal
        let signature = key.signature(for: try sidecar.signedBytes())
        sidecar.seal?.signature = signature
        return sidecar
    }

    /// Whether the seal's signature is `key`'s over this sidecar.
    func hasValidSeal(_ key: SealPublicKey) -> Bool {
        guard let seal, seal.keyId == key.identifier, let bytes = try? signedBytes() else { return false }
        return key.isValid(signature: seal.signature, for: bytes)
    }
}

enum SealDigest {
    static let none = String(repeating: "0", count: 64)

    static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).hexDigits
    }
}
