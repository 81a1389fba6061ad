import Control
import Hummingbird
import Logging

/// Turns every failure into the API's error body (`{"Code", "Message"}`): refused commands, unknown
/// routes (404), known paths called with the wrong method (405), and faults (500, logged).
struct ErrorResponseMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIErrorResponse {
            return error.response()
        } catch let error as ControlError {
            return APIErrorResponse(error).response()
        } catch let error as HTTPError where error.status == .notFound {
            return Self.unrouted(request).response()
        } catch let error as any HTTPResponseError {
            return APIErrorResponse(status: error.status, code: "http_\(error.status.code)",
                                    message: error.status.reasonPhrase).response()
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            return APIErrorResponse(ControlError(.internalFault, "the request could not be completed")).response()
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
