import Foundation

/// What `calltap verify` finds in a storage root: every sealed sidecar checked against its
/// signature, its audio and the seal ledger, every ledger line against the one before, and every
/// recording the ledger says is there looked for. Reads only; needs only the public key.
public struct SealVerification: Sendable {
    /// One thing that is not as the chain says.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable {
            /// A file's bytes are not what was sealed.
            case changed
            /// A file the chain says is there is not.
            case removed
            /// A file that is not on the chain, or where the chain puts another.
            case inserted
            /// A sealed sidecar at another recording's place (two swapped, one moved).
            case moved
            /// The ledger itself: a line changed, removed, inserted or unreadable.
            case ledger
        }

        public var kind: Kind
        /// The file, relative to the root.
        public var path: String
        public var detail: String

        public var description: String { "\(kind.rawValue): \(path): \(detail)" }
    }

    public var ledgerLines = 0
    public var sidecars = 0
    public var audioFiles = 0
    /// Sidecars without a seal written before the first ledger line (recorded before sealing was
    /// turned on): counted, not findings.
    public var sealedBeforeChain = 0
    public var findings: [Finding] = []

    public var isIntact: Bool { findings.isEmpty }

    public init(root: String, key: SealPublicKey) {
        let root = URL(fileURLWithPath: root).standardizedFileURL.path
        let ledger = readLedger(root: root, key: key)
        var seen: [String: Int] = [:]   // relative sidecar path → the sequence it holds
        for path in Self.sidecarPaths(root: root) {
            check(sidecarAt: path, root: root, key: key, ledger: ledger, seen: &seen)
        }
        guard let ledger else { return }
        for i in findings.indices where findings[i].kind == .moved {
            if let sequence = seen[findings[i].path], let entry = ledger.bySequence[sequence], seen[entry.sidecar] == sequence {
                findings[i].kind = .inserted
            }
        }
        // Recordings the ledger says are in the root, and are not.
        for (recording, entry) in ledger.latest.sorted(by: { $0.value.sequence < $1.value.sequence })
        where entry.leavesSidecarInRoot && seen[entry.sidecar] != entry.sequence && !seen.values.contains(entry.sequence) {
            // (Found at another path, it is reported there, as moved.)
            let holder = seen[entry.sidecar].map { " (that path holds sequence \($0))" } ?? ""
            findings.append(Finding(kind: .removed, path: entry.sidecar,
                                    detail: "recording \(recording), sealed at sequence \(entry.sequence), is missing\(holder)"))
        }
    }

    /// The ledger as read: each line checked, the latest event per recording kept.
    private struct Ledger {
        var bySequence: [Int: SealLedgerEntry] = [:]
        var latest: [String: SealLedgerEntry] = [:]
        var firstTime: String?
    }

    private mutating func readLedger(root: String, key: SealPublicKey) -> Ledger? {
        let path = (root as NSString).appendingPathComponent(SealLedger.fileName)
        guard let data = FileManager.default.contents(atPath: path) else {
            findings.append(Finding(kind: .ledger, path: SealLedger.fileName,
                                    detail: "the seal ledger is missing: removals and rewrites cannot be told from tampering"))
            return nil
        }
        var ledger = Ledger()
        var previousDigest = SealDigest.none
        var previousSequence = 0
        for (index, slice) in data.split(separator: 0x0a, omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            if slice.isEmpty { continue }
            let line = Data(slice)
            ledgerLines += 1
            defer { previousDigest = SealDigest.sha256(line) }
            guard let entry = try? JSONDecoder().decode(SealLedgerEntry.self, from: line) else {
                findings.append(Finding(kind: .ledger, path: SealLedger.fileName, detail: "line \(number) is not a ledger entry"))
                continue
            }
            if !entry.hasValidSignature(key) {
                findings.append(Finding(kind: .ledger, path: SealLedger.fileName,
                                        detail: "line \(number) (sequence \(entry.sequence)): the signature does not match: changed, or not signed by this key"))
            }
            if entry.sequence != previousSequence + 1 {
                findings.append(Finding(kind: .ledger, path: SealLedger.fileName, detail: entry.sequence > previousSequence + 1
                    ? "line \(number): sequences \(previousSequence + 1)…\(entry.sequence - 1) are missing"
                    : "line \(number): sequence \(entry.sequence) comes again after \(previousSequence): inserted"))
            } else if entry.previous != previousDigest {
                findings.append(Finding(kind: .ledger, path: SealLedger.fileName,
                                        detail: "line \(number) (sequence \(entry.sequence)) does not follow the line before: one of them was changed"))
            }
            previousSequence = entry.sequence
            if ledger.firstTime == nil { ledger.firstTime = entry.time }
            ledger.bySequence[entry.sequence] = entry
            if (ledger.latest[entry.recording]?.sequence ?? 0) < entry.sequence { ledger.latest[entry.recording] = entry }
        }
        return ledger
    }

    private mutating func check(sidecarAt path: String, root: String, key: SealPublicKey, ledger: Ledger?,
                                seen: inout [String: Int]) {
        let relative = String(path.dropFirst(root.count + 1))
        guard let bytes = FileManager.default.contents(atPath: path),
              let sidecar = try? JSONDecoder().decode(Sidecar.self, from: bytes) else {
            findings.append(Finding(kind: .changed, path: relative, detail: "not a readable sidecar"))
            return
        }
        sidecars += 1
        guard let seal = sidecar.seal else {
            if let first = ledger?.firstTime, sidecar.endTime < first {
                sealedBeforeChain += 1
            } else {
                findings.append(Finding(kind: .inserted, path: relative,
                                        detail: "recording \(sidecar.recordingIdentifier) has no seal"))
            }
            return
        }
        seen[relative] = seal.sequence
        let digest = SealDigest.sha256(bytes)
        let asSealed = (try? sidecar.encoded()) == bytes && sidecar.hasValidSeal(key)
        if !asSealed {
            findings.append(Finding(kind: .changed, path: relative,
                                    detail: "recording \(sidecar.recordingIdentifier) (sequence \(seal.sequence)): the sidecar is not what was sealed"))
        }
        checkAudio(of: sidecar, in: (path as NSString).deletingLastPathComponent, root: root)
        guard let ledger else { return }
        guard let entry = ledger.bySequence[seal.sequence] else {
            findings.append(Finding(kind: .inserted, path: relative,
                                    detail: "recording \(sidecar.recordingIdentifier): sequence \(seal.sequence) is not on the ledger"))
            return
        }
        if entry.sidecar != relative || entry.recording != sidecar.recordingIdentifier {
            // A copy when the sealed place still holds it too (told once every sidecar is read).
            findings.append(Finding(kind: .moved, path: relative,
                                    detail: "holds the sidecar sealed at sequence \(seal.sequence) for recording \(entry.recording) at \(entry.sidecar)"))
        } else if entry.sidecarSha256 != digest && asSealed {
            findings.append(Finding(kind: .changed, path: relative,
                                    detail: "recording \(sidecar.recordingIdentifier): the sidecar differs from the one sealed at sequence \(seal.sequence)"))
        } else if let latest = ledger.latest[entry.recording], latest.sequence != seal.sequence {
            findings.append(Finding(kind: latest.leavesSidecarInRoot ? .inserted : .removed, path: relative,
                                    detail: latest.leavesSidecarInRoot
                                        ? "recording \(entry.recording): an older version (sequence \(seal.sequence)) replaced by sequence \(latest.sequence)"
                                        : "recording \(entry.recording) was \(latest.event.rawValue) by retention at sequence \(latest.sequence), but its sidecar is here"))
        }
        let previous = seal.sequence == 1 ? SealDigest.none : ledger.bySequence[seal.sequence - 1]?.sidecarSha256
        if let previous, previous != seal.previousSidecarSha256 {
            findings.append(Finding(kind: .changed, path: relative,
                                    detail: "recording \(sidecar.recordingIdentifier): its link to sequence \(seal.sequence - 1) does not match the ledger"))
        }
    }

    private mutating func checkAudio(of sidecar: Sidecar, in folder: String, root: String) {
        for (file, sha256) in sidecar.storedAudioDigests() {
            let path = (folder as NSString).appendingPathComponent(file)
            let relative = String(path.dropFirst(root.count + 1))
            guard let actual = try? FileDigest.sha256(path: path) else {
                findings.append(Finding(kind: .removed, path: relative,
                                        detail: "the audio of recording \(sidecar.recordingIdentifier) is missing"))
                continue
            }
            audioFiles += 1
            if actual != sha256 {
                findings.append(Finding(kind: .changed, path: relative,
                                        detail: "the audio of recording \(sidecar.recordingIdentifier) is not what was sealed"))
            }
        }
    }

    /// Every sidecar under the root's day folders (`yyyy/mm/dd/*.json`), sorted.
    static func sidecarPaths(root: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var paths: [String] = []
        while let relative = walker.nextObject() as? String {
            guard relative.hasSuffix(".json"), relative.split(separator: "/").count == 4 else { continue }
            paths.append(root + "/" + relative)
        }
        return paths.sorted()
    }
}
