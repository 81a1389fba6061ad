import Foundation

/// Seals a server's recordings on one chain (`storage.sealing.keyFile`): every sidecar written
/// gets the next place, the digest of the sidecar sealed before it and the server's signature,
/// and the seal ledger gets a line for it; retention's removals and moves get lines of their own.
/// The one writer of the ledger and of sealed sidecars: the finisher, the sidecar rewriter, crash
/// recovery and the retention sweeper all write through it. Not on the RTP path.
public final class RecordingSealer: @unchecked Sendable {
    // @unchecked: everything mutable is in `ledger`, used under `lock` only.

    public let key: SealKey
    /// The storage root, without a trailing slash.
    public let root: String
    private let ledger: SealLedger
    private let lock = NSLock()
    private let timeFormatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()

    public static func ledgerPath(root: String) -> String {
        (root as NSString).appendingPathComponent(SealLedger.fileName)
    }

    public init(key: SealKey, root: String) throws(SealLedgerError) {
        self.key = key
        self.root = URL(fileURLWithPath: root).standardizedFileURL.path
        ledger = try SealLedger(path: Self.ledgerPath(root: self.root))
    }

    /// Seals `sidecar` at the end of the chain and writes it to `path` (atomically), then adds its
    /// ledger line. A sidecar that carries a seal already is a rewrite: the new seal replaces it.
    /// When the sidecar cannot be written, nothing is added and the error is thrown.
    public func write(_ sidecar: Sidecar, to path: String) throws {
        _ = try lock.withLock {
            try ledger.append { tail in
                let sealed = try sidecar.sealed(
                    Sidecar.Seal(sequence: tail.sequence + 1, replaces: sidecar.seal?.sequence,
                                 previousSidecarSha256: tail.sidecarSha256, keyId: key.publicKey.identifier, signature: ""),
                    with: key)
                let bytes = try sealed.encoded()
                try bytes.write(to: URL(fileURLWithPath: path), options: .atomic)
                return try entry(tail, event: sidecar.seal == nil ? .sealed : .resealed, recording: sidecar.recordingIdentifier,
                                 sidecarPath: path, sidecarSha256: SealDigest.sha256(bytes), replaces: sidecar.seal?.sequence)
            }
        }
    }

    /// Notes that retention is about to delete (`archivedTo` nil) or move the recording whose
    /// sidecar is at `path`. Nothing when the sidecar is gone already (an earlier attempt noted it).
    public func noteRemoval(ofSidecarAt path: String, archivedTo: String?) throws {
        guard let bytes = FileManager.default.contents(atPath: path) else { return }
        let sidecar = try? JSONDecoder().decode(Sidecar.self, from: bytes)
        let recording = sidecar?.recordingIdentifier
            ?? ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        _ = try lock.withLock {
            try ledger.append { tail in
                try entry(tail, event: archivedTo == nil ? .removed : .archived, recording: recording, sidecarPath: path,
                          sidecarSha256: SealDigest.sha256(bytes), replaces: sidecar?.seal?.sequence, archivedTo: archivedTo)
            }
        }
    }

    /// After a crash: a sidecar written just before it may have missed its ledger line, or never
    /// been sealed. Adds the line when the sidecar is the next on the chain; seals it again at the
    /// end when it is neither on the chain nor the next.
    public func adopt(sidecarAt path: String) throws {
        guard let bytes = FileManager.default.contents(atPath: path),
              let sidecar = try? JSONDecoder().decode(Sidecar.self, from: bytes) else { return }
        let adopted: Bool = try lock.withLock {
            guard let seal = sidecar.seal, seal.keyId == key.publicKey.identifier else { return false }
            var onChain = false
            try ledger.append { tail in
                guard seal.sequence == tail.sequence + 1, seal.previousSidecarSha256 == tail.sidecarSha256 else {
                    onChain = seal.sequence <= tail.sequence
                    return nil
                }
                onChain = true
                return try entry(tail, event: seal.replaces == nil ? .sealed : .resealed, recording: sidecar.recordingIdentifier,
                                 sidecarPath: path, sidecarSha256: SealDigest.sha256(bytes), replaces: seal.replaces)
            }
            return onChain
        }
        if !adopted { try write(sidecar, to: path) }
    }

    private func entry(_ tail: SealLedger.Tail, event: SealLedgerEntry.Event, recording: String, sidecarPath: String,
                       sidecarSha256: String, replaces: Int?, archivedTo: String? = nil) throws -> SealLedgerEntry {
        try SealLedgerEntry(
            sequence: tail.sequence + 1, time: now(), event: event, recording: recording,
            sidecar: relative(sidecarPath), sidecarSha256: sidecarSha256, replaces: replaces,
            archivedTo: archivedTo, previous: tail.lineSha256, keyId: key.publicKey.identifier, signature: ""
        ).signed(with: key)
    }

    private func relative(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        return absolute.hasPrefix(root + "/") ? String(absolute.dropFirst(root.count + 1)) : absolute
    }

    /// Now, as a ledger line says it. Called under `lock` only (a formatter is not thread-safe,
    /// and making one per line cost more than signing it).
    private func now() -> String {
        timeFormatter.string(from: Date())
    }
}

extension RecordingSealer {
    /// The sealer of the recordings under `root` with the key at `keyFile`, made there (mode 600,
    /// its public half beside it) when there is none yet: `created` says so.
    public static func open(keyFile: String, root: String) throws -> (sealer: RecordingSealer, created: Bool) {
        let (key, created) = try SealKey.readOrCreate(path: keyFile)
        return (try RecordingSealer(key: key, root: root), created)
    }
}
