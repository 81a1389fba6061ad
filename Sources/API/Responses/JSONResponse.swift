import Foundation
import Hummingbird

/// Encodes response bodies. Property names come from each type's PascalCase `CodingKeys`.
enum JSONResponse {
    /// The encoder of every answer.
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }

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

    static let contentType = "application/json; charset=utf-8"
}
