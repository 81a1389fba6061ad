import Foundation

/// A recording read back: its sidecar as JSON and its audio.
public struct RecordedCall {
    public var sidecarPath: String
    public var json: [String: Any]
    public var audio: DecodedAudio

    public init(sidecarPath: String) throws {
        self.sidecarPath = sidecarPath
        let data = try Data(contentsOf: URL(fileURLWithPath: sidecarPath))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestSupportError("\(sidecarPath) is not a JSON object")
        }
        json = object
        let dir = (sidecarPath as NSString).deletingLastPathComponent
        let audioInfo = object["Audio"] as? [String: Any] ?? [:]
        if let file = audioInfo["File"] as? String {
            audio = try DecodedAudio(path: dir + "/" + file)
        } else {
            // One file per side: read them as the channels of one recording, in order.
            let files = (audioInfo["Files"] as? [[String: Any]] ?? []).compactMap { $0["File"] as? String }
            let parts = try files.map { try DecodedAudio(path: dir + "/" + $0) }
            guard var first = parts.first else { throw TestSupportError("\(sidecarPath) names no audio file") }
            first.channels = parts.flatMap(\.channels)
            audio = first
        }
    }

    /// Every recording under a folder, by call instance.
    public static func all(under directory: String) throws -> [RecordedCall] {
        try RepositoryPaths.files(under: directory, withExtension: "json").map { try RecordedCall(sidecarPath: $0) }
    }

    public var callInstance: String { json["CallInstance"] as? String ?? "" }
    public var metadata: [String: String] { json["Metadata"] as? [String: String] ?? [:] }
    public var streams: [[String: Any]] { json["Streams"] as? [[String: Any]] ?? [] }
    public var endReason: String { json["EndReason"] as? String ?? "" }
    public var durationSeconds: Double { (json["Audio"] as? [String: Any])?["DurationSeconds"] as? Double ?? -1 }
    public var notUsed: [String: Int] { json["NotUsed"] as? [String: Int] ?? [:] }
}
