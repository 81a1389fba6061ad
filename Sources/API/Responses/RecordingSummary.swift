import Control

/// A recording as the index knows it, in the API's PascalCase: the items of
/// `GET /api/Recordings`, and `GET /api/Recordings/{id}` while the recording is still open (its
/// sidecar is written when it ends). File paths stay on the server; `/Audio` serves the files.
struct RecordingSummary: Codable, Equatable, Sendable {
    var recordingIdentifier: String
    var callInstance: String
    var agentId: Int?
    var isDuplicate: Bool
    var segment: Int
    var startTime: String
    var endTime: String?
    var state: String
    var endReason: String?
    var format: String
    var sampleRate: Int
    var channelRoles: [String]
    /// How many audio files `/Audio` serves: 1, or one per channel (`?channel=N`) in the `separate` layout.
    var audioFiles: Int
    var metadata: [String: String]
    /// Its retention (null: kept for ever) and when it runs out (null until it has ended).
    var keepDays: Int?
    var archiveAction: String?
    var expiresAt: String?
    /// The legal hold on it, null when none.
    var hold: HoldBody?

    struct HoldBody: Codable, Equatable, Sendable {
        var reason: String
        var placedAt: String
        enum CodingKeys: String, CodingKey { case reason = "Reason", placedAt = "PlacedAt" }
    }

    init(_ entry: RecordingIndexEntry) {
        recordingIdentifier = entry.recordingIdentifier
        callInstance = entry.callInstance
        agentId = entry.agentId
        isDuplicate = entry.isDuplicate
        segment = entry.segment
        startTime = ISO8601Time.string(fromNanoseconds: entry.startNanos)
        endTime = entry.endNanos.map(ISO8601Time.string(fromNanoseconds:))
        state = entry.state
        endReason = entry.endReason
        format = entry.format
        sampleRate = entry.sampleRate
        channelRoles = entry.channelRoles
        audioFiles = entry.audioPaths.count
        metadata = entry.metadata
        keepDays = entry.retention?.keepDays
        archiveAction = entry.retention?.action.rawValue
        expiresAt = entry.expiresNanos.map(ISO8601Time.string(fromNanoseconds:))
        hold = entry.hold.map { HoldBody(reason: $0.reason, placedAt: ISO8601Time.string(fromNanoseconds: $0.placedNanos)) }
    }

    enum CodingKeys: String, CodingKey {
        case recordingIdentifier = "RecordingIdentifier", callInstance = "CallInstance", agentId = "AgentId"
        case isDuplicate = "IsDuplicate", segment = "Segment", startTime = "StartTime", endTime = "EndTime"
        case state = "State", endReason = "EndReason", format = "Format", sampleRate = "SampleRate"
        case channelRoles = "ChannelRoles", audioFiles = "AudioFiles", metadata = "Metadata"
        case keepDays = "KeepDays", archiveAction = "ArchiveAction", expiresAt = "ExpiresAt", hold = "Hold"
    }

    // Absent values are written as null so that clients see every property.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(recordingIdentifier, forKey: .recordingIdentifier)
        try c.encode(callInstance, forKey: .callInstance)
        if let agentId { try c.encode(agentId, forKey: .agentId) } else { try c.encodeNil(forKey: .agentId) }
        try c.encode(isDuplicate, forKey: .isDuplicate)
        try c.encode(segment, forKey: .segment)
        try c.encode(startTime, forKey: .startTime)
        if let endTime { try c.encode(endTime, forKey: .endTime) } else { try c.encodeNil(forKey: .endTime) }
        try c.encode(state, forKey: .state)
        if let endReason { try c.encode(endReason, forKey: .endReason) } else { try c.encodeNil(forKey: .endReason) }
        try c.encode(format, forKey: .format)
        try c.encode(sampleRate, forKey: .sampleRate)
        try c.encode(channelRoles, forKey: .channelRoles)
        try c.encode(audioFiles, forKey: .audioFiles)
        try c.encode(metadata, forKey: .metadata)
        if let keepDays { try c.encode(keepDays, forKey: .keepDays) } else { try c.encodeNil(forKey: .keepDays) }
        if let archiveAction { try c.encode(archiveAction, forKey: .archiveAction) } else { try c.encodeNil(forKey: .archiveAction) }
        if let expiresAt { try c.encode(expiresAt, forKey: .expiresAt) } else { try c.encodeNil(forKey: .expiresAt) }
        if let hold { try c.encode(hold, forKey: .hold) } else { try c.encodeNil(forKey: .hold) }
    }
}

/// `GET /api/Recordings`: one page, newest first, and the cursor of the next (null on the last).
struct RecordingPageBody: Codable, Equatable, Sendable {
    var items: [RecordingSummary]
    var nextCursor: String?

    init(_ page: RecordingPage) {
        items = page.items.map(RecordingSummary.init)
        nextCursor = page.nextCursor
    }

    enum CodingKeys: String, CodingKey { case items = "Items", nextCursor = "NextCursor" }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        if let nextCursor { try c.encode(nextCursor, forKey: .nextCursor) } else { try c.encodeNil(forKey: .nextCursor) }
    }
}
