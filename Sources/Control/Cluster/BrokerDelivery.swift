/// A message the broker delivered to this server's queue, as bytes: decoding is the caller's.
public struct BrokerDelivery: Sendable, Equatable {
    public var exchange: String
    public var routingKey: String
    /// The sending server's id (the AMQP `app-id` property), when it set one.
    public var senderId: String?
    public var body: [UInt8]

    public init(exchange: String, routingKey: String, senderId: String?, body: [UInt8]) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.senderId = senderId
        self.body = body
    }
}
