import Foundation

/// Where a page of `GET /api/Recordings` stopped: the sort key of its last entry. Clients see it
/// as an opaque token (base64url of `startNanos:recordingIdentifier`), safe in a query string.
struct RecordingCursor: Equatable {
    var startNanos: Int64
    var recordingIdentifier: String

    init(startNanos: Int64, recordingIdentifier: String) {
        self.startNanos = startNanos
        self.recordingIdentifier = recordingIdentifier
    }

    init(after entry: RecordingIndexEntry) {
        self.init(startNanos: entry.startNanos, recordingIdentifier: entry.recordingIdentifier)
    }

    /// Reads a token; `nil` when it is not one this store made.
    init?(token: String) {
        guard !token.isEmpty, token.count <= 1024 else { return nil }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
              let colon = text.firstIndex(of: ":"),
              let nanos = Int64(text[..<colon]) else { return nil }
        let identifier = String(text[text.index(after: colon)...])
        guard !identifier.isEmpty else { return nil }
        self.init(startNanos: nanos, recordingIdentifier: identifier)
    }

    var token: String {
        Data("\(startNanos):\(recordingIdentifier)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
