/// The sweeper's settings (`storage.retention`, `storage.whenFull` and `audit.keepDays`); which
/// recordings expire and when is `RetentionRules`'.
public struct SweepSettings: Sendable, Equatable {
    /// Where `move` puts a recording's files, at the path they had under the storage root; nil
    /// when nothing is moved (a `move` then waits, logged, until one is configured).
    public var archiveRoot: String?
    /// How often the sweeper runs (it also runs at start).
    public var intervalSeconds: Double = 3600
    public var whenFull: WhenFull = .stopRecording
    /// How long the audit trail keeps an entry (`audit.keepDays`); nil: for ever. Each sweep prunes it.
    public var auditKeepDays: Int? = 365

    public init() {}

    /// What happens when free space falls below `storage.minFreeMiB`.
    public enum WhenFull: String, Sendable, Equatable, CaseIterable {
        /// No new recording starts until there is room (the recordings kept are never touched).
        case stopRecording
        /// The sweeper runs at once, oldest expiry first, as often as the space stays low; no
        /// recording is deleted before its retention has run out, and none on hold.
        case deleteOldestExpired
    }
}
