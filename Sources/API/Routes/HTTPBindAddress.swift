/// Why the HTTP server cannot be set up from the configuration.
public enum APIConfigurationError: Error, Equatable, CustomStringConvertible {
    case invalidBindAddress(String)

    public var description: String {
        switch self {
        case .invalidBindAddress(let text): "http.bind '\(text)' is not host:port (for example 127.0.0.1:8080 or [::1]:8080)"
        }
    }
}

/// `http.bind`: `host:port`, with IPv6 hosts in brackets (`[::1]:8080`).
public struct HTTPBindAddress: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init(parsing text: String) throws(APIConfigurationError) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port) else {
            throw .invalidBindAddress(text)
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            throw .invalidBindAddress(text)
        }
        guard !host.isEmpty else { throw .invalidBindAddress(text) }
        self.host = host
        self.port = port
    }

    /// Whether only this machine can connect: what a server without API keys must bind to.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
