import Control
import Hummingbird

/// Which web pages may call the API from a browser (CORS), from `http.cors.allowedOrigins`: a
/// CRM widget served from an allowed origin gets `Access-Control-Allow-Origin` on every answer
/// and an answer to its preflight `OPTIONS`; any other origin gets neither, so the browser keeps
/// the answer from the page. Keys are still required: CORS only lets the browser send the
/// request (with its `Authorization` header) at all.
struct CrossOriginPolicy: Sendable {
    private let origins: Set<String>
    private let anyOrigin: Bool

    init(allowedOrigins: [String]) {
        origins = Set(allowedOrigins.map { $0.lowercased() })
        anyOrigin = origins.contains("*")
    }

    /// The origin to allow in the answer to a request from `origin`, if it is allowed.
    func allowed(_ origin: String?) -> String? {
        guard let origin, !origin.isEmpty else { return nil }
        return anyOrigin || origins.contains(origin.lowercased()) ? origin : nil
    }

    /// The answer to a preflight `OPTIONS` on a path that takes `methods`: `204` with `Allow`,
    /// and the CORS headers when the origin is allowed.
    func preflight(_ request: Request, methods: [HTTPRequest.Method]) -> Response {
        let listed = (methods + [.options]).map(\.rawValue).joined(separator: ", ")
        var headers: HTTPFields = [.allow: listed]
        if let origin = allowed(request.headers[.origin]) {
            headers[.accessControlAllowOrigin] = origin
            headers[.accessControlAllowMethods] = listed
            headers[.accessControlAllowHeaders] = request.headers[.accessControlRequestHeaders] ?? "Authorization, Content-Type"
            headers[.accessControlMaxAge] = "600"
        }
        headers[.vary] = "Origin"
        return Response(status: .noContent, headers: headers)
    }
}

/// Puts `Access-Control-Allow-Origin` on the answers to requests from an allowed origin (errors
/// included, so that the page can read why), and `Vary: Origin` on every answer.
struct CrossOriginMiddleware<Context: RequestContext>: RouterMiddleware {
    let policy: CrossOriginPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        guard request.method != .options else { return response }
        if let origin = policy.allowed(request.headers[.origin]) {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlExposeHeaders] = "Content-Range, Accept-Ranges, Content-Length"
        }
        response.headers[.vary] = "Origin"
        return response
    }
}
