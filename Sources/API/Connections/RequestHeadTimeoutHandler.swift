import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request head does not arrive in time (`http.requestHeaderTimeoutSeconds`):
/// counted from when the connection opened, and for a later request from its first byte (which
/// `RequestBytesSignal`, ahead of the HTTP decoder, announces). A slow client that trickles a
/// head, or one that connects and says nothing, so holds a descriptor for this long at most.
/// Between requests and while a body streams, Hummingbird's idle timeout (`http.idleTimeoutSeconds`)
/// applies instead.
final class RequestHeadTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private enum State {
        /// Waiting for a request head that has begun (or for the first one); the deadline runs.
        case awaitingHead
        /// Requests whose heads arrived and whose responses have not all ended.
        case inRequests(Int)
        /// No request in progress and none begun.
        case idle
    }

    private let timeout: TimeAmount
    private let timedOut: @Sendable () -> Void
    private var state = State.awaitingHead
    private var deadline: Scheduled<Void>?

    /// - Parameter timedOut: called each time a connection is closed for want of a head.
    init(timeout: TimeAmount, timedOut: @escaping @Sendable () -> Void) {
        self.timeout = timeout
        self.timedOut = timedOut
    }

    func handlerAdded(context: ChannelHandlerContext) {
        startDeadline(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelDeadline()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelDeadline()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is RequestBytesSignal.Arrived else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if case .idle = state {
            state = .awaitingHead
            startDeadline(context: context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            switch state {
            case .awaitingHead, .idle:
                cancelDeadline()
                state = .inRequests(1)
            case .inRequests(let count):
                state = .inRequests(count + 1)
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), case .inRequests(let count) = state {
            state = count > 1 ? .inRequests(count - 1) : .idle
        }
        context.write(data, promise: promise)
    }

    private func startDeadline(context: ChannelHandlerContext) {
        guard deadline == nil else { return }
        let timedOut = self.timedOut
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            deadline = nil
            guard case .awaitingHead = state else { return }
            timedOut()
            context.close(promise: nil)
        }
    }

    private func cancelDeadline() {
        deadline?.cancel()
        deadline = nil
    }
}

/// Ahead of the HTTP decoder: tells the handlers behind it that bytes arrived, before passing them
/// on, so that `RequestHeadTimeoutHandler` can start a later request's deadline at its first byte.
final class RequestBytesSignal: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The event: bytes arrived on the connection.
    struct Arrived {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireUserInboundEventTriggered(Arrived())
        context.fireChannelRead(data)
    }
}
