import Control
import Foundation
import Media
import Yams

extension ConfigurationReader {
    /// `storage`: where recordings go, in which format and channel layout, the commit delay, the
    /// free space below which no recording starts, the reserve kept for a full disk, and
    /// retention (`readRetention`).
    func readStorage(_ node: Node?, into configuration: inout ServerConfiguration) {
        guard let section = section(node, at: .root.key("storage"), keys: [
            "root", "format", "channels", "side", "commitDelaySeconds", "minFreeMiB", "reserveMiB", "journalHeldAudio",
            "retention", "whenFull", "sealing", "encryption",
        ]) else { return }
        readSealing(section["sealing"], at: section.path("sealing"), into: &configuration)
        readEncryption(section["encryption"], at: section.path("encryption"), into: &configuration)
        readRetention(section["retention"], whenFull: section["whenFull"], at: section, into: &configuration)
        if let root = text(section["root"], at: section.path("root"), allowEmpty: false) {
            configuration.engine.storageRoot = root
        }
        if let format: AudioFileFormat = choice(section["format"], at: section.path("format"), noun: "format") {
            configuration.engine.format = format
        }
        if let layout: ChannelLayout = choice(section["channels"], at: section.path("channels"), noun: "channel layout") {
            configuration.engine.channels = layout
        }
        if let side: StorageSide = choice(section["side"], at: section.path("side"), noun: "side") {
            configuration.engine.side = side == .both ? .both : .only(side.rawValue)
        }
        if let delay = seconds(section["commitDelaySeconds"], at: section.path("commitDelaySeconds"),
                               minimum: 0, inclusive: true, maximum: 60) {
            configuration.engine.commitDelaySeconds = delay
        }
        if let mebibytes = integer(section["minFreeMiB"], at: section.path("minFreeMiB"), in: 0...1_048_576) {
            configuration.engine.minFreeBytes = Int64(mebibytes) << 20
        }
        if let journal = flag(section["journalHeldAudio"], at: section.path("journalHeldAudio")) {
            configuration.engine.journalsHeldAudio = journal
        }
        if let mebibytes = integer(section["reserveMiB"], at: section.path("reserveMiB"), in: 0...4096) {
            configuration.engine.reserveBytes = Int64(mebibytes) << 20
        }
    }
}

extension ConfigurationReader {
    /// `storage.sealing.keyFile`: the Ed25519 key that seals recordings (`RecordingSealer`). A
    /// file that is there must be such a key; a missing one is made by `serve` at start.
    func readSealing(_ node: Node?, at path: ConfigurationPath, into configuration: inout ServerConfiguration) {
        guard let section = section(node, at: path, keys: ["keyFile"]),
              let keyFile = text(section["keyFile"], at: section.path("keyFile"), allowEmpty: false) else { return }
        if FileManager.default.fileExists(atPath: keyFile) {
            do {
                _ = try SealKey.read(path: keyFile)
            } catch {
                report("\(error)", at: section.path("keyFile"), node: section["keyFile"]!)
                return
            }
        }
        configuration.sealKeyFile = keyFile
    }
}

extension ConfigurationReader {
    /// `storage.encryption.keyFile`: the keys that encrypt audio at rest (`AudioKeyRing`): there,
    /// readable by its owner only, one `ID BASE64` line per key.
    func readEncryption(_ node: Node?, at path: ConfigurationPath, into configuration: inout ServerConfiguration) {
        guard let section = section(node, at: path, keys: ["keyFile"]),
              let keyFile = text(section["keyFile"], at: section.path("keyFile"), allowEmpty: false) else { return }
        do {
            _ = try AudioKeyRing.read(path: keyFile)
            configuration.audioKeyFile = keyFile
        } catch {
            report("\(error)", at: section.path("keyFile"), node: section["keyFile"]!)
        }
    }
}

/// The values `storage.side` takes.
private enum StorageSide: String, CaseIterable {
    case both, caller, callee
}
