/// Why the connection to the broker failed or was dropped; each says it in an operator's words.
public enum BrokerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configured URL cannot be used.
    case badURL(String, String)
    /// No TCP connection to the broker.
    case unreachable(String, String)
    /// The broker refused the login (user, password or vhost).
    case loginRefused(String)
    /// A declaration, bind or consume the broker refused, with its reply.
    case refused(String, String)
    /// The connection broke (socket error, heartbeat missed, the broker closed it).
    case connectionLost(String)
    /// A published message was not confirmed in time.
    case confirmTimeout(seconds: Double, pending: Int)

    public var description: String {
        switch self {
        case .badURL(let url, let why): "bad broker URL '\(url)': \(why)"
        case .unreachable(let endpoint, let why): "cannot reach the broker at \(endpoint): \(why)"
        case .loginRefused(let why): "the broker refused the login: \(why)"
        case .refused(let what, let why): "the broker refused \(what): \(why)"
        case .connectionLost(let why): "lost the broker connection: \(why)"
        case .confirmTimeout(let seconds, let pending):
            "the broker confirmed none of \(pending) published messages within \(seconds) s"
        }
    }
}
