import CalltapTestSupport
import Foundation
import Media
import Testing

/// Recordings sealed on a chain (`storage.sealing.keyFile`) and `calltap verify` as an auditor
/// runs it: a replay of generated calls seals each, `verify` finds them intact, and names each
/// file that was changed, removed, inserted or swapped afterwards; rewrites, retention's removals
/// and a sidecar that missed its ledger line in a crash extend the chain instead of breaking it.
@Suite struct SealVerificationTests {
    /// A replay of `calls` generated calls into a fresh root, sealed with a key openssl made.
    struct SealedRoot {
        let folder: String
        let root: String
        let config: String
        let keyFile: String
        /// Sidecars by recording, sorted by their place on the chain.
        let sidecars: [String]

        init(calls: Int) throws {
            folder = RepositoryPaths.temporaryDirectory("seal")
            root = folder + "/recordings"
            keyFile = folder + "/seal.key"
            config = folder + "/calltap.yaml"
            #expect(try Self.openssl(["genpkey", "-algorithm", "ed25519", "-out", keyFile], in: folder) == 0)
            try "storage:\n  root: \(root)\n  sealing:\n    keyFile: \(keyFile)\n".write(toFile: config, atomically: true, encoding: .utf8)
            let capture = try GeneratedCapture(in: folder, name: "calls", ["--calls", "\(calls)", "--seconds", "1"])
            let (outcome, summary) = try CalltapProcess.replay(capture.path, out: root, extra: ["--config", config])
            #expect(outcome.status == 0)
            #expect(summary["Recordings"] as? Int == calls)
            sidecars = try RepositoryPaths.files(under: root, withExtension: "json").sorted {
                try Self.seal(of: $0).sequence < Self.seal(of: $1).sequence
            }
        }

        static func openssl(_ arguments: [String], in folder: String) throws -> Int32 {
            try ChildProcess.run(["/usr/bin/openssl"] + arguments, logPath: folder + "/openssl.log", timeout: 30)
        }

        static func sidecar(_ path: String) throws -> Sidecar {
            try JSONDecoder().decode(Sidecar.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        }

        static func seal(of path: String) throws -> Sidecar.Seal {
            try #require(try sidecar(path).seal)
        }

        func relative(_ path: String) -> String { String(path.dropFirst(root.count + 1)) }

        func audio(of sidecarPath: String) -> String { sidecarPath.replacingOccurrences(of: ".json", with: ".wav") }

        func verify(_ extra: [String] = []) throws -> CalltapProcess.Outcome {
            try CalltapProcess.run(["verify", "--config", config] + extra)
        }

        /// The finding lines `verify` printed, without the summary.
        func findings(_ outcome: CalltapProcess.Outcome) -> [String] {
            outcome.standardOutput.split(separator: "\n").map(String.init).filter { !$0.contains("ledger lines,") }
        }

        var ledger: String { root + "/seal-ledger.jsonl" }

        func sealer() throws -> RecordingSealer {
            try RecordingSealer(key: SealKey.read(path: keyFile), root: root)
        }
    }

