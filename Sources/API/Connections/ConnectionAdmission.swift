import Foundation
import Logging
import Prometheus

/// Bounds the HTTP connections open at once, in all (`http.maxConnections`) and per client
/// address (`http.maxConnectionsPerClient`), so that idle or slow clients cannot take every
/// descriptor the recorder needs. One instance serves every event loop.
public final class ConnectionAdmission: @unchecked Sendable {
    // @unchecked: `open`, `openByClient` and the warning state are only touched with `lock` held.

    /// Why a connection was closed as soon as it was accepted; the `cause` label of
    /// `calltap_http_connections_rejected_total`.
    public enum Refusal: String, Sendable, CaseIterable {
        case total
        case perClient
    }

    public let maxConnections: Int
    public let maxConnectionsPerClient: Int
    /// At most one warning per this many seconds; the refusals in between are counted in it.
    static let warningInterval: Duration = .seconds(10)

    private let lock = NSLock()
    private var open = 0
    private var openByClient: [String: Int] = [:]
    private var lastWarning: ContinuousClock.Instant?
    private var refusedSinceWarning = 0
    private let logger: Logger
    private let openGauge: Gauge
    private let rejected: [Refusal: Counter]

    public init(maxConnections: Int, maxConnectionsPerClient: Int, metrics: RecorderMetrics, logger: Logger) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerClient = maxConnectionsPerClient
        self.logger = logger
        openGauge = metrics.registry.makeGauge(descriptor: RecorderMetrics.descriptor(
            "http_connections_open", unit: "", help: "HTTP connections open now."))
        var rejected: [Refusal: Counter] = [:]
        for cause in Refusal.allCases {
            rejected[cause] = metrics.registry.makeCounter(
                descriptor: RecorderMetrics.descriptor(
                    "http_connections_rejected", unit: "total",
                    help: "HTTP connections closed on accept: too many open in all (http.maxConnections) or from one client (http.maxConnectionsPerClient)."),
                labels: [("cause", cause.rawValue)])
        }
        self.rejected = rejected
    }

    /// Connections open now (admitted and not yet released).
    public var openConnections: Int { lock.withLock { open } }

    /// Takes a place for a connection from `client`, or says why there is none. An admitted
    /// connection must be released once, when it closes.
    public func admit(client: String) -> Refusal? {
        let now = ContinuousClock.now
        var warning: (refused: Int, open: Int)?
        let refusal: Refusal? = lock.withLock {
            let fromClient = openByClient[client, default: 0]
            let refusal: Refusal? = open >= maxConnections ? .total : fromClient >= maxConnectionsPerClient ? .perClient : nil
            guard refusal != nil else {
                open += 1
                openByClient[client] = fromClient + 1
                return nil
            }
            refusedSinceWarning += 1
            if lastWarning.map({ now - $0 >= Self.warningInterval }) ?? true {
                warning = (refusedSinceWarning, open)
                refusedSinceWarning = 0
                lastWarning = now
            }
            return refusal
        }
        if let refusal {
            rejected[refusal]?.increment()
            if let warning {
                logger.warning("refusing HTTP connections", metadata: [
                    "cause": "\(refusal.rawValue)", "client": "\(client)", "refusedSinceLastWarning": "\(warning.refused)",
                    "open": "\(warning.open)", "maxConnections": "\(maxConnections)",
                    "maxConnectionsPerClient": "\(maxConnectionsPerClient)",
                ])
            }
        } else {
            openGauge.increment()
        }
        return refusal
    }

    /// Gives back the place of an admitted connection from `client`.
    public func release(client: String) {
        lock.withLock {
            open -= 1
            let left = openByClient[client, default: 1] - 1
            openByClient[client] = left > 0 ? left : nil
        }
        openGauge.decrement()
    }
}
