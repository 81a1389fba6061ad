/// A `sip:`, `sips:` or `tel:` URI, reduced to what identifies a party and a transport address.
///
/// For `tel:` the number is in ``user`` and ``host`` is empty. Any other scheme keeps everything
/// after the colon, unparsed, in ``host``.
public struct SIPURI: Hashable, Sendable, CustomStringConvertible {
    /// Lower-cased: `sip`, `sips`, `tel`, or another scheme.
    public var scheme: String
    /// The user part with `%xx` escapes decoded (the password, if any, is dropped), or the
    /// `tel:` number with its visual separators.
    public var user: String?
    /// As written; IPv6 addresses without their brackets, so `IPAddress(host)` reads them.
    public var host: String
    public var port: UInt16?
    /// URI parameters (`transport`, `user`, `phone-context`, …) with lower-cased names.
    public var parameters: [String: String]

    public init(scheme: String, user: String? = nil, host: String, port: UInt16? = nil,
                parameters: [String: String] = [:]) {
        self.scheme = scheme
        self.user = user
        self.host = host
        self.port = port
        self.parameters = parameters
    }

    /// Parses a URI such as `sip:alice%40home@[2001:db8::1]:5060;transport=tcp` or
    /// `tel:+15551234;phone-context=example.com`; nil when it is not one.
    public init?(_ text: some StringProtocol) {
        guard let uri = SIPURI(bytes: Array(text.utf8)[...]) else { return nil }
        self = uri
    }

    /// `sip:user@host:port;name=value` with the parameters sorted by name, so the text is stable.
    public var description: String {
        var text = scheme + ":"
        if scheme == "sip" || scheme == "sips" {
            if let user { text += user + "@" }
            text += host.contains(":") ? "[\(host)]" : host
            if let port { text += ":\(port)" }
        } else if scheme == "tel" {
            text += user ?? ""
        } else {
            text += host
        }
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) {
            text += value.isEmpty ? ";\(name)" : ";\(name)=\(value)"
        }
        return text
    }
}
