/// A message the broker delivered to this server's queue, as bytes: decoding is the caller's.
public struct BrokerDelivery: Sendable, Equatable {
    public var exchange: String
    public var routingKey: String
    /// The sending server's id (the AMQP `app-id` property), when it set one.
    public var senderId: String?
    public var body: [UInt8]
    /// The AMQP `message-id` and `content-type` properties, when set.
    public var messageId: String?
    public var contentType: String?
    /// 2 for a persistent message.
    public var deliveryMode: UInt8?

    public init(exchange: String, routingKey: String, senderId: String?, body: [UInt8], messageId: String? = nil,
                contentType: String? = nil, deliveryMode: UInt8? = nil) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.senderId = senderId
        self.body = body
        self.messageId = messageId
        self.contentType = contentType
        self.deliveryMode = deliveryMode
    }
}
