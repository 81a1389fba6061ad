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
    /// The application; it logs the address it really listens on (port 0 picks one), then calls `onListening`.
    static func application(service: some RecorderService, configuration: ServerConfiguration, logger: Logger,
                            onListening: @escaping @Sendable () -> Void = {})
        throws(APIConfigurationError) -> some ApplicationProtocol {
        var bind = try HTTPBindAddress(parsing: configuration.http.bind)
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
            server: .recorder(configuration, metrics: metrics, logger: logger),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "calltap"),
            onServerRunning: { channel in
                let address = channel.localAddress.map { "\($0.ipAddress ?? host):\($0.port ?? port)" } ?? "\(host):\(port)"
                logger.notice("HTTP API listening", metadata: ["address": "\(address)"])
                onListening()
            },
            logger: logger)
    }
}
