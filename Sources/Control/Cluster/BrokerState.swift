/// The broker connection as `/readyz` reports it.
public enum BrokerState: Sendable, Equatable, CustomStringConvertible {
    /// Not started yet, or started and trying for the first time.
    case connecting
    /// Connected, exchanges and queue declared, consuming, confirms on.
    case connected
    /// Not connected: why, and how long until the next try.
    case down(reason: String, retryInSeconds: Double)
    /// Stopped by its owner.
    case stopped

    public var isConnected: Bool { self == .connected }

    public var description: String {
        switch self {
        case .connecting: "connecting to the broker"
        case .connected: "connected to the broker"
        case .down(let reason, let retry): "broker down: \(reason) (next try in \(retry) s)"
        case .stopped: "broker connection stopped"
        }
    }
}