    @Test func aReplayIsSealedOnOneChainThatVerifies() throws {
        let sealed = try SealedRoot(calls: 5)
        #expect(sealed.sidecars.count == 5)
        // One place each, 1…5, each linked to the sidecar before as the ledger names it.
        let seals = try sealed.sidecars.map(SealedRoot.seal(of:))
        #expect(seals.map(\.sequence) == [1, 2, 3, 4, 5])
        let lines = try String(contentsOfFile: sealed.ledger, encoding: .utf8).split(separator: "\n")
        let entries = try lines.map { try JSONDecoder().decode(SealLedgerEntry.self, from: Data($0.utf8)) }
        #expect(entries.map(\.event) == Array(repeating: .sealed, count: 5))
        #expect(seals.first?.previousSidecarSha256 == String(repeating: "0", count: 64))
        for i in 1..<5 { #expect(seals[i].previousSidecarSha256 == entries[i - 1].sidecarSha256) }
        // The key id is that of the key openssl made, whose public half openssl gives.
        let publicKey = sealed.folder + "/seal.pub"
        #expect(try SealedRoot.openssl(["pkey", "-in", sealed.keyFile, "-pubout", "-out", publicKey], in: sealed.folder) == 0)
        #expect(Set(seals.map(\.keyId)) == [try SealPublicKey.read(path: publicKey).identifier])

        let outcome = try sealed.verify(["--public-key", publicKey])
        #expect(outcome.status == 0)
        #expect(sealed.findings(outcome).isEmpty)
        #expect(outcome.standardOutput.contains("5 ledger lines, 5 sidecars, 5 audio files checked"))
        #expect(outcome.standardOutput.contains(": intact"))

        // Another key: nothing it signed holds.
        let other = sealed.folder + "/other.key"
        #expect(try SealedRoot.openssl(["genpkey", "-algorithm", "ed25519", "-out", other], in: sealed.folder) == 0)
        let wrongKey = try sealed.verify(["--public-key", other])
        #expect(wrongKey.status == 1)
        #expect(sealed.findings(wrongKey).count == 10)   // 5 ledger lines, 5 sidecars
    }

    @Test func verifyNamesEachFileChangedRemovedSwappedOrInserted() throws {
        let sealed = try SealedRoot(calls: 8)
        let s = sealed.sidecars
        // A byte of audio in the first, inside its samples.
        let audio = sealed.audio(of: s[0])
        var bytes = try Data(contentsOf: URL(fileURLWithPath: audio))
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: audio))
        // The second recording deleted, audio and sidecar.
        try FileManager.default.removeItem(atPath: s[1])
        try FileManager.default.removeItem(atPath: sealed.audio(of: s[1]))
        // The third and fourth sidecars swapped.
        let third = try Data(contentsOf: URL(fileURLWithPath: s[2])), fourth = try Data(contentsOf: URL(fileURLWithPath: s[3]))
        try fourth.write(to: URL(fileURLWithPath: s[2]))
        try third.write(to: URL(fileURLWithPath: s[3]))
        // The fifth sidecar's metadata edited, in place, keeping its form.
        let edited = try String(contentsOfFile: s[4], encoding: .utf8).replacingOccurrences(of: "\"Segment\" : 0", with: "\"Segment\" : 1")
        #expect(edited != (try String(contentsOfFile: s[4], encoding: .utf8)))
        try edited.write(toFile: s[4], atomically: true, encoding: .utf8)
        // A copy of the sixth under a new name.
        let copy = (s[5] as NSString).deletingLastPathComponent + "/00000000-inserted.json"
        try FileManager.default.copyItem(atPath: s[5], toPath: copy)

        let outcome = try sealed.verify()
        #expect(outcome.status == 1)
        let findings = sealed.findings(outcome)
        #expect(findings.count == 6, "\(findings)")
        #expect(findings.contains("changed: \(sealed.relative(audio)): the audio of recording \(try SealedRoot.sidecar(s[0]).recordingIdentifier) is not what was sealed"))
        #expect(findings.contains { $0.hasPrefix("removed: \(sealed.relative(s[1])): recording ") && $0.contains("sealed at sequence 2, is missing") })
        #expect(findings.contains { $0.hasPrefix("moved: \(sealed.relative(s[2])): holds the sidecar sealed at sequence 4") && $0.hasSuffix("at \(sealed.relative(s[3]))") })
        #expect(findings.contains { $0.hasPrefix("moved: \(sealed.relative(s[3])): holds the sidecar sealed at sequence 3") && $0.hasSuffix("at \(sealed.relative(s[2]))") })
        #expect(findings.contains { $0.hasPrefix("changed: \(sealed.relative(s[4])): recording ") && $0.hasSuffix("the sidecar is not what was sealed") })
        #expect(findings.contains { $0.hasPrefix("inserted: \(sealed.relative(copy)): holds the sidecar sealed at sequence 6") })
        // The untouched ones are not named.
        for path in s[6...] { #expect(!findings.contains { $0.contains(sealed.relative(path)) }) }
    }

