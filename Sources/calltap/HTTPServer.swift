import API
import Control
import Foundation
import Hummingbird
import Logging

/// The API served over HTTP for `serve` and for a paced replay: the recorder's router on the
/// configured address, with its connection bounds (`http.idleTimeoutSeconds`,
/// `requestHeaderTimeoutSeconds`, `maxConnections`, `maxConnectionsPerClient`). Without API keys
/// the address is forced to loopback, and the log says so.
enum HTTPServer {
    /// The TLS context of `http.tls`, or nil for plain HTTP; a command exits with the reason when
    /// the files do not make one.
    static func tls(_ configuration: ServerConfiguration) throws -> TLSContextSource? {
        guard let files = configuration.http.tls else { return nil }
        do {
            return try TLSContextSource(files)
        } catch {
            throw CommandFailure.exit(error.description)
        }
    }

    /// The application; it logs the address it really listens on (port 0 picks one), then calls
    /// `onListening`. With `tls` (made from `http.tls`), HTTPS only.
    static func application(service: some RecorderService, configuration: ServerConfiguration, tls: TLSContextSource?,
                            logger: Logger, onListening: @escaping @Sendable () -> Void = {})
        throws(APIConfigurationError) -> some ApplicationProtocol {
        var bind = try HTTPBindAddress(parsing: configuration.http.bind)
        if tls == nil && !bind.isLoopback {
            logger.warning("the API is served without TLS on a non-loopback address: API keys cross the network in clear (set http.tls)",
                           metadata: ["bind": "\(configuration.http.bind)"])
        }
        if configuration.http.keys.isEmpty && !bind.isLoopback {
            logger.warning("no API keys configured: binding to loopback only", metadata: ["requested": "\(configuration.http.bind)"])
            bind.host = bind.host.contains(":") ? "::1" : "127.0.0.1"
        } else if configuration.http.keys.isEmpty {
            logger.notice("no API keys configured: the API is open to local clients only", metadata: ["bind": "\(configuration.http.bind)"])
        }
        let metrics = RecorderMetrics()
        let router = buildRecorderRouter(service: service, configuration: configuration, metrics: metrics)
        let host = bind.host, port = bind.port
        return Application(
            router: router,
            server: .recorder(configuration, metrics: metrics, logger: logger, tls: tls),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "calltap"),
            onServerRunning: { channel in
                let address = channel.localAddress.map { "\($0.ipAddress ?? host):\($0.port ?? port)" } ?? "\(host):\(port)"
                logger.notice("HTTP API listening", metadata: ["address": "\(address)", "tls": "\(tls != nil)"])
                onListening()
            },
            logger: logger)
    }
}
