import Foundation

/// A RabbitMQ node of a test's own (Debian's rabbitmq-server through Tests/broker.sh, loopback
/// only), on ports no other test uses, so that the test may stop and restart it without
/// disturbing the broker `make test` shares between the other suites.
public final class BrokerNode: @unchecked Sendable {
    public let port: Int
    private let epmdPort: Int
    /// An AMQPS listener besides the plain one.
    public let tls: TLSListener?

    /// Where the node listens for TLS, with its CA, certificate and key (PEM files), and whether
    /// it refuses clients without a certificate from that CA.
    public struct TLSListener: Sendable {
        public var port: Int
        public var caFile: String
        public var certificate: String
        public var privateKey: String
        public var requiresClientCertificate: Bool

        public init(port: Int, caFile: String, certificate: String, privateKey: String, requiresClientCertificate: Bool) {
            self.port = port
            self.caFile = caFile
            self.certificate = certificate
            self.privateKey = privateKey
            self.requiresClientCertificate = requiresClientCertificate
        }
    }

    /// Whether Debian's rabbitmq-server is installed (`make test` installs it).
    public static var isInstalled: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/lib/rabbitmq/bin/rabbitmq-server")
    }

    public init(port: Int, epmdPort: Int, tls: TLSListener? = nil) {
        self.port = port
        self.epmdPort = epmdPort
        self.tls = tls
    }

    public var url: String { "amqp://guest:guest@127.0.0.1:\(port)/" }

    /// Starts the node and waits until it answers (bounded by broker.sh: 90 s).
    public func start() throws { try run("start", timeout: 120) }

    /// Stops the node (rabbitmqctl shutdown, then its own epmd).
    public func stop() throws { try run("stop", timeout: 60) }

    private func run(_ verb: String, timeout: Double) throws {
        // Into a file, not a pipe: the broker's own processes must not hold the test's pipe open.
        let logPath = NSTemporaryDirectory() + "calltap-broker-\(port)-\(verb).log"
        var environment = ["CALLTAP_BROKER_PORT": "\(port)", "CALLTAP_BROKER_EPMD_PORT": "\(epmdPort)",
                           "CALLTAP_BROKER_WAIT": "90"]
        if let tls {
            environment.merge(["CALLTAP_BROKER_TLS_PORT": "\(tls.port)", "CALLTAP_BROKER_TLS_CA": tls.caFile,
                               "CALLTAP_BROKER_TLS_CERT": tls.certificate, "CALLTAP_BROKER_TLS_KEY": tls.privateKey,
                               "CALLTAP_BROKER_TLS_REQUIRE_CLIENT": tls.requiresClientCertificate ? "1" : "0"]) { $1 }
        }
        let status: Int32
        do {
            status = try ChildProcess.run(["/bin/bash", RepositoryPaths.root.appendingPathComponent("Tests/broker.sh").path, verb],
                                          environment: environment, logPath: logPath, timeout: timeout)
        } catch {
            throw TestSupportError("broker.sh \(verb): \(error): \(Self.tail(logPath))")
        }
        guard status == 0 else {
            throw TestSupportError("broker.sh \(verb) exited \(status): \(Self.tail(logPath))")
        }
    }

    private static func tail(_ path: String) -> String {
        String(((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").suffix(1500))
    }
}
