import Control
import Hummingbird

/// Reads a request body up to `limits.maxBodyBytes`. A declared `Content-Length` over the limit is
/// refused before reading; a body that streams past it (chunked, or a lying length) is refused
/// as soon as it does, so a client cannot make the server buffer more than the limit.
struct RequestBodyLimit: Sendable {
    let maxBytes: Int

    func collect(_ request: Request) async throws(ControlError) -> [UInt8] {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBytes {
            throw tooLarge
        }
        var bytes: [UInt8] = []
        do {
            for try await buffer in request.body {
                guard bytes.count + buffer.readableBytes <= maxBytes else { throw tooLarge }
                bytes.append(contentsOf: buffer.readableBytesView)
            }
        } catch let error as ControlError {
            throw error
        } catch {
            throw ControlError(.badRequest, "the request body could not be read")
        }
        return bytes
    }

    var tooLarge: ControlError {
        ControlError(.payloadTooLarge, "the body is larger than \(maxBytes) bytes")
    }
}
