import Crypto

/// Recording identifiers are UUIDs derived from (server id, call instance, segment number), so
/// that a replay names its files the same way every time (RFC 9562 version 8, from SHA-256).
public enum RecordingIdentifier {
    public static func make(serverId: String, callInstance: String, segment: Int) -> String {
        let name = "\(serverId)\u{0}\(callInstance)\u{0}\(segment)"
        var bytes = Array(SHA256.hash(data: Array(name.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80   // version 8
        bytes[8] = (bytes[8] & 0x3F) | 0x80   // RFC 9562 variant
        let hex = bytes.map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }
        return [hex[0..<4], hex[4..<6], hex[6..<8], hex[8..<10], hex[10..<16]].map { $0.joined() }.joined(separator: "-")
    }
}
