/// The broker as `/metrics` shows it: connected or not, and the cluster bus's counters.
public struct BrokerMetrics: Sendable, Equatable {
    public var connected: Bool
    public var counters: ClusterBus.Counters

    public init(connected: Bool, counters: ClusterBus.Counters) {
        self.connected = connected
        self.counters = counters
    }
}

/// What a `BrokerConnection` did so far (for `/metrics` and the tests).
public struct BrokerCounters: Sendable, Equatable {
    /// Messages callers enqueued.
    public var enqueued = 0
    /// Messages the broker confirmed (basic.ack).
    public var confirmed = 0
    /// Messages the broker refused (basic.nack); they are published again.
    public var nacked = 0
    /// Messages published again after a reconnection because they had not been confirmed.
    public var republished = 0
    /// Messages dropped because more than `maxQueued` waited (the oldest go).
    public var dropped = 0
    /// Deliveries handed to the callback.
    public var received = 0
    /// Deliveries this server had sent itself (the fanout brings them back), skipped.
    public var ownSkipped = 0
    /// Connections established (the first one included).
    public var connections = 0
    /// Connection attempts that failed, and connections lost.
    public var failures = 0
    /// Messages waiting now (queued and unconfirmed).
    public var waiting = 0

    public init() {}
}
