import Foundation

/// Where the broker is and who to log in as, from an `amqp://user:password@host:port/vhost` URL
/// (`amqps://` over TLS). A missing user is `guest`, a missing port 5672 (5671 for `amqps`), a
/// missing or bare `/` path the vhost `/`; the user, password and vhost are percent-decoded
/// (`%2F` is a `/` inside a vhost name).
public struct BrokerEndpoint: Sendable, Equatable {
    /// `amqps://`: the connection is TLS.
    public var usesTLS: Bool
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var virtualHost: String

    public init(url: String) throws(BrokerError) {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased() else {
            throw .badURL(url, "not a URL")
        }
        guard scheme == "amqp" || scheme == "amqps" else { throw .badURL(url, "the scheme must be amqp or amqps") }
        usesTLS = scheme == "amqps"
        guard let host = parts.host, !host.isEmpty else { throw .badURL(url, "no host") }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        port = parts.port ?? (usesTLS ? 5671 : 5672)
        guard (1...65535).contains(port) else { throw .badURL(url, "port \(port) is out of range") }
        user = parts.percentEncodedUser?.removingPercentEncoding ?? "guest"
        password = parts.percentEncodedPassword?.removingPercentEncoding ?? "guest"
        let path = parts.percentEncodedPath
        if path.isEmpty || path == "/" {
            virtualHost = "/"
        } else {
            let segment = path.dropFirst()
            guard !segment.contains("/"), let vhost = segment.removingPercentEncoding else {
                throw .badURL(url, "the vhost is one path segment (write a / inside it as %2F)")
            }
            virtualHost = vhost
        }
    }

    /// The URL without its password, for logs and `/readyz`.
    public var redacted: String {
        "\(usesTLS ? "amqps" : "amqp")://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(virtualHost == "/" ? "" : virtualHost)"
    }
}
