extension Sidecar {
    /// The audio files are encrypted at rest (`EncryptedAudioFile`): with which key, in chunks
    /// of how many bytes, and the SHA-256 of each file as stored. `Sha256` (and `Files[].Sha256`)
    /// stay the digests of the plain audio, as the API serves it.
    public struct Encryption: Codable, Sendable, Equatable {
        public var algorithm = "AES-256-GCM"
        public var keyId: String
        public var chunkBytes: Int
        public var files: [StoredFile]

        public struct StoredFile: Codable, Sendable, Equatable {
            public var file: String
            public var sha256: String

            enum CodingKeys: String, CodingKey {
                case file = "File", sha256 = "Sha256"
            }
        }

        enum CodingKeys: String, CodingKey {
            case algorithm = "Algorithm", keyId = "KeyId", chunkBytes = "ChunkBytes", files = "Files"
        }
    }
}
