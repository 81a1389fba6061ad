/// A party in a `From`, `To`, `Contact` or `P-Asserted-Identity` header: display name, URI and
/// the header's own parameters (`tag` among them).
public struct NameAddress: Hashable, Sendable {
    /// Without quotes or escapes; nil when absent or empty.
    public var displayName: String?
    public var uri: SIPURI
    /// The dialog tag (`;tag=`), the one header parameter a call tracker always needs.
    public var tag: String?
    /// Header parameters (after the URI, outside `<…>`) with lower-cased names, `tag` included.
    public var parameters: [String: String]

    public init(displayName: String? = nil, uri: SIPURI, tag: String? = nil, parameters: [String: String] = [:]) {
        self.displayName = displayName
        self.uri = uri
        self.tag = tag
        self.parameters = parameters
    }

    /// Parses `"Display" <sip:user@host>;tag=x`, `Display <sip:…>`, `<sip:…>` or the bare
    /// `sip:user@host;tag=x` (whose `;` parameters belong to the header, not the URI).
    public init?(_ text: some StringProtocol) {
        guard let address = NameAddress(bytes: Array(text.utf8)[...]) else { return nil }
        self = address
    }
}
