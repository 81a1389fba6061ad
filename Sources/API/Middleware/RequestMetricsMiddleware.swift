import Hummingbird

/// Times each request into `calltap_api_request_duration_seconds`, labelled by the endpoint's
/// template (`/api/Recordings/:id`), not the raw path. The time runs until the handler has its
/// response; a streamed file body is still being sent after that.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: RecorderMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            metrics.recordRequest(method: request.method.rawValue, route: context.endpointPath ?? "NotFound",
                                  status: status, duration: ContinuousClock.now - start)
        }
        let response = try await next(request, context)
        status = response.status.code
        return response
    }
}
