/// One `a=crypto` attribute (SDES, RFC 4568 section 9.1): the keys with which the side whose SDP
/// carries it encrypts what it sends. Only the grammar is read here; which suites can be used,
/// and how long their keys are, is the media layer's knowledge.
///
///     a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 KDR=1
public struct SDESCrypto: Hashable, Sendable {
    /// The tag an answer repeats to accept this line of an offer.
    public var tag: Int
    /// The crypto suite as written, upper-cased (`AES_CM_128_HMAC_SHA1_80`).
    public var suite: String
    /// The master keys (usually one; several only with MKIs).
    public var keys: [Key]
    /// Session parameters as written (`KDR=1`, `UNENCRYPTED_SRTP`, `WSH=64`, …).
    public var sessionParameters: [String]

    /// One `inline:` key parameter.
    public struct Key: Hashable, Sendable {
        /// The master key followed by the master salt, decoded from base64.
        public var keyAndSalt: [UInt8]
        /// The key's lifetime in packets (`2^20` or `1048576`), when written.
        public var lifetime: UInt64?
        /// The master key identifier carried in each packet, and its length in bytes.
        public var mki: MKI?

        public init(keyAndSalt: [UInt8], lifetime: UInt64? = nil, mki: MKI? = nil) {
            self.keyAndSalt = keyAndSalt
            self.lifetime = lifetime
            self.mki = mki
        }
    }

    public struct MKI: Hashable, Sendable {
        public var value: UInt64
        /// 1 to 128 bytes.
        public var length: Int

        public init(value: UInt64, length: Int) {
            self.value = value
            self.length = length
        }
    }

    public init(tag: Int, suite: String, keys: [Key], sessionParameters: [String] = []) {
        self.tag = tag
        self.suite = suite
        self.keys = keys
        self.sessionParameters = sessionParameters
    }

    /// Reads the attribute's value (after `crypto:`); nil when it is not of the grammar.
    static func parse(_ argument: ArraySlice<UInt8>) -> SDESCrypto? {
        let fields = argument.splitOnWhitespace()
        guard fields.count >= 3, let tag = fields[0].decimal(as: Int.self), tag <= 999_999_999,
              fields[1].allSatisfy({ ASCII.isLetter($0) || ASCII.isDigit($0) || $0 == 0x5F })
        else { return nil }
        var keys: [Key] = []
        for parameter in fields[2].split(separator: ASCII.semicolon, omittingEmptySubsequences: false) {
            guard let key = parseKey(parameter) else { return nil }
            keys.append(key)
        }
        guard !keys.isEmpty else { return nil }
        return SDESCrypto(tag: tag, suite: fields[1].text.uppercased(), keys: keys,
                          sessionParameters: fields.dropFirst(3).map(\.text))
    }

    /// `inline:<base64 key||salt>[|lifetime][|MKI:length]`.
    private static func parseKey(_ parameter: ArraySlice<UInt8>) -> Key? {
        let prefix = Array("inline:".utf8)
        guard parameter.count > prefix.count,
              zip(parameter.prefix(prefix.count), prefix).allSatisfy({ ASCII.lowercased($0) == $1 })
        else { return nil }
        let parts = parameter.dropFirst(prefix.count).split(separator: 0x7C, omittingEmptySubsequences: false)
        guard parts.count <= 3, let keyAndSalt = Base64.decode(parts[0]), !keyAndSalt.isEmpty else { return nil }
        var key = Key(keyAndSalt: keyAndSalt)
        for part in parts.dropFirst() {
            if let colon = part.firstIndex(of: ASCII.colon) {
                guard key.mki == nil, let value = part[..<colon].decimal(as: UInt64.self),
                      let length = part[(colon + 1)...].decimal(as: Int.self), length >= 1, length <= 128
                else { return nil }
                key.mki = MKI(value: value, length: length)
            } else {
                guard key.lifetime == nil, key.mki == nil, let lifetime = lifetime(part) else { return nil }
                key.lifetime = lifetime
            }
        }
        return key
    }

    /// `2^20` or a decimal number of packets.
    private static func lifetime(_ text: ArraySlice<UInt8>) -> UInt64? {
        if let caret = text.firstIndex(of: 0x5E) {
            guard text[..<caret].decimal(as: Int.self) == 2, let power = text[(caret + 1)...].decimal(as: Int.self),
                  power < 64 else { return nil }
            return 1 << UInt64(power)
        }
        return text.decimal(as: UInt64.self)
    }
}

/// RFC 4648 base64, as SDES writes keys (padding optional).
enum Base64 {
    static func decode(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        var padding = 0
        for byte in text {
            if byte == ASCII.equals {
                padding += 1
                continue
            }
            guard padding == 0, let value = value(of: byte) else { return nil }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        guard padding <= 2, bits < 6 else { return nil }
        return out
    }

    private static func value(of byte: UInt8) -> UInt8? {
        switch byte {
        case 0x41...0x5A: return byte - 0x41
        case 0x61...0x7A: return byte - 0x61 + 26
        case 0x30...0x39: return byte - 0x30 + 52
        case ASCII.plus: return 62
        case ASCII.slash: return 63
        default: return nil
        }
    }
}
