import Crypto
import Foundation

/// Reads the plaintext of an encrypted audio file (`EncryptedAudioFile`) by byte ranges,
/// decrypting only the chunks a range touches. Every failure (unknown key, a chunk that does not
/// authenticate, a file cut short) is an error: never bytes that are not the audio. Blocks on
/// the disk: use it off the event loops.
public final class EncryptedAudioReader: @unchecked Sendable {
    // @unchecked: immutable after init; pread needs no shared offset.
    public let path: String
    public let file: EncryptedAudioFile
    private let fd: Int32
    private let key: SymmetricKey

    public init(path: String, keys: AudioKeyRing) throws(AudioEncryptionError) {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path, String(cString: strerror(errno))) }
        do {
            file = try EncryptedAudioFile(fd: fd, path: path)
        } catch {
            close(fd)
            throw error
        }
        guard let master = keys.key(file.keyIdentifier) else {
            close(fd)
            throw .unknownKey(path, file.keyIdentifier)
        }
        key = file.fileKey(master)
        var info = stat()
        let expected = file.storedRange(ofChunk: file.chunkCount - 1)
        guard fstat(fd, &info) == 0, Int64(info.st_size) == expected.offset + Int64(expected.length) else {
            close(fd)
            throw .damaged(path, "its length is not what its header says: cut short or added to")
        }
    }

    deinit { close(fd) }

    /// The plaintext's length.
    public var length: Int64 { file.plaintextLength }

    /// The plaintext bytes of `range` (within `0..<length`).
    public func read(_ range: Range<Int64>) throws(AudioEncryptionError) -> Data {
        let chunk = Int64(file.chunkBytes)
        var out = Data(capacity: Int(range.count))
        var position = range.lowerBound
        while position < range.upperBound {
            let i = position / chunk
            let plain = try file.decryptChunk(i, fd: fd, key: key, path: path)
            let from = Int(position - i * chunk), to = Int(min(range.upperBound - i * chunk, Int64(plain.count)))
            guard from < to else { throw .damaged(path, "chunk \(i) is shorter than its header says") }
            out.append(plain[plain.startIndex + from..<plain.startIndex + to])
            position = i * chunk + Int64(to)
        }
        return out
    }

    /// Checks every chunk (what a whole download or an export reads anyway).
    public func verifyAll() throws(AudioEncryptionError) {
        for i in 0..<file.chunkCount { _ = try file.decryptChunk(i, fd: fd, key: key, path: path) }
    }

    /// Writes the whole plaintext to `output` (a temporary name beside it, renamed into place
    /// once every chunk authenticated); returns its SHA-256.
    @discardableResult
    public func decrypt(to output: String) throws(AudioEncryptionError) -> String {
        let temporary = output + ".decrypting"
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
              let handle = FileHandle(forWritingAtPath: temporary) else {
            throw .io(temporary, "cannot create")
        }
        var hasher = SHA256()
        do {
            for i in 0..<file.chunkCount {
                let plain = try file.decryptChunk(i, fd: fd, key: key, path: path)
                hasher.update(data: plain)
                try handle.write(contentsOf: plain)
            }
            try handle.synchronize()
            try handle.close()
            guard rename(temporary, output) == 0 else { throw AudioEncryptionError.io(output, String(cString: strerror(errno))) }
        } catch {
            try? handle.close()
            unlink(temporary)
            throw error as? AudioEncryptionError ?? .io(output, "\(error)")
        }
        return hasher.finalize().hexDigits
    }
}
