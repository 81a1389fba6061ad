import Crypto
import Foundation

/// The server's Ed25519 key, which signs its sealed sidecars and its seal ledger. Kept as openssl
/// keeps one (`openssl genpkey -algorithm ed25519`): PKCS #8 in PEM ("PRIVATE KEY"). Its public
/// half (`SealPublicKey`) is all `calltap verify` needs.
// @unchecked: swift-crypto's key types are immutable values that do not say they are Sendable.
public struct SealKey: @unchecked Sendable {
    let privateKey: Curve25519.Signing.PrivateKey

    public var publicKey: SealPublicKey { SealPublicKey(privateKey.publicKey) }

    /// A new random key.
    public init() {
        privateKey = Curve25519.Signing.PrivateKey()
    }

    /// Reads a PKCS #8 PEM Ed25519 private key.
    public init(pem: String) throws(SealKeyError) {
        let der = try PEM.decode(pem, label: "PRIVATE KEY")
        guard der.count == PEM.pkcs8Prefix.count + 32, der.starts(with: PEM.pkcs8Prefix),
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32)) else {
            throw .notEd25519("a PRIVATE KEY that is not an Ed25519 key (make one with: openssl genpkey -algorithm ed25519)")
        }
        privateKey = key
    }

    public static func read(path: String) throws(SealKeyError) -> SealKey {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path)
        }
        do {
            return try SealKey(pem: text)
        } catch {
            throw .malformed(path, error.description)
        }
    }

    /// The key at `path`; when there is no file there, a new key written there (mode 600) with its
    /// public half beside it (`<path>.pub`). `created` says which.
    public static func readOrCreate(path: String) throws(SealKeyError) -> (key: SealKey, created: Bool) {
        if FileManager.default.fileExists(atPath: path) { return (try read(path: path), false) }
        let key = SealKey()
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .cannotCreate(path, String(cString: strerror(errno))) }
        let bytes = Array(key.pem.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced else {
            unlink(path)
            throw .cannotCreate(path, "short write")
        }
        try? key.publicKey.pem.write(toFile: path + ".pub", atomically: true, encoding: .utf8)
        return (key, true)
    }

    public var pem: String {
        PEM.encode(PEM.pkcs8Prefix + privateKey.rawRepresentation, label: "PRIVATE KEY")
    }

    /// The base64 Ed25519 signature of `data`.
    func signature(for data: Data) -> String {
        // Ed25519 signing fails only for a malformed key, which `init` never keeps.
        (try? privateKey.signature(for: data))?.base64EncodedString() ?? ""
    }
}

/// The public half of a `SealKey`: checks signatures; `identifier` names it in every seal.
// @unchecked: as `SealKey`.
public struct SealPublicKey: @unchecked Sendable, Equatable {
    let key: Curve25519.Signing.PublicKey

    init(_ key: Curve25519.Signing.PublicKey) {
        self.key = key
    }

    /// Reads a SubjectPublicKeyInfo PEM ("PUBLIC KEY", as `openssl pkey -pubout` writes) or a
    /// private key's PEM, whose public half it takes.
    public init(pem: String) throws(SealKeyError) {
        if pem.contains("PRIVATE KEY") {
            self = try SealKey(pem: pem).publicKey
            return
        }
        let der = try PEM.decode(pem, label: "PUBLIC KEY")
        guard der.count == PEM.spkiPrefix.count + 32, der.starts(with: PEM.spkiPrefix),
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: der.suffix(32)) else {
            throw .notEd25519("a PUBLIC KEY that is not an Ed25519 key")
        }
        self.key = key
    }

    public static func read(path: String) throws(SealKeyError) -> SealPublicKey {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path)
        }
        do {
            return try SealPublicKey(pem: text)
        } catch {
            throw .malformed(path, error.description)
        }
    }

    /// The first 16 hex digits of the SHA-256 of the raw public key.
    public var identifier: String {
        String(SHA256.hash(data: key.rawRepresentation).hexDigits.prefix(16))
    }

    public var pem: String {
        PEM.encode(PEM.spkiPrefix + key.rawRepresentation, label: "PUBLIC KEY")
    }

    func isValid(signature: String, for data: Data) -> Bool {
        guard let bytes = Data(base64Encoded: signature) else { return false }
        return key.isValidSignature(bytes, for: data)
    }

    public static func == (a: SealPublicKey, b: SealPublicKey) -> Bool {
        a.key.rawRepresentation == b.key.rawRepresentation
    }
}

public enum SealKeyError: Error, CustomStringConvertible, Equatable {
    case unreadable(String)
    case malformed(String, String)
    case notPEM(String)
    case notEd25519(String)
    case cannotCreate(String, String)

    public var description: String {
        switch self {
        case .unreadable(let path): "cannot read the seal key '\(path)'"
        case .malformed(let path, let why): "the seal key '\(path)' is not usable: \(why)"
        case .notPEM(let why): why
        case .notEd25519(let why): why
        case .cannotCreate(let path, let why): "cannot create the seal key '\(path)': \(why)"
        }
    }
}

/// The two fixed DER framings of an Ed25519 key (RFC 8410) and their PEM armour.
enum PEM {
    /// PKCS #8 PrivateKeyInfo up to the 32 key bytes.
    static let pkcs8Prefix = Data([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
                                   0x04, 0x22, 0x04, 0x20])
    /// SubjectPublicKeyInfo up to the 32 key bytes.
    static let spkiPrefix = Data([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])

    static func decode(_ text: String, label: String) throws(SealKeyError) -> Data {
        let begin = "-----BEGIN \(label)-----", end = "-----END \(label)-----"
        guard let from = text.range(of: begin), let to = text.range(of: end, range: from.upperBound..<text.endIndex) else {
            throw .notPEM("not a PEM \(label) (no \(begin) … \(end))")
        }
        let body = text[from.upperBound..<to.lowerBound].filter { !$0.isWhitespace }
        guard let der = Data(base64Encoded: String(body)) else { throw .notPEM("the PEM \(label) is not base64") }
        return der
    }

    static func encode(_ der: Data, label: String) -> String {
        "-----BEGIN \(label)-----\n\(der.base64EncodedString(options: .lineLength64Characters))\n-----END \(label)-----\n"
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hex, two digits per byte.
    var hexDigits: String {
        map { byte in
            let s = String(byte, radix: 16)
            return byte < 16 ? "0" + s : s
        }.joined()
    }
}
