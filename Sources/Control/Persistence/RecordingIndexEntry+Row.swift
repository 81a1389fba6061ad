import Foundation
import GRDB

/// How a recording's index entry maps to a row of `recordings`: one column per field, the
/// arrays and the metadata as JSON text (sorted keys, so equal entries give equal rows). Paths
/// are stored relative to the storage root and read back absolute under the root of today.
/// The hold columns are not among those an entry writes: the hold routes alone set them.
extension RecordingIndexEntry {
    static let columns = [
        "recordingIdentifier", "callInstance", "agentId", "isDuplicate", "segment", "startNanos", "endNanos",
        "state", "endReason", "sidecarPath", "audioPaths", "format", "sampleRate", "channelRoles", "metadata",
        "keepDays", "archiveAction", "expiresNanos", "updatedAt",
    ]

    /// Inserts the row, or updates it but for its hold; a row the sweeper has claimed stays claimed.
    static let upsertSQL = """
        INSERT INTO recordings (\(columns.joined(separator: ", ")))
        VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))
        ON CONFLICT(recordingIdentifier) DO UPDATE SET
        \(columns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
        WHERE recordings.state <> '\(sweepingState)'
        """

    /// The state of a row the sweeper has claimed: its files are being deleted or moved.
    static let sweepingState = "Sweeping"

    func rowArguments(updatedAt: Date, root: StorageRoot) throws -> StatementArguments {
        [
            recordingIdentifier, callInstance, agentId, isDuplicate, segment, startNanos, endNanos,
            state, endReason, root.relative(sidecarPath), try Self.jsonText(audioPaths.map(root.relative)), format, sampleRate,
            try Self.jsonText(channelRoles), try Self.jsonText(metadata),
            retention?.keepDays, retention?.action.rawValue, expiresNanos, updatedAt,
        ]
    }

    init(row: Row, root: StorageRoot) throws {
        self.init(
            recordingIdentifier: row["recordingIdentifier"],
            callInstance: row["callInstance"],
            agentId: row["agentId"],
            isDuplicate: row["isDuplicate"],
            segment: row["segment"],
            startNanos: row["startNanos"],
            endNanos: row["endNanos"],
            state: row["state"],
            endReason: row["endReason"],
            sidecarPath: root.resolve(row["sidecarPath"]),
            audioPaths: try Self.decodeJSON([String].self, row["audioPaths"]).map(root.resolve),
            format: row["format"],
            sampleRate: row["sampleRate"],
            channelRoles: try Self.decodeJSON([String].self, row["channelRoles"]),
            metadata: try Self.decodeJSON([String: String].self, row["metadata"]),
            retention: Self.retention(keepDays: row["keepDays"], action: row["archiveAction"]),
            hold: (row["holdPlacedNanos"] as Int64?).map { RecordingHold(reason: row["holdReason"] ?? "", placedNanos: $0) })
    }

    private static func retention(keepDays: Int?, action: String?) -> RecordingRetention? {
        guard let keepDays else { return nil }
        return RecordingRetention(keepDays: keepDays, action: action.flatMap(ArchiveAction.init(rawValue:)) ?? .delete)
    }

    static func jsonText<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
