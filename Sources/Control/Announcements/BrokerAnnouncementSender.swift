import Foundation

/// Publishes announcements to the broker's `calltap.recordings` topic exchange on a connection
/// of its own (the cluster's connection keeps its messages in memory; these are in the outbox).
/// Routing key: the agent id, `none` for a recording without one; persistent, JSON, message-id
/// the delivery id. The broker's publisher confirm acknowledges. Blocking: the courier's thread only.
final class BrokerAnnouncementSender: AnnouncementSender {
    /// The exchange every announcement goes to.
    static let exchange = "calltap.recordings"
    /// The routing key of a recording no agent is on.
    static let noAgentKey = "none"

    private let settings: BrokerSettings
    private let endpoint: BrokerEndpoint
    private var session: AMQPSession?
    /// When the session last had a message confirmed.
    private var lastUsed: ContinuousClock.Instant?

    init(settings: BrokerSettings) throws(BrokerError) {
        self.settings = settings
        endpoint = try BrokerEndpoint(url: settings.url)
    }

    static func routingKey(of announcement: PendingAnnouncement) -> String {
        announcement.agentId.map(String.init) ?? noAgentKey
    }

    func deliver(_ announcement: PendingAnnouncement, body: Data) throws(AnnouncementFailure) {
        // rabbitmq-c answers heartbeats only while it is called: a connection idle for longer
        // than that may have been closed by the broker. It is made again rather than fail once.
        if let used = lastUsed, ContinuousClock.now - used > .seconds(settings.heartbeatSeconds) { close() }
        do {
            try publish(announcement, body: body)
        } catch {
            session?.abandon()
            session = nil
            throw AnnouncementFailure("broker \(endpoint.redacted): \(error)")
        }
    }

    /// Publishes and waits for the broker's confirm of this message.
    private func publish(_ announcement: PendingAnnouncement, body: Data) throws(BrokerError) {
        let session: AMQPSession
        if let open = self.session {
            session = open
        } else {
            session = try AMQPSession(endpoint: endpoint, settings: settings, purpose: .announcements(exchange: Self.exchange))
            self.session = session
        }
        let tag = try session.publish(exchange: Self.exchange, routingKey: Self.routingKey(of: announcement),
                                      body: Array(body), senderId: settings.serverId, messageId: announcement.deliveryId)
        let deadline = ContinuousClock.now + .seconds(settings.confirmTimeoutSeconds)
        while true {
            switch try session.poll(seconds: 0.2) {
            case .confirmed(let confirmed, let multiple) where confirmed == tag || (multiple && confirmed >= tag):
                lastUsed = .now
                return
            case .rejected(let rejected, let multiple) where rejected == tag || (multiple && rejected >= tag):
                throw .refused("publishing to \(Self.exchange)", "the broker refused the message (basic.nack)")
            default:
                if ContinuousClock.now >= deadline {
                    throw .confirmTimeout(seconds: settings.confirmTimeoutSeconds, pending: 1)
                }
            }
        }
    }

    func close() {
        session?.close()
        session = nil
        lastUsed = nil
    }
}
