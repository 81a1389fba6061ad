import Control
import Foundation
import Hummingbird

/// An error as the API answers it: a status, a stable `Code` and a human `Message`, sent as
/// `{"Code": "...", "Message": "..."}`. Most come from `ControlError`; the rest are HTTP's own
/// (no such route, wrong method, unsatisfiable range).
struct APIErrorResponse: Error, Sendable {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var headers: HTTPFields = [:]

    init(status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    init(_ error: ControlError) {
        self.init(status: Self.status(of: error.code), code: error.code.rawValue, message: error.message)
        if error.code == .unauthorized {
            headers[.wwwAuthenticate] = "Bearer"
        }
    }

    /// The code's status, with its standard reason phrase.
    static func status(of code: ControlError.Code) -> HTTPResponse.Status {
        switch code.status {
        case 400: .badRequest
        case 401: .unauthorized
        case 403: .forbidden
        case 404: .notFound
        case 409: .conflict
        case 413: .contentTooLarge
        case 503: .serviceUnavailable
        case 500: .internalServerError
        case let other: HTTPResponse.Status(code: other)
        }
    }

    static func notFound(_ message: String) -> APIErrorResponse {
        APIErrorResponse(status: .notFound, code: "not_found", message: message)
    }

    static func methodNotAllowed(_ method: HTTPRequest.Method, path: String, allowed: [HTTPRequest.Method]) -> APIErrorResponse {
        var headers = HTTPFields()
        headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
        return APIErrorResponse(status: .methodNotAllowed, code: "method_not_allowed",
                                message: "\(path) does not take \(method.rawValue)", headers: headers)
    }

    static func rangeNotSatisfiable(size: Int) -> APIErrorResponse {
        var headers = HTTPFields()
        headers[.contentRange] = "bytes */\(size)"
        return APIErrorResponse(status: .rangeNotSatisfiable, code: "range_not_satisfiable",
                                message: "the requested range is outside the file's \(size) bytes", headers: headers)
    }

    struct Body: Codable, Equatable {
        var code: String
        var message: String
        enum CodingKeys: String, CodingKey { case code = "Code", message = "Message" }
    }

    func response() -> Response {
        var response = JSONResponse.make(Body(code: code, message: message), status: status)
        response.headers.append(contentsOf: headers)
        return response
    }
}
