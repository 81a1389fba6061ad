import Crypto
import Foundation

/// Audio encrypted at rest: AES-256-GCM in chunks, so that a byte range is read by decrypting
/// only the chunks it touches. The layout (all integers big-endian):
///
///     "CTAPENC1" | chunk bytes (u32) | plaintext length (u64) | salt (16) | key id length (u16) | key id
///     then chunk 0, 1, …: ciphertext (chunk bytes, the last shorter) and its 16-byte tag
///
/// Each file's key is HKDF-SHA256 of the master key with the salt (random per file); chunk `i`'s
/// nonce is `i` (12 bytes), and its authenticated data is the header, `i` and whether it is the
/// last: a chunk changed, moved, dropped or added, a header changed, or the wrong key, fails.
/// An empty file has one empty chunk, so that its header is authenticated too.
public struct EncryptedAudioFile: Sendable {
    public static let magic = Array("CTAPENC1".utf8)
    public static let defaultChunkBytes = 64 << 10
    static let tagBytes = 16
    static let info = Data("calltap audio v1".utf8)

    public let header: Data
    public let chunkBytes: Int
    public let plaintextLength: Int64
    public let keyIdentifier: String
    let salt: Data

    public var chunkCount: Int64 { max(1, (plaintextLength + Int64(chunkBytes) - 1) / Int64(chunkBytes)) }

    /// Where chunk `i` starts in the file, and how many bytes it takes there.
    func storedRange(ofChunk i: Int64) -> (offset: Int64, length: Int) {
        let plain = Int(min(Int64(chunkBytes), plaintextLength - i * Int64(chunkBytes)))
        return (Int64(header.count) + i * Int64(chunkBytes + Self.tagBytes), max(0, plain) + Self.tagBytes)
    }