    @Test func verifyNamesALedgerLineChangedOrRemoved() throws {
        let sealed = try SealedRoot(calls: 4)
        var lines = try String(contentsOfFile: sealed.ledger, encoding: .utf8).split(separator: "\n").map(String.init)
        lines.remove(at: 1)
        lines[2] = lines[2].replacingOccurrences(of: "\"Event\":\"sealed\"", with: "\"Event\":\"removed\"")
        try (lines.joined(separator: "\n") + "\n").write(toFile: sealed.ledger, atomically: true, encoding: .utf8)
        let outcome = try sealed.verify()
        #expect(outcome.status == 1)
        let findings = sealed.findings(outcome)
        #expect(findings.contains("ledger: seal-ledger.jsonl: line 2: sequences 2…2 are missing"))
        #expect(findings.contains { $0.hasPrefix("ledger: seal-ledger.jsonl: line 3 (sequence 4): the signature does not match") })
        // The second recording's sidecar is no longer on the ledger.
        #expect(findings.contains { $0.hasPrefix("inserted: \(sealed.relative(sealed.sidecars[1])): recording ") && $0.hasSuffix("sequence 2 is not on the ledger") })
    }

    /// A metadata update or late blackout seals the sidecar again at the end; retention notes a
    /// removal before it deletes; after a crash between a sidecar and its ledger line, recovery
    /// adds the line. The chain stays intact through all of it.
    @Test func rewritesRemovalsAndRecoveryExtendTheChain() throws {
        let sealed = try SealedRoot(calls: 3)
        let sealer = try sealed.sealer()
        // A rewrite of the first: new place 4, replacing 1.
        var first = try SealedRoot.sidecar(sealed.sidecars[0])
        first.metadata["Outcome"] = "sale"
        try first.write(to: sealed.sidecars[0], sealedBy: sealer)
        let rewritten = try SealedRoot.seal(of: sealed.sidecars[0])
        #expect(rewritten.sequence == 4)
        #expect(rewritten.replaces == 1)
        // Retention deletes the second.
        try sealer.noteRemoval(ofSidecarAt: sealed.sidecars[1], archivedTo: nil)
        try FileManager.default.removeItem(atPath: sealed.sidecars[1])
        try FileManager.default.removeItem(atPath: sealed.audio(of: sealed.sidecars[1]))
        var outcome = try sealed.verify()
        #expect(outcome.status == 0, "\(outcome.standardOutput)")
        #expect(outcome.standardOutput.contains("5 ledger lines, 2 sidecars, 2 audio files checked"))

        // The old version of the first put back is named as such.
        let current = try Data(contentsOf: URL(fileURLWithPath: sealed.sidecars[0]))
        // A crash after the third was sealed again but before its ledger line: the line is cut off.
        var third = try SealedRoot.sidecar(sealed.sidecars[2])
        third.metadata["Outcome"] = "callback"
        try third.write(to: sealed.sidecars[2], sealedBy: sealer)
        var ledger = try String(contentsOfFile: sealed.ledger, encoding: .utf8).split(separator: "\n").map(String.init)
        ledger.removeLast()
        try (ledger.joined(separator: "\n") + "\n").write(toFile: sealed.ledger, atomically: true, encoding: .utf8)
        outcome = try sealed.verify()
        #expect(outcome.status == 1)
        #expect(sealed.findings(outcome).contains { $0.hasPrefix("inserted: \(sealed.relative(sealed.sidecars[2])): recording ") && $0.hasSuffix("sequence 6 is not on the ledger") })
        // Recovery (a new sealer, as after a restart) adopts it: the chain holds again.
        try sealed.sealer().adopt(sidecarAt: sealed.sidecars[2])
        outcome = try sealed.verify()
        #expect(outcome.status == 0, "\(outcome.standardOutput)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: sealed.sidecars[0])) == current)
    }
}
