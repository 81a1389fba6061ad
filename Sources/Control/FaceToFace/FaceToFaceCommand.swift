/// A Face-to-Face API command (docs/API.md, "Face-to-Face API"), parsed from an HTTP
/// request or a control-script line and applied at the capture time it is accepted.
public enum FaceToFaceCommand: Sendable, Equatable {
    /// `POST /api/F2F/Recordings`.
    case start(Start)
    /// `POST /api/F2F/Recordings/{id}/Start|Stop|Pause|Resume`.
    case steer(Steering)
    /// `POST /api/F2F/Recordings/{id}/Tags`.
    case tag(Tagging)

    /// The recording a later command acts on: by its id, or the agent's current one (`Current`,
    /// which lets a control script name a recording whose id it cannot know in advance).
    public enum Target: Sendable, Equatable {
        case id(String)
        case current(AgentReference)
    }

    public struct Start: Sendable, Equatable {
        public var agent: AgentReference
        public var media: FaceToFaceMedia
        public var audioSource: FaceToFaceAudioSource
        public var streams: [FaceToFaceStream]
        public var tags: [String: String]
        /// Who the start's tags are credited to (`TaggedByComponent`); else `StartedBy`'s name.
        public var taggedBy: String?
        public var startedBy: FaceToFaceController

        public init(agent: AgentReference, media: FaceToFaceMedia = .audio, audioSource: FaceToFaceAudioSource = .both,
                    streams: [FaceToFaceStream], tags: [String: String] = [:], taggedBy: String? = nil,
                    startedBy: FaceToFaceController = .api) {
            self.agent = agent
            self.media = media
            self.audioSource = audioSource
            self.streams = streams
            self.tags = tags
            self.taggedBy = taggedBy
            self.startedBy = startedBy
        }
    }

    public struct Steering: Sendable, Equatable {
        public enum Action: String, Sendable, CaseIterable {
            /// Starts a medium the recording does not run (again): its screen, or its audio with
            /// `Streams` (and `AudioSource`) as a start declares them.
            case start = "Start"
            case stop = "Stop"
            case pause = "Pause"
            case resume = "Resume"
        }

        public var action: Action
        public var target: Target
        /// The media acted on; nil for every medium the recording runs (for `Start`: required).
        public var media: FaceToFaceMedia?
        public var controller: FaceToFaceController
        /// For `Start` with audio: the streams and which of them to record.
        public var audioSource: FaceToFaceAudioSource?
        public var streams: [FaceToFaceStream]

        public init(action: Action, target: Target, media: FaceToFaceMedia? = nil, controller: FaceToFaceController = .api,
                    audioSource: FaceToFaceAudioSource? = nil, streams: [FaceToFaceStream] = []) {
            self.action = action
            self.target = target
            self.media = media
            self.controller = controller
            self.audioSource = audioSource
            self.streams = streams
        }
    }

    public struct Tagging: Sendable, Equatable {
        public var target: Target
        /// `TaggedByComponent` (also `tagged_by_component`): never empty.
        public var taggedBy: String
        /// Never empty; merged per key over the recording's tags.
        public var tags: [String: String]
        public var controller: FaceToFaceController

        public init(target: Target, taggedBy: String, tags: [String: String], controller: FaceToFaceController = .api) {
            self.target = target
            self.taggedBy = taggedBy
            self.tags = tags
            self.controller = controller
        }
    }
}