    /// Whether `path` starts as an encrypted audio file does.
    public static func isEncrypted(path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: magic.count)).map(Array.init) == magic
    }

    /// Reads the header of the file open at `fd`.
    public init(fd: Int32, path: String) throws(AudioEncryptionError) {
        var fixed = [UInt8](repeating: 0, count: 8 + 4 + 8 + 16 + 2)
        guard pread(fd, &fixed, fixed.count, 0) == fixed.count, Array(fixed[0..<8]) == Self.magic else {
            throw .notEncrypted(path)
        }
        let chunk = fixed[8..<12].reduce(0) { $0 << 8 | Int($1) }
        let length = fixed[12..<20].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        let idLength = Int(fixed[36]) << 8 | Int(fixed[37])
        var id = [UInt8](repeating: 0, count: idLength)
        guard chunk > 0, length >= 0, idLength <= 64, pread(fd, &id, idLength, off_t(fixed.count)) == idLength else {
            throw .damaged(path, "its header is not whole")
        }
        header = Data(fixed + id)
        chunkBytes = chunk
        plaintextLength = length
        salt = Data(fixed[20..<36])
        keyIdentifier = String(decoding: id, as: UTF8.self)
    }

    private init(chunkBytes: Int, plaintextLength: Int64, keyIdentifier: String) {
        self.chunkBytes = chunkBytes
        self.plaintextLength = plaintextLength
        self.keyIdentifier = keyIdentifier
        var salt = Data(count: 16)
        salt.withUnsafeMutableBytes { _ = getentropy($0.baseAddress, 16) }
        self.salt = salt
        var header = Data(Self.magic)
        header.append(contentsOf: withUnsafeBytes(of: UInt32(chunkBytes).bigEndian, Array.init))
        header.append(contentsOf: withUnsafeBytes(of: UInt64(plaintextLength).bigEndian, Array.init))
        header.append(salt)
        let id = Array(keyIdentifier.utf8)
        header.append(contentsOf: withUnsafeBytes(of: UInt16(id.count).bigEndian, Array.init))
        header.append(contentsOf: id)
        self.header = header
    }

    func fileKey(_ master: AudioKeyRing.Key) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: master.key, salt: salt, info: Self.info, outputByteCount: 32)
    }

    private func nonceAndData(_ i: Int64) throws -> (AES.GCM.Nonce, Data) {
        var nonce = Data(count: 4)
        nonce.append(contentsOf: withUnsafeBytes(of: UInt64(i).bigEndian, Array.init))
        var data = header
        data.append(contentsOf: withUnsafeBytes(of: UInt64(i).bigEndian, Array.init))
        data.append(i == chunkCount - 1 ? 1 : 0)
        return (try AES.GCM.Nonce(data: nonce), data)
    }

    /// Chunk `i` of the file open at `fd`, decrypted with `key` (the file's, from `fileKey`).
    func decryptChunk(_ i: Int64, fd: Int32, key: SymmetricKey, path: String) throws(AudioEncryptionError) -> Data {
        let (offset, length) = storedRange(ofChunk: i)
        var stored = Data(count: length)
        let n = stored.withUnsafeMutableBytes { pread(fd, $0.baseAddress, length, off_t(offset)) }
        guard n == length else { throw .damaged(path, "chunk \(i) is cut short") }
        do {
            let (nonce, data) = try nonceAndData(i)
            let box = try AES.GCM.SealedBox(nonce: nonce, ciphertext: stored.prefix(length - Self.tagBytes),
                                            tag: stored.suffix(Self.tagBytes))
            return try AES.GCM.open(box, using: key, authenticating: data)
        } catch {
            throw .damaged(path, "chunk \(i) does not authenticate: changed, or not encrypted with key '\(keyIdentifier)' as it says")
        }
    }

    /// Encrypts the plain file at `plainPath` into `encryptedPath` (a temporary name beside it,
    /// then renamed into place) with `key`. Returns the SHA-256 of what was written.
    public static func encrypt(_ plainPath: String, to encryptedPath: String, with key: AudioKeyRing.Key,
                               chunkBytes: Int = defaultChunkBytes) throws(AudioEncryptionError) -> String {
        let input = open(plainPath, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw .io(plainPath, String(cString: strerror(errno))) }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0 else { throw .io(plainPath, String(cString: strerror(errno))) }
        let file = EncryptedAudioFile(chunkBytes: chunkBytes, plaintextLength: Int64(info.st_size), keyIdentifier: key.identifier)
        let temporary = encryptedPath + ".encrypting"
        let output = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard output >= 0 else { throw .io(temporary, String(cString: strerror(errno))) }
        var hasher = SHA256()
        do {
            try append(file.header, to: output, hasher: &hasher)
            let fileKey = file.fileKey(key)
            var plain = [UInt8](repeating: 0, count: chunkBytes)
            for i in 0..<file.chunkCount {
                let want = Int(min(Int64(chunkBytes), file.plaintextLength - i * Int64(chunkBytes)))
                let n = want > 0 ? pread(input, &plain, want, off_t(i * Int64(chunkBytes))) : 0
                guard n == max(0, want) else { throw AudioEncryptionError.io(plainPath, "short read") }
                let (nonce, data) = try file.nonceAndData(i)
                let box = try AES.GCM.seal(plain[0..<max(0, want)], using: fileKey, nonce: nonce, authenticating: data)
                try append(box.ciphertext + box.tag, to: output, hasher: &hasher)
            }
            guard fsync(output) == 0 else { throw AudioEncryptionError.io(temporary, String(cString: strerror(errno))) }
            close(output)
            guard rename(temporary, encryptedPath) == 0 else { throw AudioEncryptionError.io(encryptedPath, String(cString: strerror(errno))) }
        } catch {
            close(output)
            unlink(temporary)
            throw error as? AudioEncryptionError ?? .io(encryptedPath, "\(error)")
        }
        return hasher.finalize().hexDigits
    }

    private static func append(_ data: Data, to fd: Int32, hasher: inout SHA256) throws {
        hasher.update(data: data)
        var done = 0
        while done < data.count {
            let n = data.withUnsafeBytes { write(fd, $0.baseAddress! + done, data.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            done += n
        }
    }
}

public enum AudioEncryptionError: Error, CustomStringConvertible, Equatable {
    case notEncrypted(String)
    case unknownKey(String, String)
    case damaged(String, String)
    case io(String, String)

    public var description: String {
        switch self {
        case .notEncrypted(let path): "'\(path)' is not an encrypted audio file"
        case .unknownKey(let path, let id): "'\(path)' is encrypted with key '\(id)', which the key file does not hold"
        case .damaged(let path, let why): "'\(path)' cannot be decrypted: \(why)"
        case .io(let path, let why): "'\(path)': \(why)"
        }
    }
}
