import Control
import Foundation
import Hummingbird

/// Encodes response bodies with `APIJSON`'s encoder.
enum JSONResponse {
    /// The encoder of every answer.
    static func encoder() -> JSONEncoder { APIJSON.encoder() }

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data: Data
        do {
            data = try encoder().encode(value)
        } catch {
            // Only a non-finite number could fail here; say so rather than send half a body.
            data = Data(#"{"Code":"internal","Message":"the response could not be encoded"}"#.utf8)
            return Response(status: .internalServerError, headers: [.contentType: contentType],
                             body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        return Response(status: status, headers: [.contentType: contentType],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A body already encoded.
    static func make(json: Data, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
    }

    static let contentType = "application/json; charset=utf-8"
}
