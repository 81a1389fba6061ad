import Foundation
import NIOCore

/// Ahead of the HTTP decoder: reads the connection's bytes through `RequestFraming` and, when a
/// chunk-size line announces more than `limits.maxBodyBytes`, answers `413 payload_too_large`
/// and closes the connection instead of waiting for the chunk.
final class ChunkSizeGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var framing: RequestFraming
    private let limit: RequestBodyLimit
    private var refused = false

    init(limit: RequestBodyLimit) {
        self.limit = limit
        framing = RequestFraming(maxBodyBytes: limit.maxBytes)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        let buffer = unwrapInboundIn(data)
        let verdict = buffer.withUnsafeReadableBytes { framing.consume($0) }
        guard verdict == .chunkTooLarge else {
            context.fireChannelRead(data)
            return
        }
        // The request is refused whole, and nothing after it on this connection is read.
        refused = true
        let error = APIErrorResponse(limit.tooLarge)
        let body = (try? JSONResponse.encoder().encode(APIErrorResponse.Body(code: error.code, message: error.message))) ?? Data()
        var answer = context.channel.allocator.buffer(capacity: 160 + body.count)
        answer.writeString("HTTP/1.1 413 Content Too Large\r\nContent-Type: \(JSONResponse.contentType)\r\n"
                           + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n")
        answer.writeBytes(body)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(NIOAny(answer), promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
