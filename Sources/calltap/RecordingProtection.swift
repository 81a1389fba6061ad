import Control
import Foundation
import Logging
import Media

/// The sealer and the encryptor every command that writes or removes recordings uses when the
/// configuration names `storage.sealing.keyFile`, `storage.encryption.keyFile`: `serve`,
/// `replay --config`, `sweep` (sealing only), `export` (decrypting only).
enum RecordingProtection {
    /// Nil when nothing is to be sealed; logs the key it seals with (and that it made it).
    static func sealer(_ configuration: ServerConfiguration, logger: Logger?) throws -> RecordingSealer? {
        guard let keyFile = configuration.sealKeyFile else { return nil }
        let root = configuration.engine.storageRoot
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            let (sealer, created) = try RecordingSealer.open(keyFile: keyFile, root: root)
            logger?.notice(created ? "sealing recordings with a new key" : "sealing recordings",
                           metadata: ["key": "\(keyFile)", "key_id": "\(sealer.key.publicKey.identifier)",
                                      "ledger": "\(RecordingSealer.ledgerPath(root: root))"])
            return sealer
        } catch {
            throw CommandFailure.exit("storage.sealing: \(error)")
        }
    }

    /// The encryptor of recorded audio when the configuration names `storage.encryption.keyFile`.
    static func encryptor(_ configuration: ServerConfiguration) throws -> RecordingEncryptor? {
        guard let keyFile = configuration.audioKeyFile else { return nil }
        do {
            return try RecordingEncryptor(keyFile: keyFile)
        } catch {
            throw CommandFailure.exit("storage.encryption: \(error)")
        }
    }
}
