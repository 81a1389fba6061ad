import Control
import Hummingbird

/// Notes when each request arrived, first of all middleware: a command takes effect then
/// (live), not after its body was read, authorised and parsed on two busy cores.
struct RequestArrivalMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await RequestArrival.stamped { try await next(request, context) }
    }
}
