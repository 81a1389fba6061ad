/// TLS to the broker (`amqps://`, `cluster.tls`): the CA the broker's certificate must chain to
/// (nil: the system's), a client certificate and key for brokers that ask for one, and whether
/// the broker's certificate and name are checked (on unless turned off, which `serve` warns of).
public struct BrokerTLS: Sendable, Equatable {
    public var caFile: String?
    public var certificate: String?
    public var privateKey: String?
    public var verifyPeer = true

    /// The CA bundle rabbitmq-c reads when `caFile` is not given.
    public static let systemCAFile = "/etc/ssl/certs/ca-certificates.crt"

    public init(caFile: String? = nil, certificate: String? = nil, privateKey: String? = nil, verifyPeer: Bool = true) {
        self.caFile = caFile
        self.certificate = certificate
        self.privateKey = privateKey
        self.verifyPeer = verifyPeer
    }
}
