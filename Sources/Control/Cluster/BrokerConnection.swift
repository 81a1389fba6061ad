import Foundation
import Logging

/// This server's one connection to the RabbitMQ broker, on a thread of its own (rabbitmq-c
/// blocks; it never runs on Swift's cooperative pool). Callers enqueue messages and return at
/// once; the thread publishes them in order with publisher confirms, and what the broker has not
/// confirmed stays queued and goes out again, in order, after a reconnection. It reconnects with
/// a bounded backoff, reports its state for `/readyz`, and hands what other servers send to
/// `onDelivery` (on its thread: hop elsewhere, do not block). This server's own messages, which
/// the fanout brings back, are skipped by server id.
public final class BrokerConnection: @unchecked Sendable {
    // @unchecked: the fields under "shared" are touched only with `condition` locked; the
    // session and the unconfirmed list belong to the thread alone.

    /// A message waiting for the broker.
    struct Outgoing {
        var exchange: String
        var routingKey: String
        var body: [UInt8]
        /// Published before (and lost with a connection): counted as republished when sent again.
        var attempts = 0
    }

    public let settings: BrokerSettings
    public let endpoint: BrokerEndpoint
    private let logger: Logger
    private let onDelivery: @Sendable (BrokerDelivery) -> Void
    private let onStateChange: @Sendable (BrokerState) -> Void

    // shared
    private let condition = NSCondition()
    private var queued: [Outgoing] = []
    private var queuedHead = 0
    private var stateValue = BrokerState.connecting
    private var countersValue = BrokerCounters()
    private var stopping = false
    private var started = false
    private var finished = false

    // the thread's own
    private var unconfirmed: [(tag: UInt64, message: Outgoing, sent: ContinuousClock.Instant)] = []

    /// Checks the URL; nothing connects before `start()`.
    public init(settings: BrokerSettings, logger: Logger = Logger(label: "calltap.broker"),
                onDelivery: @escaping @Sendable (BrokerDelivery) -> Void,
                onStateChange: @escaping @Sendable (BrokerState) -> Void = { _ in }) throws(BrokerError) {
        self.settings = settings
        endpoint = try BrokerEndpoint(url: settings.url)
        var logger = logger
        logger[metadataKey: "broker"] = "\(endpoint.redacted)"
        self.logger = logger
        self.onDelivery = onDelivery
        self.onStateChange = onStateChange
    }

