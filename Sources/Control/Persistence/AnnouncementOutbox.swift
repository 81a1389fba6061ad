import Foundation

/// The announcements not yet acknowledged, as their couriers read and settle them. Rows are
/// added only with the store's other writes (`TrackerStore.saveRecording(_:announcingTo:)`,
/// `announce(recordingIdentifier:to:)`); each courier settles the rows of its destination alone.
public protocol AnnouncementOutbox: AnyObject, Sendable {
    /// The destination's rows whose next attempt is due at `now`, the most overdue first.
    func dueAnnouncements(to destination: String, at now: Date, limit: Int) throws -> [PendingAnnouncement]
    /// The destination has it: the row goes.
    func acknowledge(_ announcement: PendingAnnouncement) throws
    /// The attempt failed: counted, with why, and tried again at `retryAt`.
    func reschedule(_ announcement: PendingAnnouncement, error: String, retryAt: Date) throws
    /// How many rows wait for the destination, and when the oldest was queued.
    func pendingAnnouncements(to destination: String) throws -> (count: Int, oldest: Date?)
    /// Removes the rows of destinations no longer configured; returns how many went.
    func discardAnnouncements(exceptTo destinations: [String]) throws -> Int
}
