import Hummingbird
import NIOCore

/// The request context of the recorder's routes: Hummingbird's core context and the client's
/// address, which the audit trail records.
public struct RecorderRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
