import Control

/// The Face-to-Face API's commands (docs/API.md, "Face-to-Face API"): `F2F/Recordings` starts
/// one, `F2F/Recordings/{id}/Start|Stop|Pause|Resume|Tags` act on one (`Start` a medium it does
/// not run). In place of `{id}`, `Current`
/// names the agent of the body's `AgentIdentifier` and `Value` (its recording that is not
/// closed): a control script cannot know a recording's id in advance.
extension CommandRequest {
    static let faceToFacePaths = ["F2F/Recordings"]
        + FaceToFaceCommand.Steering.Action.allCases.map { "F2F/Recordings/{id}/\($0.rawValue)" }
        + ["F2F/Recordings/{id}/Tags"]

    /// The face-to-face command a path names, or nil when the path is not one (`F2F/…`).
    static func parseFaceToFace(path: String, body: [UInt8]) throws(ControlError) -> FaceToFaceCommand? {
        var components = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if components.first?.lowercased() == "api" { components.removeFirst() }
        guard components.first?.lowercased() == "f2f" else { return nil }
        guard components.count >= 2, components[1].lowercased() == "recordings" else { throw unknownCommand(path) }
        // Stop, Pause and Resume may come without a body.
        let document = try RequestDocument(body: body.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 } ? Array("{}".utf8) : body)
        switch components.count {
        case 2:
            return .start(try faceToFaceStart(document))
        case 4:
            let target = try faceToFaceTarget(components[2], document: document)
            let action = components[3].lowercased()
            if action == "tags" {
                return .tag(try faceToFaceTagging(target, document: document))
            }
            guard let steering = FaceToFaceCommand.Steering.Action.allCases.first(where: { $0.rawValue.lowercased() == action }) else {
                throw unknownCommand(path)
            }
            let media = try faceToFaceMedia(document)
            var audioSource: FaceToFaceAudioSource?
            var streams: [FaceToFaceStream] = []
            // Read for every action, so that a malformed one is refused; only Start uses them.
            audioSource = try faceToFaceAudioSource(document)
            // A recording that had audio may restart it with the streams it declared.
            streams = try faceToFaceStreams(document, required: false)
            if steering == .start {
                guard media != nil else { throw ControlError(.missingParameter, "'Media' is required: the medium to start") }
            }
            return .steer(FaceToFaceCommand.Steering(action: steering, target: target, media: media,
                                                     controller: try controller(document, name: "Controller"),
                                                     audioSource: audioSource, streams: streams))
        default:
            throw unknownCommand(path)
        }
    }

    /// `Current` names the agent's current recording; anything else is a recording's id.
    static func faceToFaceTarget(_ id: String, document: RequestDocument) throws(ControlError) -> FaceToFaceCommand.Target {
        guard !id.isEmpty else { throw ControlError(.missingParameter, "the recording's id is required") }
        if id.lowercased() == "current" { return .current(try agentReference(document)) }
        return .id(id)
    }

    private static func faceToFaceStart(_ document: RequestDocument) throws(ControlError) -> FaceToFaceCommand.Start {
        let agent = try agentReference(document)
        let media = try faceToFaceMedia(document) ?? .audio
        let audioSource = try faceToFaceAudioSource(document) ?? .both
        let streams = try faceToFaceStreams(document, required: media.hasAudio)
        let tags = try document["Tags"].map { value throws(ControlError) in try Self.tags(value) } ?? [:]
        return FaceToFaceCommand.Start(agent: agent, media: media, audioSource: audioSource, streams: streams, tags: tags,
                                       taggedBy: try taggedBy(document), startedBy: try controller(document, name: "StartedBy"))
    }

    private static func faceToFaceAudioSource(_ document: RequestDocument) throws(ControlError) -> FaceToFaceAudioSource? {
        guard let text = try document.choice("AudioSource") else { return nil }
        guard let value = FaceToFaceAudioSource(name: text) else {
            throw ControlError(.badRequest, "'AudioSource' must be Microphone, Speaker or Both, not '\(text)'")
        }
        return value
    }

    /// `Streams`; when `required` (audio is started), present and not empty.
    private static func faceToFaceStreams(_ document: RequestDocument, required: Bool) throws(ControlError) -> [FaceToFaceStream] {
        var streams: [FaceToFaceStream] = []
        switch document["Streams"] {
        case nil:
            if required { throw ControlError(.missingParameter, "'Streams' is required when Media records audio") }
        case .array(let items)?:
            for item in items { streams.append(try stream(item)) }
            if required && streams.isEmpty {
                throw ControlError(.missingParameter, "'Streams' is empty; audio needs at least one declared stream")
            }
        case let other?:
            throw ControlError(.badRequest, "'Streams' must be an array, not \(other.typeName)")
        }
        return streams
    }

    private static func faceToFaceTagging(_ target: FaceToFaceCommand.Target, document: RequestDocument) throws(ControlError) -> FaceToFaceCommand.Tagging {
        guard let by = try taggedBy(document) else {
            throw ControlError(.missingParameter, "'TaggedByComponent' is required and must not be empty")
        }
        guard let value = document["Tags"] else { throw ControlError(.missingParameter, "'Tags' is required") }
        let tags = try Self.tags(value)
        guard !tags.isEmpty else { throw ControlError(.missingParameter, "'Tags' must not be empty") }
        return FaceToFaceCommand.Tagging(target: target, taggedBy: by, tags: tags, controller: try controller(document, name: "Controller"))
    }

    /// `TaggedByComponent`, also spelt `tagged_by_component`; nil when absent or empty.
    private static func taggedBy(_ document: RequestDocument) throws(ControlError) -> String? {
        let camel = try document.string("TaggedByComponent"), snake = try document.string("tagged_by_component")
        if let camel, let snake, camel != snake {
            throw ControlError(.badRequest, "'TaggedByComponent' and 'tagged_by_component' differ")
        }
        return (camel ?? snake).flatMap { $0.allSatisfy(\.isWhitespace) ? nil : $0 }
    }

    private static func faceToFaceMedia(_ document: RequestDocument) throws(ControlError) -> FaceToFaceMedia? {
        guard let text = try document.choice("Media") else { return nil }
        guard let media = FaceToFaceMedia(name: text) else {
            throw ControlError(.badRequest, "'Media' must be Audio, Screen or Both, not '\(text)'")
        }
        return media
    }

    private static func controller(_ document: RequestDocument, name: String) throws(ControlError) -> FaceToFaceController {
        guard let text = try document.choice(name) else { return .api }
        guard let value = FaceToFaceController(name: text) else {
            throw ControlError(.badRequest, "'\(name)' must be Api or Desktop, not '\(text)'")
        }
        return value
    }

    /// One `Streams` entry: `{"Source": "Microphone", "Address": "10.1.2.3:40000", "Codec": "opus/48000/2"}`.
    private static func stream(_ value: JSONValue) throws(ControlError) -> FaceToFaceStream {
        guard case .object(let object) = value else {
            throw ControlError(.badRequest, "each of 'Streams' must be an object, not \(value.typeName)")
        }
        func text(_ name: String) throws(ControlError) -> String {
            guard let entry = object.first(where: { $0.key.lowercased() == name.lowercased() })?.value, entry != .null else {
                throw ControlError(.missingParameter, "each of 'Streams' needs '\(name)'")
            }
            guard case .string(let text) = entry, !text.isEmpty else {
                throw ControlError(.badRequest, "'Streams' '\(name)' must be a non-empty string")
            }
            return text
        }
        let sourceText = try text("Source")
        guard let source = FaceToFaceStream.Source(name: sourceText) else {
            throw ControlError(.badRequest, "'Streams' 'Source' must be Microphone or Speaker, not '\(sourceText)'")
        }
        return try FaceToFaceStream(source: source, address: try text("Address"), codec: try text("Codec"))
    }

    /// Tags follow the metadata rules (key syntax, count, value size); no key is reserved.
    private static func tags(_ value: JSONValue) throws(ControlError) -> [String: String] {
        guard case .object(let object) = value else {
            throw ControlError(.badRequest, "'Tags' must be an object, not \(value.typeName)")
        }
        guard object.count <= CallMetadataRules.maxKeys else {
            throw ControlError(.badRequest, "'Tags' has \(object.count) keys; at most \(CallMetadataRules.maxKeys) are allowed")
        }
        var tags: [String: String] = [:]
        for key in object.keys.sorted() {
            guard CallMetadataRules.isValidKey(key) else {
                throw ControlError(.badRequest, "'Tags' key '\(key)' must be 1 to \(CallMetadataRules.maxKeyLength) of A-Z a-z 0-9 _ . -")
            }
            guard case .string(let text)? = object[key], text.utf8.count <= CallMetadataRules.maxValueBytes else {
                throw ControlError(.badRequest, "'Tags' value of '\(key)' must be a string of at most \(CallMetadataRules.maxValueBytes) bytes")
            }
            tags[key] = text
        }
        return tags
    }
}
