import ArgumentParser
import Control
import Foundation
import Media

/// `calltap verify [ROOT]`: checks a storage root against its seal chain (`SealVerification`) and
/// names every file changed, removed, inserted or moved, and every ledger line that does not
/// hold. Exit 0 when everything is as sealed, 1 when something is not, 2 when it cannot check.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check recordings, sidecars and the seal ledger against the server's signatures.",
        discussion: """
            Without ROOT, the configuration's storage.root; without --public-key, the public half \
            of storage.sealing.keyFile. Exit status: 0 intact, 1 something was changed, removed, \
            inserted or moved (each is listed), 2 the check could not run.
            """
    )

    @Argument(help: "The storage root to check (default: storage.root of the configuration).")
    var root: String?

    @Option(help: "The server's public key (PEM, as `openssl pkey -pubout` writes it, or the key file itself).")
    var publicKey: String?

    @Option(help: "The YAML configuration file, for the storage root and the seal key.")
    var config: String = ConfigurationFile.defaultPath

    func run() throws {
        var configuration: ServerConfiguration?
        if root == nil || publicKey == nil {
            do {
                configuration = try ConfigurationFile.load(path: config)
            } catch {
                throw CommandFailure.exit("\(error.description) (or give ROOT and --public-key)")
            }
        }
        let root = root ?? configuration?.engine.storageRoot ?? ""
        guard let keyPath = publicKey ?? configuration?.sealKeyFile else {
            throw CommandFailure.exit("no key to check against: give --public-key, or set storage.sealing.keyFile in \(config)")
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isFolder), isFolder.boolValue else {
            throw CommandFailure.exit("'\(root)' is not a folder")
        }
        let key: SealPublicKey
        do {
            key = try SealPublicKey.read(path: keyPath)
        } catch {
            throw CommandFailure.exit("\(error)")
        }
        let result = SealVerification(root: root, key: key)
        for finding in result.findings { print(finding) }
        var summary = "\(result.ledgerLines) ledger lines, \(result.sidecars) sidecars, \(result.audioFiles) audio files checked "
            + "with key \(key.identifier)"
        if result.sealedBeforeChain > 0 { summary += "; \(result.sealedBeforeChain) sidecars written before sealing began" }
        print(summary + (result.isIntact ? ": intact" : ": \(result.findings.count) findings"))
        if !result.isIntact { throw ExitCode(1) }
    }
}
