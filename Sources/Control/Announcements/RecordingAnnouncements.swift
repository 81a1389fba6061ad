import Foundation
import Logging

/// Tells the broker and the webhooks of each finished recording (docs/API.md "Announcements"):
/// one `AnnouncementCourier` per destination, reading the outbox the tracker fills. `serve`
/// starts it; a replay announces nothing.
public final class RecordingAnnouncements: Sendable {
    /// The broker's destination name in the outbox.
    public static let brokerDestination = "broker"

    private let couriers: [AnnouncementCourier]

    /// The destinations the tracker queues rows for, in the order couriers were made.
    public var destinations: [String] { couriers.map(\.destination) }

    /// Makes a courier for the broker (when `broker` is given) and for each webhook; drops the
    /// outbox rows of destinations no longer configured (logged). Nothing runs before `start()`.
    public init(notify: NotifySettings, broker: BrokerSettings?, outbox: any AnnouncementOutbox,
                readSidecar: @escaping @Sendable (String) throws -> Data,
                logger: Logger = Logger(label: "calltap.announce")) throws {
        var couriers: [AnnouncementCourier] = []
        let backoff = AnnouncementBackoff(notify)
        if let broker {
            couriers.append(AnnouncementCourier(
                destination: Self.brokerDestination, label: Self.brokerDestination,
                sender: try BrokerAnnouncementSender(settings: broker), outbox: outbox, backoff: backoff,
                readSidecar: readSidecar, logger: logger))
        }
        for webhook in notify.webhooks {
            couriers.append(AnnouncementCourier(
                destination: webhook.url, label: Self.label(ofWebhook: webhook.url),
                sender: try WebhookSender(webhook, timeoutSeconds: notify.timeoutSeconds), outbox: outbox,
                backoff: backoff, readSidecar: readSidecar, logger: logger))
        }
        self.couriers = couriers
        let dropped = try outbox.discardAnnouncements(exceptTo: couriers.map(\.destination))
        if dropped > 0 {
            logger.warning("dropped announcements for destinations no longer configured", metadata: ["announcements": "\(dropped)"])
        }
    }

    public func start() {
        couriers.forEach { $0.start() }
    }

    public func stop() {
        couriers.forEach { $0.stop() }
    }

    public var metrics: [AnnouncementMetrics] { couriers.map(\.metrics) }

    /// A webhook as metrics and logs name it: without user, password or query (they may hold secrets).
    static func label(ofWebhook url: String) -> String {
        guard var components = URLComponents(string: url) else { return "webhook" }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        return components.string ?? "webhook"
    }
}
