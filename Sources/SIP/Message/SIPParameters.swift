/// The `;name=value` parameter lists of SIP URIs, header values and media types.
enum SIPParameters {
    /// Parses a `;`-separated list (a leading `;` is fine). Names are lower-cased, quoted values
    /// lose their quotes, a flag without a value maps to "", and the first of a repeated name
    /// wins: later copies are more likely to be injected than meant.
    static func parse(_ bytes: ArraySlice<UInt8>) -> [String: String] {
        var parameters: [String: String] = [:]
        for part in bytes.splitOutsideQuotes(separator: ASCII.semicolon) {
            let name: ArraySlice<UInt8>
            let value: String
            if let equals = part.firstIndex(of: ASCII.equals) {
                name = part[part.startIndex..<equals].trimmingWhitespace
                value = part[(equals + 1)...].unquotedText
            } else {
                name = part
                value = ""
            }
            guard !name.isEmpty else { continue }
            let key = name.lowercasedText
            if parameters[key] == nil { parameters[key] = value }
        }
        return parameters
    }
}
