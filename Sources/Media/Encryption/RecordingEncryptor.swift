import Foundation

/// Encrypts finished recordings' audio at rest (`storage.encryption.keyFile`) and decrypts it
/// for those allowed to read it: the finisher encrypts each file once it is closed and hashed,
/// before the sidecar is written; the API, `calltap export`, the late-blackout writer and crash
/// recovery decrypt. The key ring is read again on SIGHUP (`reload`), so that a rotation needs
/// no restart. Never on the RTP path.
public final class RecordingEncryptor: @unchecked Sendable {
    // @unchecked: `ring` is guarded by `lock`.
    public let keyFile: String
    private let lock = NSLock()
    private var ring: AudioKeyRing

    public init(keyFile: String) throws(AudioKeyRingError) {
        self.keyFile = keyFile
        ring = try AudioKeyRing.read(path: keyFile)
    }

    public var keys: AudioKeyRing { lock.withLock { ring } }

    /// Reads the key file again; on failure the keys in use stay.
    public func reload() throws(AudioKeyRingError) {
        let fresh = try AudioKeyRing.read(path: keyFile)
        lock.withLock { ring = fresh }
    }

    /// Encrypts, in place, the audio files `sidecar` names in `folder` with the current key, and
    /// says so in the sidecar. A file is replaced only once its encrypted copy is whole; when one
    /// fails (a full disk), the sidecar lists those encrypted before it and the error is thrown.
    public func encryptAudio(of sidecar: inout Sidecar, in folder: String) throws(AudioEncryptionError) {
        let key = keys.current
        var stored: [Sidecar.Encryption.StoredFile] = []
        defer {
            if !stored.isEmpty {
                sidecar.encryption = Sidecar.Encryption(keyId: key.identifier, chunkBytes: EncryptedAudioFile.defaultChunkBytes,
                                                        files: stored)
            }
        }
        for name in sidecar.audioFileNames {
            let path = (folder as NSString).appendingPathComponent(name)
            stored.append(.init(file: name, sha256: try EncryptedAudioFile.encrypt(path, to: path, with: key)))
        }
    }

    /// Changes the audio file at `path` with `change`, which works on a plain file: an encrypted
    /// one is decrypted beside itself, changed, and encrypted again (a new salt, the current key)
    /// in its place; a plain one is changed as it is. Returns the digest of the plain audio and,
    /// when encrypted, of the file as stored and the key it is now encrypted with.
    public static func rewrite(_ path: String, with encryptor: RecordingEncryptor?, _ change: (String) throws -> Void)
        throws -> (plain: String, stored: (sha256: String, keyId: String)?) {
        guard let encryptor, EncryptedAudioFile.isEncrypted(path: path) else {
            try change(path)
            return (try FileDigest.sha256(path: path), nil)
        }
        let plainPath = path + ".plain"
        defer { unlink(plainPath) }
        try encryptor.reader(path).decrypt(to: plainPath)
        try change(plainPath)
        let key = encryptor.keys.current
        let plain = try FileDigest.sha256(path: plainPath)
        return (plain, (try EncryptedAudioFile.encrypt(plainPath, to: path, with: key), key.identifier))
    }

    /// A reader of the plain audio of the encrypted file at `path`.
    public func reader(_ path: String) throws(AudioEncryptionError) -> EncryptedAudioReader {
        try EncryptedAudioReader(path: path, keys: keys)
    }
}
