import ArgumentParser
import Control
import Foundation
import Media

/// `calltap export RECORDING-ID --output FILE`: writes a recording's audio as the API serves it,
/// decrypted when it is encrypted at rest (`storage.encryption.keyFile`), and checks it against
/// the digest its sidecar gives. Exit 0 written, 1 it cannot be decrypted or is not what the
/// sidecar says (nothing is written), 2 bad input.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a recording's audio, decrypted when it is encrypted at rest."
    )

    @Argument(help: "The recording's identifier.")
    var recording: String

    @Option(name: .shortAndLong, help: "Where to write the audio (replaced only once it is whole and checked).")
    var output: String

    @Option(help: "For a recording kept one file per side: which (0, 1).")
    var channel: Int?

    @Option(help: "The YAML configuration file: the storage root and the audio keys.")
    var config: String = ConfigurationFile.defaultPath

    func run() throws {
        let (configuration, store) = try StorageIndex.open(config: config)
        let root = configuration.engine.storageRoot
        let found: RecordingIndexEntry?
        do {
            found = try store.recording(id: recording)
        } catch {
            throw CommandFailure.exit("cannot read the recordings index under \(root): \(error)")
        }
        guard let entry = found else { throw CommandFailure.exit("no recording \(recording) under \(root)") }
        guard entry.endNanos != nil else { throw CommandFailure.exit("recording \(recording) is still being written") }
        let index = channel ?? 0
        guard entry.audioPaths.indices.contains(index), entry.audioPaths.count == 1 || channel != nil else {
            throw CommandFailure.exit("recording \(recording) has \(entry.audioPaths.count) audio files: give --channel 0…\(entry.audioPaths.count - 1)")
        }
        let path = entry.audioPaths[index]
        let expected = Self.plainDigest(of: (path as NSString).lastPathComponent, sidecarPath: entry.sidecarPath)
        let temporary = output + ".exporting"
        defer { unlink(temporary) }
        let digest: String
        do {
            if EncryptedAudioFile.isEncrypted(path: path) {
                let encryptor = try RecordingProtection.encryptor(configuration)
                guard let encryptor else {
                    throw CommandFailure.failed("recording \(recording) is encrypted, and \(config) names no storage.encryption.keyFile")
                }
                digest = try encryptor.reader(path).decrypt(to: temporary)
            } else {
                try? FileManager.default.removeItem(atPath: temporary)
                try FileManager.default.copyItem(atPath: path, toPath: temporary)
                digest = try FileDigest.sha256(path: temporary)
            }
        } catch let failure as ExitCode {
            throw failure
        } catch {
            throw CommandFailure.failed("\(error)")
        }
        if let expected, expected != digest {
            throw CommandFailure.failed("the audio of \(recording) is not what its sidecar says (SHA-256 \(digest), the sidecar: \(expected))")
        }
        guard rename(temporary, output) == 0 else {
            throw CommandFailure.exit("cannot write \(output): \(String(cString: strerror(errno)))")
        }
        print("\(output): \(Self.size(output)) bytes, SHA-256 \(digest)\(expected == nil ? " (no sidecar to check it against)" : ", as its sidecar says")")
    }

    /// The digest the sidecar gives the plain audio of `file`.
    private static func plainDigest(of file: String, sidecarPath: String) -> String? {
        guard let data = FileManager.default.contents(atPath: sidecarPath),
              let sidecar = try? JSONDecoder().decode(Sidecar.self, from: data) else { return nil }
        return sidecar.plainAudioDigests().first { $0.file == file }?.sha256
    }

    private static func size(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0
    }
}
