import Control
import Hummingbird

/// Builds the router of the recorder's HTTP API: every `RecorderEndpoint`, with authentication,
/// body limits, error bodies and request metrics. Tests drive it directly; `calltap`'s HTTPServer
/// serves it.
/// - Parameters:
///   - service: the control plane (or any other `RecorderService`).
///   - configuration: `http` (keys, roles, `publicMetrics`, allowed origins) and
///     `limits.maxBodyBytes` are read.
///   - metrics: where request latencies go and what `/metrics` renders.
public func buildRecorderRouter(
    service: some RecorderService,
    configuration: ServerConfiguration,
    metrics: RecorderMetrics = RecorderMetrics()
) -> Router<RecorderRequestContext> {
    // Older clients are not consistent about the case of paths either. Every GET answers HEAD
    // too (load balancers check health with it): the same status and headers, no body.
    let router = Router(context: RecorderRequestContext.self, options: [.caseInsensitive, .autoGenerateHeadEndpoints])
    // Added before the routes: a router applies middleware only to routes added after it.
    router.add(middleware: RequestArrivalMiddleware())
    router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
    // Outside the error bodies: an error answered to an allowed page carries the header too.
    let crossOrigin = CrossOriginPolicy(allowedOrigins: configuration.http.allowedOrigins)
    router.add(middleware: CrossOriginMiddleware(policy: crossOrigin))
    router.add(middleware: ErrorResponseMiddleware())
    let routes = RecorderRoutes(
        service: service,
        authorization: APIKeyAuthorization(configuration.http),
        bodyLimit: RequestBodyLimit(maxBytes: configuration.limits.maxBodyBytes),
        metrics: metrics,
        fileIO: FileIO())
    // A browser's preflight: without keys (browsers send none), answered for every path.
    var methodsByPath: [String: [HTTPRequest.Method]] = [:]
    for endpoint in RecorderEndpoint.allCases where methodsByPath[endpoint.path]?.contains(endpoint.method) != true {
        methodsByPath[endpoint.path, default: []].append(endpoint.method)
    }
    for (path, methods) in methodsByPath {
        let listed = methods.contains(.get) ? methods + [.head] : methods
        router.on(RouterPath(path), method: .options) { request, _ in crossOrigin.preflight(request, methods: listed) }
    }
    for endpoint in RecorderEndpoint.allCases {
        router.on(RouterPath(endpoint.path), method: endpoint.method) { request, context in
            // The route's own spelling labels the metrics (the router keeps a lower-cased one),
            // also after FileIO has marked a missing file as "NotFound".
            defer { context.coreContext.endpointPath.value = endpoint.path }
            return try await routes.respond(to: endpoint, request: request, context: context)
        }
    }
    return router
}
