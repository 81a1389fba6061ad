import Control
import Foundation
import Logging
import Media

/// The sealer every command that writes or removes recordings uses when the configuration names
/// `storage.sealing.keyFile`: `serve`, `replay --config`, `sweep`.
enum RecordingSealing {
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
}
