import Crypto
import Foundation

/// The keys that encrypt recorded audio at rest (`storage.encryption.keyFile`): one per line,
/// `ID BASE64` (32 bytes, AES-256), `#` comments. New files use the last key; every key decrypts
/// the files that name it, so a rotation adds a line at the end and keeps the old ones.
public struct AudioKeyRing: Sendable {
    // @unchecked: SymmetricKey is an immutable value that does not say it is Sendable.
    public struct Key: @unchecked Sendable {
        public let identifier: String
        let key: SymmetricKey
    }

    public let keys: [Key]

    /// The key new files are encrypted with: the last.
    public var current: Key { keys[keys.count - 1] }

    public func key(_ identifier: String) -> Key? {
        keys.first { $0.identifier == identifier }
    }

    public init(text: String) throws(AudioKeyRingError) {
        var keys: [Key] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 2, let bytes = Data(base64Encoded: String(fields[1])), bytes.count == 32 else {
                throw .malformed(line: index + 1, "expected 'ID BASE64' with a 32-byte key (openssl rand -base64 32)")
            }
            let identifier = String(fields[0])
            guard identifier.utf8.count <= 64, !keys.contains(where: { $0.identifier == identifier }) else {
                throw .malformed(line: index + 1, "key id '\(identifier)' is too long or comes twice")
            }
            keys.append(Key(identifier: identifier, key: SymmetricKey(data: bytes)))
        }
        guard !keys.isEmpty else { throw .malformed(line: 0, "no key") }
        self.keys = keys
    }

    /// Reads the key file; it must not be readable by group or others.
    public static func read(path: String) throws(AudioKeyRingError) -> AudioKeyRing {
        var info = stat()
        guard stat(path, &info) == 0, let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path)
        }
        guard info.st_mode & 0o077 == 0 else {
            throw .tooOpen(path, String(info.st_mode & 0o777, radix: 8))
        }
        do {
            return try AudioKeyRing(text: text)
        } catch {
            throw .inFile(path, error.description)
        }
    }
}

public enum AudioKeyRingError: Error, CustomStringConvertible, Equatable {
    case unreadable(String)
    case tooOpen(String, String)
    case malformed(line: Int, String)
    case inFile(String, String)

    public var description: String {
        switch self {
        case .unreadable(let path): "cannot read the audio key file '\(path)'"
        case .tooOpen(let path, let mode): "the audio key file '\(path)' is readable by others (mode \(mode)): chmod 600 it"
        case .malformed(let line, let why): line > 0 ? "line \(line): \(why)" : why
        case .inFile(let path, let why): "the audio key file '\(path)': \(why)"
        }
    }
}
