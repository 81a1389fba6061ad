import NIOCore

/// First in every accepted connection's pipeline: asks `ConnectionAdmission` for a place once the
/// connection is active, closes it at once when there is none, and gives the place back when it
/// closes. Closing here, not in the child channel's initializer, keeps a refusal from failing the
/// initializer, which would end the listening channel's stream of connections.
final class ConnectionAdmissionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    typealias InboundOut = NIOAny

    private let admission: ConnectionAdmission
    private var admittedClient: String?
    private var decided = false

    init(admission: ConnectionAdmission) {
        self.admission = admission
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { decide(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        decide(context: context)
        if admittedClient != nil { context.fireChannelActive() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let client = admittedClient {
            admittedClient = nil
            admission.release(client: client)
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A refused connection's bytes go nowhere: it is closing.
        guard admittedClient != nil else { return }
        context.fireChannelRead(data)
    }

    private func decide(context: ChannelHandlerContext) {
        guard !decided else { return }
        decided = true
        let client = context.channel.remoteAddress?.ipAddress ?? "unknown"
        if admission.admit(client: client) == nil {
            admittedClient = client
        } else {
            context.close(promise: nil)
        }
    }
}
