import CalltapTestSupport
import Foundation
import Testing
@testable import Media

/// The at-rest format: every length round-trips, whole and by any range; a changed, moved,
/// dropped or added chunk, a changed header, the wrong key or an unknown one is an error, never
/// bytes. Small chunks so that every boundary is near.
@Suite struct EncryptedAudioFileTests {
    static let chunk = 1024
    let dir = RepositoryPaths.temporaryDirectory("calltap-encrypted")

    static func ring(_ lines: String) throws -> AudioKeyRing { try AudioKeyRing(text: lines) }
    static let keyA = "a " + Data((0..<32).map { UInt8($0) }).base64EncodedString()
    static let keyB = "b " + Data((0..<32).map { UInt8(255 - $0) }).base64EncodedString()

    func plainFile(_ length: Int, name: String = "plain") throws -> (path: String, bytes: Data) {
        var generator = SeededGenerator(seed: UInt64(length) + 7)
        let bytes = Data((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let path = dir + "/\(name)-\(length).wav"
        try bytes.write(to: URL(fileURLWithPath: path))
        return (path, bytes)
    }

    func encrypted(_ length: Int, keys: AudioKeyRing) throws -> (path: String, bytes: Data) {
        let (path, bytes) = try plainFile(length)
        _ = try EncryptedAudioFile.encrypt(path, to: path, with: keys.current, chunkBytes: Self.chunk)
        return (path, bytes)
    }

    @Test(arguments: [0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk + 17])
    func everyLengthRoundTripsWholeAndByRanges(length: Int) throws {
        let keys = try Self.ring(Self.keyA)
        let (path, bytes) = try encrypted(length, keys: keys)
        let stored = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(stored.prefix(8) == Data("CTAPENC1".utf8))
        if length > 16 { #expect(stored.range(of: bytes.prefix(16)) == nil, "no plaintext on disk") }
        let reader = try EncryptedAudioReader(path: path, keys: keys)
        #expect(reader.length == Int64(length))
        #expect(try reader.read(0..<Int64(length)) == bytes)
        try reader.verifyAll()
        var generator = SeededGenerator(seed: 99)
        for _ in 0..<50 where length > 0 {
            let a = Int.random(in: 0..<length, using: &generator), b = Int.random(in: a...length, using: &generator)
            #expect(try reader.read(Int64(a)..<Int64(b)) == bytes[a..<b], "\(a)..<\(b)")
        }
        let out = dir + "/out-\(length).wav"
        #expect(try reader.decrypt(to: out) == SealDigest.sha256(bytes))
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == bytes)
    }

    @Test func aChangedMovedOrDroppedChunkOrHeaderIsAnErrorNeverBytes() throws {
        let keys = try Self.ring(Self.keyA)
        let (path, bytes) = try encrypted(3 * Self.chunk + 100, keys: keys)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let header = original.count - 3 * (Self.chunk + 16) - (100 + 16)
        func tampered(_ change: (inout Data) -> Void) throws -> EncryptedAudioReader {
            var data = original
            change(&data)
            try data.write(to: URL(fileURLWithPath: path))
            return try EncryptedAudioReader(path: path, keys: keys)
        }
        // One byte in chunk 1: chunk 1 fails, chunk 0 still reads.
        var reader = try tampered { $0[header + (Self.chunk + 16) + 5] ^= 0x01 }
        #expect(try reader.read(0..<10) == bytes[0..<10])
        #expect(throws: AudioEncryptionError.self) { try reader.read(Int64(Self.chunk)..<Int64(Self.chunk + 10)) }
        #expect(throws: AudioEncryptionError.self) { try reader.verifyAll() }
        #expect(throws: AudioEncryptionError.self) { try reader.decrypt(to: dir + "/never.wav") }
        #expect(!FileManager.default.fileExists(atPath: dir + "/never.wav"), "nothing is written from a file that fails")
        // Chunks 0 and 1 swapped.
        reader = try tampered { data in
            let a = data[header..<header + Self.chunk + 16], b = data[header + Self.chunk + 16..<header + 2 * (Self.chunk + 16)]
            data.replaceSubrange(header..<header + 2 * (Self.chunk + 16), with: b + a)
        }
        #expect(throws: AudioEncryptionError.self) { try reader.read(0..<10) }
        // A byte of the header: its salt (every chunk fails), its length (the file no longer fits it).
        reader = try tampered { $0[25] ^= 0x01 }
        #expect(throws: AudioEncryptionError.self) { try reader.read(0..<10) }
        #expect(throws: AudioEncryptionError.self) { _ = try tampered { $0[19] ^= 0x01 } }
        // The last chunk dropped, or a chunk added: the length no longer holds.
        #expect(throws: AudioEncryptionError.self) { _ = try tampered { $0.removeLast(100 + 16) } }
        #expect(throws: AudioEncryptionError.self) { _ = try tampered { $0.append(original.suffix(100 + 16)) } }
    }

    @Test func theWrongKeyOrAnUnknownOneFailsClearlyAndAnOldKeyStillReads() throws {
        let (path, bytes) = try encrypted(5000, keys: try Self.ring(Self.keyA))
        // Same id, other bytes.
        let impostor = try Self.ring("a " + Data(repeating: 7, count: 32).base64EncodedString())
        #expect(throws: AudioEncryptionError.self) { try EncryptedAudioReader(path: path, keys: impostor).read(0..<10) }
        // A ring without key a.
        #expect(throws: AudioEncryptionError.unknownKey(path, "a")) { try EncryptedAudioReader(path: path, keys: try Self.ring(Self.keyB)) }
        // Rotated: b is current, a still reads its files.
        let rotated = try Self.ring(Self.keyA + "\n" + Self.keyB + "\n")
        #expect(rotated.current.identifier == "b")
        #expect(try EncryptedAudioReader(path: path, keys: rotated).read(0..<5000) == bytes)
    }

    @Test func keyFilesAreCheckedAsTheyAreRead() throws {
        #expect(throws: AudioKeyRingError.self) { try AudioKeyRing(text: "# nothing\n") }
        #expect(throws: AudioKeyRingError.self) { try AudioKeyRing(text: "a c2hvcnQ=\n") }
        #expect(throws: AudioKeyRingError.self) { try AudioKeyRing(text: Self.keyA + "\n" + Self.keyA) }
        let path = dir + "/keys"
        try (Self.keyA + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o644)
        #expect(throws: AudioKeyRingError.tooOpen(path, "644")) { try AudioKeyRing.read(path: path) }
        chmod(path, 0o600)
        #expect(try AudioKeyRing.read(path: path).current.identifier == "a")
    }
}
