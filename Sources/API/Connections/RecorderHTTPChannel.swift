import Control
import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// Hummingbird's HTTP/1 child channel with the recorder's connection bounds in front: the
/// admission check (`ConnectionAdmissionHandler`), the chunk-size bound (`ChunkSizeGuard`) and
/// the request head deadline (`RequestBytesSignal` ahead of the decoder, `RequestHeadTimeoutHandler`
/// behind it).
struct RecorderHTTPChannel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let http1: HTTP1Channel
    let admission: ConnectionAdmission
    let bodyLimit: RequestBodyLimit
    /// With HTTPS, the TLS context each new connection takes.
    let tls: TLSContextSource?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            // Admission before the handshake; the bounds behind TLS, where the bytes are HTTP.
            var handlers: [any ChannelHandler] = [ConnectionAdmissionHandler(admission: admission)]
            if let tls { handlers.append(NIOSSLServerHandler(context: tls.current)) }
            handlers += [RequestBytesSignal(), ChunkSizeGuard(limit: bodyLimit)]
            try channel.pipeline.syncOperations.addHandlers(handlers, position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return http1.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with the bounds of `configuration.http` (`idleTimeoutSeconds`,
    /// `requestHeaderTimeoutSeconds`, `maxConnections` as given, `maxConnectionsPerClient`) and
    /// chunk sizes within `limits.maxBodyBytes`; connections closed for want of a head count in
    /// `calltap_http_connections_timed_out_total{cause="requestHeader"}`.
    /// With `tls`, HTTPS only (a plain HTTP request fails the handshake).
    public static func recorder(_ configuration: Control.ServerConfiguration, metrics: RecorderMetrics, logger: Logger,
                                tls: TLSContextSource? = nil) -> HTTPServerBuilder {
        let bounds = configuration.http
        let bodyLimit = RequestBodyLimit(maxBytes: configuration.limits.maxBodyBytes)
        let admission = ConnectionAdmission(maxConnections: bounds.maxConnections,
                                            maxConnectionsPerClient: bounds.maxConnectionsPerClient,
                                            metrics: metrics, logger: logger)
        let timedOut = metrics.registry.makeCounter(
            descriptor: RecorderMetrics.descriptor(
                "http_connections_timed_out", unit: "total",
                help: "HTTP connections closed by the server because a request head did not arrive in time (http.requestHeaderTimeoutSeconds)."),
            labels: [("cause", "requestHeader")])
        let headTimeout = TimeAmount.nanoseconds(Int64(bounds.requestHeaderTimeoutSeconds * 1e9))
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestHeadTimeoutHandler(timeout: headTimeout) { timedOut.increment() }],
            idleTimeout: .nanoseconds(Int64(bounds.idleTimeoutSeconds * 1e9)))
        return HTTPServerBuilder { responder in
            RecorderHTTPChannel(http1: HTTP1Channel(responder: responder, configuration: http1), admission: admission,
                                bodyLimit: bodyLimit, tls: tls)
        }
    }
}
