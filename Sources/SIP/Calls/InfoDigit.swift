import Foundation

/// A DTMF digit carried in a SIP INFO body: `application/dtmf-relay` (`Signal=5` and
/// `Duration=160` in ms, as Cisco and most PBXs send it) or `application/dtmf` (the digit alone).
public struct InfoDigit: Equatable, Sendable {
    public var digit: String
    public var durationMilliseconds: Int?

    public init?(_ message: SIPMessage) {
        guard message.method == .info, let type = message.contentType else { return nil }
        let text = String(decoding: message.body, as: UTF8.self)
        var digit: String?
        var duration: Int?
        switch type {
        case "application/dtmf-relay":
            for line in text.split(whereSeparator: \.isNewline) {
                let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2 else { continue }
                switch parts[0].lowercased() {
                case "signal": digit = parts[1]
                case "duration": duration = Int(parts[1])
                default: break
                }
            }
        case "application/dtmf":
            digit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        default:
            return nil
        }
        // Event 16 (flash) and anything that is not a key is not a digit.
        guard let d = digit?.uppercased(), d.count == 1, "0123456789*#ABCD".contains(d) else { return nil }
        self.digit = d
        durationMilliseconds = duration
    }
}
