import Foundation

/// What one destination's courier counted, for `/metrics`.
public struct AnnouncementMetrics: Sendable, Equatable {
    /// "broker", or the webhook's URL without credentials or query.
    public var destination: String
    /// Rows waiting for the destination (as of the courier's last look, at most a second ago).
    public var pending = 0
    /// Age of the oldest of them; 0 with none.
    public var oldestPendingSeconds = 0.0
    /// Acknowledged since the server started.
    public var delivered = 0
    /// Attempts that failed since the server started.
    public var failures = 0

    public init(destination: String) {
        self.destination = destination
    }
}
