import Foundation

/// One row of the outbox: a revision of a recording's sidecar that a destination has not
/// acknowledged yet, with the recording's sidecar and agent from its index row.
public struct PendingAnnouncement: Sendable, Equatable {
    public var recordingIdentifier: String
    /// "broker", or a webhook's URL as configured.
    public var destination: String
    /// 1 when the recording finished; one more for each rewrite of its sidecar after that.
    public var revision: Int
    /// Attempts that failed so far.
    public var attempts: Int
    public var createdAt: Date
    /// Absolute, under the storage root of today.
    public var sidecarPath: String
    public var agentId: Int?

    public init(recordingIdentifier: String, destination: String, revision: Int, attempts: Int, createdAt: Date,
                sidecarPath: String, agentId: Int?) {
        self.recordingIdentifier = recordingIdentifier
        self.destination = destination
        self.revision = revision
        self.attempts = attempts
        self.createdAt = createdAt
        self.sidecarPath = sidecarPath
        self.agentId = agentId
    }

    /// What the receiver deduplicates on: the recording identifier, and `/<revision>` after a rewrite.
    /// The same for every attempt (AMQP message-id, `X-Calltap-Delivery`).
    public var deliveryId: String {
        revision == 1 ? recordingIdentifier : "\(recordingIdentifier)/\(revision)"
    }
}
