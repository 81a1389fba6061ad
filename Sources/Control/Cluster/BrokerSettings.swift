/// How a `BrokerConnection` connects, what it declares and how patient it is.
public struct BrokerSettings: Sendable, Equatable {
    /// `amqp://user:password@host:port/vhost`, or `amqps://` over TLS.
    public var url: String
    /// How an `amqps://` connection trusts the broker and is known to it (`cluster.tls`).
    public var tls = BrokerTLS()
    /// This server's id: stamped on what it publishes, and how it recognises its own messages.
    public var serverId: String
    /// Fanout exchange for blackouts (every server's queue is bound to it).
    public var blackoutExchange = "calltap.blackouts"
    /// Topic exchange for screen commands (routing key: station, else device id).
    public var screenExchange = "calltap.screen"
    /// This server's queue; default `<blackoutExchange>.<serverId>`. Exclusive and auto-deleted.
    public var queueName: String?
    /// Keeps this server's queue (durable, not exclusive) when the connection goes, so that what
    /// others publish meanwhile waits for it. Off by default: a server that was away asks its
    /// peers for their state instead, and a kept queue outlives a server that is gone for good.
    public var keepsQueue = false
    /// Routing keys of `screenExchange` to bind this connection's queue to as well: a station's
    /// own consumer (and the tests) read screen commands this way. calltap servers bind none.
    public var screenBindings: [String] = []
    /// How long a published message may wait for its basic.ack before the connection is
    /// taken as broken and rebuilt (the message is published again on the new one).
    public var confirmTimeoutSeconds = 5.0
    /// How long one wait for a delivery lasts before the thread looks at what is queued to send.
    public var pollSeconds = 0.02
    /// Delay before the first reconnection; it doubles after each failure up to the maximum.
    public var reconnectDelaySeconds = 0.2
    public var maxReconnectDelaySeconds = 5.0
    /// TCP connect and RPC (login, declarations) bound.
    public var connectTimeoutSeconds = 5.0
    /// AMQP heartbeat: a dead peer is noticed within about twice this.
    public var heartbeatSeconds = 10
    /// Messages published and not yet confirmed at once.
    public var maxUnconfirmed = 256
    /// Messages kept while the broker is away; beyond it the oldest are dropped and counted.
    public var maxQueued = 100_000
    /// On stop, how long to go on publishing what is queued before closing.
    public var drainSeconds = 2.0

    public init(url: String, serverId: String) {
        self.url = url
        self.serverId = serverId
    }

    var effectiveQueueName: String { queueName ?? "\(blackoutExchange).\(serverId)" }
}
