import Control
import Hummingbird
import Logging

/// Turns every failure into the API's error body (`{"Code", "Message"}`): refused commands, unknown
/// routes (404), known paths called with the wrong method (405), and faults (500, logged).
struct ErrorResponseMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return Self.body(for: error, request: request, logger: context.logger).response()
        }
    }

    /// The error body a failure is answered with (a fault is logged).
    static func body(for error: any Error, request: Request, logger: Logger) -> APIErrorResponse {
        switch error {
        case let error as APIErrorResponse:
            return error
        case let error as ControlError:
            return APIErrorResponse(error)
        case let error as HTTPError where error.status == .notFound:
            return unrouted(request)
        case let error as any HTTPResponseError:
            return APIErrorResponse(status: error.status, code: "http_\(error.status.code)", message: error.status.reasonPhrase)
        default:
            logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return APIErrorResponse(ControlError(.internalFault, "the request could not be completed"))
        }
    }

    /// 405 when another method serves this path, else 404.
    static func unrouted(_ request: Request) -> APIErrorResponse {
        let path = request.uri.path
        let allowed = RecorderEndpoint.allCases.filter { $0.matches(requestPath: path) }.map(\.method)
        if !allowed.isEmpty, !allowed.contains(request.method) {
            return .methodNotAllowed(request.method, path: path, allowed: allowed)
        }
        return .notFound("no route \(request.method.rawValue) \(path)")
    }
}
