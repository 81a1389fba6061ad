/// Where a message goes: the blackout fanout exchange (every server), or the screen topic
/// exchange under a station's routing key.
public enum BrokerDestination: Sendable, Equatable {
    case blackouts
    case screen(routingKey: String)
}
