import Foundation
import Logging

/// Delivers one destination's announcements from the outbox, on a thread of its own (webhooks
/// and the broker block; never the capture thread, an event loop or the cooperative pool). It
/// takes the due rows oldest first and removes each the destination acknowledges. A failure
/// leaves the row with its attempt counted and pauses the whole destination for the back-off
/// of its failures in a row, so that a dead receiver sees one attempt per wait, not one per row.
/// Nothing is given up: a row waits until its destination takes it.
final class AnnouncementCourier: @unchecked Sendable {
    // @unchecked: `stopping` and `metricsValue` are touched only with `condition` locked; the
    // rest is immutable or the thread's own.

    let destination: String
    private let sender: any AnnouncementSender
    private let outbox: any AnnouncementOutbox
    private let backoff: AnnouncementBackoff
    /// The sidecar's bytes as they are on disk, read after the rewrites queued before (`SidecarRewriter.read`).
    private let readSidecar: @Sendable (String) throws -> Data
    private let logger: Logger

    private let condition = NSCondition()
    private var stopping = false
    private var metricsValue: AnnouncementMetrics

    // the thread's own
    private var failuresInRow = 0
    private var pausedUntil = Date.distantPast
    private var lastFailureLog = Date.distantPast
    private var failuresNotLogged = 0

    /// How often the outbox is looked at for new rows.
    static let pollSeconds = 0.5
    /// At most one log line per destination per this long; the others are counted in the next.
    static let failureLogSeconds = 60.0
    static let batch = 32

    init(destination: String, label: String, sender: any AnnouncementSender, outbox: any AnnouncementOutbox,
         backoff: AnnouncementBackoff, readSidecar: @escaping @Sendable (String) throws -> Data, logger: Logger) {
        self.destination = destination
        self.sender = sender
        self.outbox = outbox
        self.backoff = backoff
        self.readSidecar = readSidecar
        var logger = logger
        logger[metadataKey: "destination"] = "\(label)"
        self.logger = logger
        metricsValue = AnnouncementMetrics(destination: label)
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "calltap-announce"
        thread.start()
    }

    /// Asks the thread to end after the attempt in progress (bounded by the sender's timeout).
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    var metrics: AnnouncementMetrics {
        condition.lock()
        defer { condition.unlock() }
        return metricsValue
    }

    // MARK: the thread

    private func run() {
        while !isStopping {
            refreshPending()
            let now = Date()
            if pausedUntil > now {
                wait(until: min(pausedUntil, now.addingTimeInterval(Self.pollSeconds)))
                continue
            }
            let due: [PendingAnnouncement]
            do {
                due = try outbox.dueAnnouncements(to: destination, at: now, limit: Self.batch)
            } catch {
                logger.error("cannot read the announcements outbox", metadata: ["error": "\(error)"])
                wait(until: now.addingTimeInterval(Self.pollSeconds * 4))
                continue
            }
            if due.isEmpty {
                wait(until: now.addingTimeInterval(Self.pollSeconds))
                continue
            }
            for announcement in due where !isStopping {
                if !deliver(announcement) { break }
            }
        }
        sender.close()
    }

    /// One attempt; false when the destination failed it (the courier pauses).
    private func deliver(_ announcement: PendingAnnouncement) -> Bool {
        let body: Data
        do {
            body = try readSidecar(announcement.sidecarPath)
        } catch {
            // A local problem, not the destination's: this row waits, the others go on.
            failed(announcement, "cannot read the sidecar \(announcement.sidecarPath): \(error)",
                   failures: announcement.attempts + 1)
            return true
        }
        do {
            try sender.deliver(announcement, body: body)
        } catch {
            failuresInRow += 1
            let failures = max(failuresInRow, announcement.attempts + 1)
            pausedUntil = failed(announcement, error.description, failures: failures)
            return false
        }
        failuresInRow = 0
        do {
            try outbox.acknowledge(announcement)
        } catch {
            // Delivered again later: the receiver deduplicates by delivery id.
            logger.error("cannot remove a delivered announcement", metadata: ["recording": "\(announcement.recordingIdentifier)",
                                                                             "error": "\(error)"])
        }
        count { $0.delivered += 1 }
        return true
    }

    /// Counts and reschedules a failed attempt; returns when it is due again.
    @discardableResult
    private func failed(_ announcement: PendingAnnouncement, _ why: String, failures: Int) -> Date {
        let wait = backoff.seconds(afterFailures: failures)
        let retryAt = Date().addingTimeInterval(wait)
        count { $0.failures += 1 }
        do {
            try outbox.reschedule(announcement, error: why, retryAt: retryAt)
        } catch {
            logger.error("cannot reschedule an announcement", metadata: ["recording": "\(announcement.recordingIdentifier)",
                                                                        "error": "\(error)"])
        }
        let now = Date()
        if now.timeIntervalSince(lastFailureLog) >= Self.failureLogSeconds {
            logger.warning("announcement not delivered", metadata: [
                "recording": "\(announcement.recordingIdentifier)", "revision": "\(announcement.revision)",
                "attempts": "\(announcement.attempts + 1)", "error": "\(why)",
                "retryIn": "\(String(format: "%.1f", wait))", "failuresNotLogged": "\(failuresNotLogged)",
            ])
            lastFailureLog = now
            failuresNotLogged = 0
        } else {
            failuresNotLogged += 1
        }
        return retryAt
    }

    private func refreshPending() {
        guard let pending = try? outbox.pendingAnnouncements(to: destination) else { return }
        let age = pending.oldest.map { max(0, Date().timeIntervalSince($0)) } ?? 0
        count {
            $0.pending = pending.count
            $0.oldestPendingSeconds = age
        }
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    private func wait(until deadline: Date) {
        condition.lock()
        defer { condition.unlock() }
        while !stopping && condition.wait(until: deadline) {}
    }

    private func count(_ change: (inout AnnouncementMetrics) -> Void) {
        condition.lock()
        change(&metricsValue)
        condition.unlock()
    }
}
