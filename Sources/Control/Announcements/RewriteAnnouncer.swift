import Foundation

/// Where announcements are queued from: the destinations `serve` configured (none in a replay)
/// and the store whose outbox takes them. The tracker reads it when a recording finishes; the
/// sidecar rewriters, when a finished sidecar was rewritten and its next revision is due.
final class RewriteAnnouncer: @unchecked Sendable {
    // @unchecked: `destinationsValue` is touched only with `lock` held; `store` is immutable.
    private let store: TrackerStore?
    private let lock = NSLock()
    private var destinationsValue: [String] = []

    init(store: TrackerStore?) {
        self.store = store
    }

    /// Set before the capture runs.
    var destinations: [String] {
        get { lock.withLock { destinationsValue } }
        set { lock.withLock { destinationsValue = newValue } }
    }

    /// The recording's sidecar was rewritten after it finished: its next revision is announced.
    func rewritten(_ recordingIdentifier: String) {
        let destinations = self.destinations
        guard !destinations.isEmpty else { return }
        store?.announce(recordingIdentifier: recordingIdentifier, to: destinations)
    }
}
