import Foundation
import Logging

/// The cluster as the tracker sees it: blackout decisions and state exchanges as
/// `ClusterMessage`s on the fanout exchange, screen commands on the topic exchange, over one
/// `BrokerConnection`. Decodes what other servers send and hands it to `onMessage` (on the
/// broker thread: hop onto the capture thread, do not block); what it cannot read is counted,
/// logged and skipped. Each time the connection comes (back) up it asks the peers for their
/// state with a `StateRequest`, so a server that was away learns every agent's blackout.
public final class ClusterBus: @unchecked Sendable {
    // @unchecked: the mutable fields are touched only with `lock` held.

    /// What the bus took and refused, beside the connection's own counters.
    public struct Counters: Sendable, Equatable {
        public var broker = BrokerCounters()
        /// Messages decoded and handed to `onMessage`.
        public var accepted = 0
        /// Messages that could not be read (malformed, unknown version or type), skipped.
        public var rejected = 0
        /// Why the last one was refused.
        public var lastRejection: ClusterMessageError?
    }

    public let connection: BrokerConnection
    public var serverId: String { connection.settings.serverId }
    private let lock = NSLock()
    private var sequence: UInt64
    private var accepted = 0
    private var rejected = 0
    private var lastRejection: ClusterMessageError?

    /// `firstSequence` must exceed every sequence this server sent before (across restarts):
    /// the default is the wall clock in microseconds.
    public init(settings: BrokerSettings, firstSequence: UInt64 = ClusterBus.sequenceSeed(),
                logger: Logger = Logger(label: "calltap.cluster"),
                onMessage: @escaping @Sendable (ClusterMessage) -> Void,
                onStateChange: @escaping @Sendable (BrokerState) -> Void = { _ in }) throws(BrokerError) {
        sequence = firstSequence
        // The connection's callbacks need `self`, which exists only after the connection does.
        let relay = Relay()
        connection = try BrokerConnection(settings: settings, logger: logger,
                                          onDelivery: { relay.bus?.received($0) },
                                          onStateChange: { state in
                                              if state == .connected { relay.bus?.requestState() }
                                              onStateChange(state)
                                          })
        self.logger = logger
        self.onMessage = onMessage
        relay.bus = self
    }

    private let logger: Logger
    private let onMessage: @Sendable (ClusterMessage) -> Void

    public func start() { connection.start() }
    public func stop() { connection.stop() }
    public var state: BrokerState { connection.state }

    public var counters: Counters {
        lock.lock()
        defer { lock.unlock() }
        return Counters(broker: connection.counters, accepted: accepted, rejected: rejected, lastRejection: lastRejection)
    }

    /// The next sequence number of this server, for stamping a `ClusterBlackout` before it is sent.
    public func nextSequence() -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        sequence += 1
        return sequence
    }

    /// Sends a message to every other server. A blackout's message carries the blackout's own
    /// sequence number; the others draw a new one. Returns the message as sent.
    @discardableResult
    public func publish(_ body: ClusterMessage.Body, sentNanos: Int64 = ClusterBus.wallClockNanos()) -> ClusterMessage {
        let number: UInt64 = switch body {
        case .blackoutStart(let blackout), .blackoutStop(let blackout): blackout.sequence
        case .stateRequest, .state, .agents: nextSequence()
        }
        let message = ClusterMessage(origin: serverId, sequence: number, sentNanos: sentNanos, body: body)
        connection.publish(message.encoded(), to: .blackouts)
        return message
    }

    /// Sends a screen command to the agent's station.
    public func publish(_ command: ScreenCommandMessage) {
        connection.publish(command.encoded(), to: .screen(routingKey: command.routingKey))
    }

    func requestState() {
        publish(.stateRequest)
    }

    func received(_ delivery: BrokerDelivery) {
        do {
            let message = try ClusterMessage.decode(delivery.body)
            // The connection skips by the AMQP app-id; a message relayed without it is caught here.
            guard message.origin != serverId else { return }
            lock.withLock { accepted += 1 }
            onMessage(message)
        } catch {
            lock.withLock {
                rejected += 1
                lastRejection = error
            }
            logger.warning("skipped a cluster message", metadata: ["error": "\(error)", "sender": "\(delivery.senderId ?? "?")"])
        }
    }

    /// Nanoseconds since 1970 now (wall clock: the cluster bus is live only).
    public static func wallClockNanos() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1e9)
    }

    /// Wall-clock microseconds: larger than any sequence of an earlier run of this server, at
    /// a million messages a second.
    public static func sequenceSeed() -> UInt64 {
        UInt64(max(0, Date().timeIntervalSince1970 * 1e6))
    }

    /// Lets the connection's callbacks reach the bus built after it.
    private final class Relay: @unchecked Sendable {
        // @unchecked: written once, in `init`, before the connection starts.
        weak var bus: ClusterBus?
    }
}
