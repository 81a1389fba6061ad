import Control
import Hummingbird
import Logging

/// The recorder's HTTP server, ready to run as a service (`try await app.runService()` or in a
/// `ServiceGroup` beside the capture).
/// - Throws: `APIConfigurationError.invalidBindAddress` when `http.bind` is not `host:port`.
public func makeRecorderApplication(
    service: some RecorderService,
    configuration: ServerConfiguration,
    logger: Logger,
    metrics: RecorderMetrics = RecorderMetrics()
) throws(APIConfigurationError) -> Application<RouterResponder<BasicRequestContext>> {
    let bind = try HTTPBindAddress(parsing: configuration.http.bind)
    if configuration.http.keys.isEmpty {
        logger.notice("no API keys configured: every request is allowed", metadata: ["bind": "\(configuration.http.bind)"])
    }
    let router = buildRecorderRouter(service: service, configuration: configuration, metrics: metrics)
    return Application(
        router: router,
        configuration: ApplicationConfiguration(address: .hostname(bind.host, port: bind.port), serverName: "calltap"),
        logger: logger)
}
