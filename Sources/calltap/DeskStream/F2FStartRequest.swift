/// The body of `POST /api/F2F/Recordings` as the desk application sends it: who, which media, the
/// streams it is about to send and where, and `StartedBy: Desktop` (so the desk, not the API,
/// steers this recording).
struct F2FStartRequest: Encodable {
    struct Stream: Encodable {
        var source: String
        var address: String
        var codec: String

        enum CodingKeys: String, CodingKey {
            case source = "Source", address = "Address", codec = "Codec"
        }
    }

    var agentIdentifier: String
    var value: String
    var media: String
    var audioSource: String
    var streams: [Stream]
    var tags: [String: String]
    var startedBy = "Desktop"

    enum CodingKeys: String, CodingKey {
        case agentIdentifier = "AgentIdentifier", value = "Value", media = "Media", audioSource = "AudioSource"
        case streams = "Streams", tags = "Tags", startedBy = "StartedBy"
    }
}
