/// A face-to-face recording as `GET /api/F2F/Recordings/{id}` shows it. `AgentId`, `StartTime`,
/// `StopTime` and `RecordingIdentifiers` (the audio recordings, to find in `/api/Recordings`)
/// are additions of calltap.
public struct FaceToFaceView: Sendable, Codable, Equatable {
    public var id: String
    public var status: FaceToFaceStatus
    public var media: FaceToFaceMedia
    public var audioSource: FaceToFaceAudioSource
    public var tags: [String: String]
    public var startedBy: FaceToFaceController
    public var agentId: Int
    public var startTime: String
    public var stopTime: String?
    public var recordingIdentifiers: [String]
    /// Each medium on its own (null for one the recording does not have): `Active`, `Paused`,
    /// `Stopped`.
    public var audioStatus: FaceToFaceMediumStatus?
    public var screenStatus: FaceToFaceMediumStatus?

    enum CodingKeys: String, CodingKey {
        case id = "Id", status = "Status", media = "Media", audioSource = "AudioSource", tags = "Tags"
        case startedBy = "StartedBy", agentId = "AgentId", startTime = "StartTime", stopTime = "StopTime"
        case recordingIdentifiers = "RecordingIdentifiers", audioStatus = "AudioStatus", screenStatus = "ScreenStatus"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(status, forKey: .status)
        try c.encode(media, forKey: .media)
        try c.encode(audioSource, forKey: .audioSource)
        try c.encode(tags, forKey: .tags)
        try c.encode(startedBy, forKey: .startedBy)
        try c.encode(agentId, forKey: .agentId)
        try c.encode(startTime, forKey: .startTime)
        if let stopTime { try c.encode(stopTime, forKey: .stopTime) } else { try c.encodeNil(forKey: .stopTime) }
        try c.encode(recordingIdentifiers, forKey: .recordingIdentifiers)
        if let audioStatus { try c.encode(audioStatus, forKey: .audioStatus) } else { try c.encodeNil(forKey: .audioStatus) }
        if let screenStatus { try c.encode(screenStatus, forKey: .screenStatus) } else { try c.encodeNil(forKey: .screenStatus) }
    }
}
