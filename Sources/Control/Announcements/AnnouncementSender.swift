import Foundation

/// How a courier hands one announcement to its destination. `deliver` blocks until the
/// destination acknowledged it (returns) or did not (throws); it runs on the courier's thread only.
protocol AnnouncementSender: AnyObject {
    func deliver(_ announcement: PendingAnnouncement, body: Data) throws(AnnouncementFailure)
    /// Lets go of connections (the courier stops).
    func close()
}

/// Why a destination did not acknowledge an announcement: said in the log and kept in the row.
struct AnnouncementFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
