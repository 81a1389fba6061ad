/// Normalises the numbers in SIP identities: strips configured dial prefixes (`80` makes `805003`
/// read as `5003`) and visual separators.
public struct DialPlan: Sendable, Equatable {
    public var stripPrefixes: [String]

    public init(stripPrefixes: [String] = []) {
        self.stripPrefixes = stripPrefixes.sorted { $0.count > $1.count }
    }

    public func normalise(_ user: String?) -> String {
        guard var number = user, !number.isEmpty else { return "" }
        // tel: numbers may carry visual separators (RFC 3966).
        if number.contains(where: { "-.() ".contains($0) }) {
            number.removeAll { "-.() ".contains($0) }
        }
        for prefix in stripPrefixes where !prefix.isEmpty && number.hasPrefix(prefix) && number.count > prefix.count {
            return String(number.dropFirst(prefix.count))
        }
        return number
    }
}
