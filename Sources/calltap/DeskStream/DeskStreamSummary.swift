/// What `desk-stream --json` prints when it is done: each stream as sent, the seconds of audio
/// streamed (packets × ptime, the same for both streams) and the recording's `Location`, or null.
struct DeskStreamSummary: Encodable {
    struct Stream: Encodable {
        var source: String
        var ssrc: UInt32
        var packets: Int
        var codec: String
        var from: String
        var to: String

        enum CodingKeys: String, CodingKey {
            case source = "Source", ssrc = "Ssrc", packets = "Packets", codec = "Codec", from = "From", to = "To"
        }
    }

    var streams: [Stream]
    var seconds: Double
    var recordingLocation: String?

    enum CodingKeys: String, CodingKey {
        case streams = "Streams", seconds = "Seconds", recordingLocation = "RecordingLocation"
    }

    /// Written by hand so that a missing recording is `null`, not an absent key.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(streams, forKey: .streams)
        try container.encode(seconds, forKey: .seconds)
        try container.encode(recordingLocation, forKey: .recordingLocation)
    }
}
