import Foundation
import GRDB

/// How a recording's index entry maps to a row of `recordings`: one column per field, the
/// arrays and the metadata as JSON text (sorted keys, so equal entries give equal rows). Paths
/// are stored relative to the storage root and read back absolute under the root of today.
extension RecordingIndexEntry {
    static let columns = [
        "recordingIdentifier", "callInstance", "agentId", "isDuplicate", "segment", "startNanos", "endNanos",
        "state", "endReason", "sidecarPath", "audioPaths", "format", "sampleRate", "channelRoles", "metadata",
        "updatedAt",
    ]

    static let upsertSQL = """
        INSERT OR REPLACE INTO recordings (\(columns.joined(separator: ", ")))
        VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))
        """

    func rowArguments(updatedAt: Date, root: StorageRoot) throws -> StatementArguments {
        [
            recordingIdentifier, callInstance, agentId, isDuplicate, segment, startNanos, endNanos,
            state, endReason, root.relative(sidecarPath), try Self.jsonText(audioPaths.map(root.relative)), format, sampleRate,
            try Self.jsonText(channelRoles), try Self.jsonText(metadata), updatedAt,
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
            metadata: try Self.decodeJSON([String: String].self, row["metadata"]))
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
