import Foundation

/// What happens to a recording's files when its retention runs out.
public enum ArchiveAction: String, Sendable, Codable, CaseIterable {
    /// The audio files and the sidecar are deleted.
    case delete
    /// They are moved under `storage.retention.archiveRoot`, at the path they had under the root.
    case move
}

/// How long a finished recording is kept and what then happens to it. A recording without one
/// is kept for ever.
public struct RecordingRetention: Sendable, Equatable, Codable {
    /// Days after the recording's end; 0 is swept by the next sweep.
    public var keepDays: Int
    public var action: ArchiveAction

    public static let dayNanos: Int64 = 86_400 * 1_000_000_000
    /// The longest retention a recording may be given (100 years).
    public static let maximumDays = 36_500

    public init(keepDays: Int, action: ArchiveAction) {
        self.keepDays = keepDays
        self.action = action
    }

    /// When a recording that ended at `endNanos` expires.
    public func expiry(afterEnd endNanos: Int64) -> Int64 {
        endNanos + Int64(keepDays) * Self.dayNanos
    }
}

/// An agent's or a business unit's retention: either part may be left to the next rule.
public struct RetentionChoice: Sendable, Equatable, Codable {
    public var keepDays: Int?
    public var action: ArchiveAction?

    public init(keepDays: Int? = nil, action: ArchiveAction? = nil) {
        self.keepDays = keepDays
        self.action = action
    }
}

/// Where a recording's retention comes from, each part (days, action) on its own: its call's
/// metadata (`keepdays`, `archiveaction`, which the Recording API sets per call), else its
/// agent's own entry (`agents[].keepDays`, `.archiveAction`, or the agents API), else the agent's
/// business unit (`businessUnits[].keepDays`, `.archiveAction`), else
/// `storage.retention.defaultDays` and `.archiveAction`. Without a number of days from any of
/// them, a recording is kept for ever.
public struct RetentionRules: Sendable, Equatable {
    public var defaultDays: Int?
    public var defaultAction: ArchiveAction = .delete
    public var byBusinessUnit: [Int: RetentionChoice] = [:]

    /// The metadata keys a call's retention is read from, and the value that leaves each unset.
    public static let keepDaysKey = "keepdays"
    public static let archiveActionKey = "archiveaction"
    public static let unset = "-1"

    public init(defaultDays: Int? = nil, defaultAction: ArchiveAction = .delete, byBusinessUnit: [Int: RetentionChoice] = [:]) {
        self.defaultDays = defaultDays
        self.defaultAction = defaultAction
        self.byBusinessUnit = byBusinessUnit
    }

    /// The retention of a recording with this metadata whose agent has `agent` as its own
    /// choice and is in `businessUnit`. Values the metadata check refuses (`problem(key:value:)`)
    /// never reach a finished recording; if one does, it counts as unset.
    public func retention(metadata: [String: String], agent: RetentionChoice? = nil, businessUnit: Int?) -> RecordingRetention? {
        let unit = businessUnit.flatMap { byBusinessUnit[$0] }
        let days = metadata[Self.keepDaysKey].flatMap(Self.keepDays) ?? agent?.keepDays ?? unit?.keepDays ?? defaultDays
        guard let days else { return nil }
        let action = metadata[Self.archiveActionKey].flatMap(Self.action) ?? agent?.action ?? unit?.action ?? defaultAction
        return RecordingRetention(keepDays: days, action: action)
    }

    /// Why a client's value for a retention key is refused, or nil (also for other keys).
    public static func problem(key: String, value: String) -> String? {
        switch key {
        case keepDaysKey:
            guard value != unset, !value.isEmpty, keepDays(value) == nil else { return nil }
            return "keepdays '\(value.prefix(32))' is not a number of days from 0 to \(RecordingRetention.maximumDays), or -1 (not set)"
        case archiveActionKey:
            guard value != unset, !value.isEmpty, action(value) == nil else { return nil }
            return "archiveaction '\(value.prefix(32))' is not 'delete', 'move' or -1 (not set)"
        default:
            return nil
        }
    }

    /// The days a `keepdays` value gives; nil when it is unset or not a number of days.
    static func keepDays(_ value: String) -> Int? {
        guard let days = Int(value.trimmingCharacters(in: .whitespaces)),
              (0...RecordingRetention.maximumDays).contains(days) else { return nil }
        return days
    }

    /// The action an `archiveaction` value names, without regard to case.
    static func action(_ value: String) -> ArchiveAction? {
        ArchiveAction(rawValue: value.trimmingCharacters(in: .whitespaces).lowercased())
    }

    /// Whether any rule moves recordings (then `archiveRoot` is needed).
    public var anyMoves: Bool {
        defaultAction == .move || byBusinessUnit.values.contains { $0.action == .move }
    }
}