    /// Starts the connection thread (once).
    public func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !started else { return }
        started = true
        let thread = Thread { [self] in run() }
        thread.name = "calltap-broker"
        thread.start()
    }

    /// Publishes what is queued for up to `settings.drainSeconds`, closes, and returns when the
    /// thread has ended (bounded: the drain, one poll and the close's RPC timeout).
    public func stop() {
        condition.lock()
        defer { condition.unlock() }
        stopping = true
        condition.broadcast()
        guard started else {
            finished = true
            stateValue = .stopped
            return
        }
        let deadline = Date().addingTimeInterval(settings.drainSeconds + settings.connectTimeoutSeconds * 2 + 1)
        while !finished && condition.wait(until: deadline) {}
        if !finished { logger.warning("the broker thread did not end in time; leaving it") }
    }

    /// Queues a message; never blocks on the broker.
    public func publish(_ body: [UInt8], to destination: BrokerDestination) {
        let message: Outgoing = switch destination {
        case .blackouts: Outgoing(exchange: settings.blackoutExchange, routingKey: "", body: body)
        case .screen(let key): Outgoing(exchange: settings.screenExchange, routingKey: key, body: body)
        }
        condition.lock()
        defer { condition.unlock() }
        queued.append(message)
        countersValue.enqueued += 1
        if queued.count - queuedHead > settings.maxQueued {
            queuedHead += 1
            countersValue.dropped += 1
            logger.error("broker queue full: dropped the oldest message", metadata: ["maxQueued": "\(settings.maxQueued)"])
        }
        condition.broadcast()
    }

    public var state: BrokerState {
        condition.lock()
        defer { condition.unlock() }
        return stateValue
    }

    public var counters: BrokerCounters {
        condition.lock()
        defer { condition.unlock() }
        var counters = countersValue
        counters.waiting = queued.count - queuedHead + unconfirmedCount
        return counters
    }

    /// Updated by the thread so `counters` can read it under the lock.
    private var unconfirmedCount = 0

    // MARK: the thread

    private func run() {
        var delay = settings.reconnectDelaySeconds
        while !isStopping {
            let session: AMQPSession
            do {
                session = try AMQPSession(endpoint: endpoint, settings: settings)
            } catch {
                count { $0.failures += 1 }
                setState(.down(reason: error.description, retryInSeconds: delay))
                logger.warning("broker connection failed", metadata: ["error": "\(error)", "retryIn": "\(delay)"])
                sleep(seconds: delay)
                delay = min(delay * 2, settings.maxReconnectDelaySeconds)
                continue
            }
            delay = settings.reconnectDelaySeconds
            count { $0.connections += 1 }
            setState(.connected)
            logger.info("connected to the broker", metadata: ["queue": "\(settings.effectiveQueueName)"])
            do {
                try serve(session)
                session.close()
            } catch {
                session.abandon()
                count { $0.failures += 1 }
                giveBackUnconfirmed()
                if !isStopping {
                    setState(.down(reason: error.description, retryInSeconds: delay))
                    logger.warning("broker connection lost", metadata: ["error": "\(error)", "retryIn": "\(delay)"])
                    sleep(seconds: delay)
                    delay = min(delay * 2, settings.maxReconnectDelaySeconds)
                }
            }
        }
        giveBackUnconfirmed()
        condition.lock()
        stateValue = .stopped
        finished = true
        condition.broadcast()
        condition.unlock()
        onStateChange(.stopped)
    }

    /// Publishes and consumes until stopped (after draining) or until the connection breaks.
    private func serve(_ session: AMQPSession) throws(BrokerError) {
        var drainUntil: ContinuousClock.Instant?
        while true {
            if isStopping {
                let now = ContinuousClock.now
                if drainUntil == nil { drainUntil = now + .seconds(settings.drainSeconds) }
                if (waitingCount == 0 && unconfirmed.isEmpty) || now >= drainUntil! { return }
            }
            while unconfirmed.count < settings.maxUnconfirmed, let message = takeNext() {
                let tag: UInt64
                do {
                    tag = try session.publish(exchange: message.exchange, routingKey: message.routingKey,
                                              body: message.body, senderId: settings.serverId)
                } catch {
                    putBack([message])
                    throw error
                }
                if message.attempts > 0 { count { $0.republished += 1 } }
                var sent = message
                sent.attempts += 1
                unconfirmed.append((tag, sent, .now))
                publishUnconfirmedCount()
            }
            switch try session.poll(seconds: settings.pollSeconds) {
            case .idle:
                break
            case .delivery(let delivery):
                if delivery.senderId == settings.serverId {
                    count { $0.ownSkipped += 1 }
                } else {
                    count { $0.received += 1 }
                    onDelivery(delivery)
                }
            case .confirmed(let tag, let multiple):
                let before = unconfirmed.count
                unconfirmed.removeAll { multiple ? $0.tag <= tag : $0.tag == tag }
                let confirmed = before - unconfirmed.count
                count { $0.confirmed += confirmed }
                publishUnconfirmedCount()
            case .rejected(let tag, let multiple):
                let lost = unconfirmed.filter { multiple ? $0.tag <= tag : $0.tag == tag }
                unconfirmed.removeAll { multiple ? $0.tag <= tag : $0.tag == tag }
                count { $0.nacked += lost.count }
                logger.warning("the broker refused \(lost.count) message(s); publishing them again")
                putBack(lost.map(\.message))
                publishUnconfirmedCount()
            }
            if let oldest = unconfirmed.first, ContinuousClock.now - oldest.sent > .seconds(settings.confirmTimeoutSeconds) {
                throw .confirmTimeout(seconds: settings.confirmTimeoutSeconds, pending: unconfirmed.count)
            }
        }
    }

    // MARK: the shared queue

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    private var waitingCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return queued.count - queuedHead
    }

    private func takeNext() -> Outgoing? {
        condition.lock()
        defer { condition.unlock() }
        guard queuedHead < queued.count else { return nil }
        let message = queued[queuedHead]
        queuedHead += 1
        if queuedHead > 1024 && queuedHead * 2 > queued.count {
            queued.removeFirst(queuedHead)
            queuedHead = 0
        }
        return message
    }

    /// Puts messages back at the front, in their order, ahead of everything queued after them.
    private func putBack(_ messages: [Outgoing]) {
        guard !messages.isEmpty else { return }
        condition.lock()
        defer { condition.unlock() }
        queued.replaceSubrange(queuedHead..<queuedHead, with: messages)
    }

    private func giveBackUnconfirmed() {
        let lost = unconfirmed.map(\.message)
        unconfirmed.removeAll()
        putBack(lost)
        publishUnconfirmedCount()
    }

    private func publishUnconfirmedCount() {
        let count = unconfirmed.count
        condition.lock()
        unconfirmedCount = count
        condition.unlock()
    }

    private func count(_ change: (inout BrokerCounters) -> Void) {
        condition.lock()
        change(&countersValue)
        condition.unlock()
    }

    private func setState(_ state: BrokerState) {
        condition.lock()
        let changed = stateValue != state
        stateValue = state
        condition.unlock()
        if changed { onStateChange(state) }
    }

    /// Waits before the next try; `stop()` cuts it short.
    private func sleep(seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while !stopping && condition.wait(until: deadline) {}
    }
}
