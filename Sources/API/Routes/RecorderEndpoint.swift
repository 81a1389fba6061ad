import Control
import Hummingbird

/// Every route the recorder's HTTP API serves. The router is built from this list and the OpenAPI
/// document is checked against it, so a route cannot exist without being documented.
public enum RecorderEndpoint: Sendable, CaseIterable {
    case agent
    case allAgents
    /// The agents API (`/api/Agents`): list, create, read, replace, remove, log in and out.
    case agentList
    case agentCreate
    case agentDefinition
    case agentReplace
    case agentRemove
    case agentLogin
    case agentLogout
    case record(RecordCommand.Action)
    case screenRecord(ScreenCommand.Action)
    case blackout(BlackoutCommand.Action)
    case faceToFaceService
    case faceToFaceApplication
    case faceToFaceStart
    case faceToFaceCurrent
    case faceToFaceRecording
    case faceToFaceSteer(FaceToFaceCommand.Steering.Action)
    case faceToFaceTags
    case recordings
    case recording
    case recordingAudio
    /// A legal hold on a recording: placed (`POST`) and lifted (`DELETE`).
    case recordingHold
    case recordingRelease
    /// The audit trail (admin).
    case auditTrail
    case health
    case readiness
    case metrics
    case openAPI

    /// Who may call an endpoint.
    public enum Access: Sendable, Equatable {
        /// No key needed, even when keys are configured.
        case open
        /// A `read` or `control` key.
        case read
        /// A `control` or `admin` key.
        case control
        /// An `admin` key.
        case admin
        /// A `read` key unless `http.publicMetrics`.
        case metrics
    }

    public static var allCases: [RecorderEndpoint] {
        [.agent, .allAgents, .agentList, .agentCreate, .agentDefinition, .agentReplace, .agentRemove, .agentLogin, .agentLogout]
            + RecordCommand.Action.allCases.map { .record($0) }
            + ScreenCommand.Action.allCases.map { .screenRecord($0) }
            + BlackoutCommand.Action.allCases.map { .blackout($0) }
            + [.faceToFaceService, .faceToFaceApplication, .faceToFaceStart, .faceToFaceCurrent, .faceToFaceRecording]
            + FaceToFaceCommand.Steering.Action.allCases.map { .faceToFaceSteer($0) }
            + [.faceToFaceTags]
            + [.recordings, .recording, .recordingAudio, .recordingHold, .recordingRelease, .auditTrail, .health, .readiness, .metrics, .openAPI]
    }

    public var method: HTTPRequest.Method {
        switch self {
        case .record, .screenRecord, .blackout, .faceToFaceStart, .faceToFaceSteer, .faceToFaceTags: .post
        case .agentCreate, .agentLogin, .agentLogout, .recordingHold: .post
        case .agentReplace: .put
        case .agentRemove, .recordingRelease: .delete
        default: .get
        }
    }

    /// The path in the router's syntax (`:id` for a parameter).
    public var path: String {
        switch self {
        case .agent: "/api/Agent"
        case .allAgents: "/api/Agent/GetAll"
        case .agentList, .agentCreate: "/api/Agents"
        case .agentDefinition, .agentReplace, .agentRemove: "/api/Agents/:agentId"
        case .agentLogin: "/api/Agents/:agentId/Login"
        case .agentLogout: "/api/Agents/:agentId/Logout"
        case .record(let action): "/api/Record/\(action.rawValue)"
        case .screenRecord(let action): "/api/ScreenRecord/\(action.rawValue)"
        case .blackout(let action): "/api/Blackout/\(action.rawValue)"
        case .faceToFaceService: "/api/F2F/Service"
        case .faceToFaceApplication: "/api/F2F/Application"
        case .faceToFaceStart: "/api/F2F/Recordings"
        case .faceToFaceCurrent: "/api/F2F/Recordings/Current"
        case .faceToFaceRecording: "/api/F2F/Recordings/:id"
        case .faceToFaceSteer(let action): "/api/F2F/Recordings/:id/\(action.rawValue)"
        case .faceToFaceTags: "/api/F2F/Recordings/:id/Tags"
        case .recordings: "/api/Recordings"
        case .recording: "/api/Recordings/:id"
        case .recordingAudio: "/api/Recordings/:id/Audio"
        case .recordingHold, .recordingRelease: "/api/Recordings/:id/Hold"
        case .auditTrail: "/api/Audit"
        case .health: "/healthz"
        case .readiness: "/readyz"
        case .metrics: "/metrics"
        case .openAPI: "/openapi.yaml"
        }
    }

    /// The path as OpenAPI writes it (`{id}` for a parameter).
    public var openAPIPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            .joined(separator: "/")
    }

    /// For commands, the path after `/api/` that `CommandRequest.parse` takes (`{id}` stands for
    /// a face-to-face recording's id, or `Current`).
    public var commandPath: String? {
        switch self {
        case .record(let action): "Record/\(action.rawValue)"
        case .screenRecord(let action): "ScreenRecord/\(action.rawValue)"
        case .blackout(let action): "Blackout/\(action.rawValue)"
        case .faceToFaceStart: "F2F/Recordings"
        case .faceToFaceSteer(let action): "F2F/Recordings/{id}/\(action.rawValue)"
        case .faceToFaceTags: "F2F/Recordings/{id}/Tags"
        default: nil
        }
    }

    public var access: Access {
        switch self {
        case .health, .readiness: .open
        case .metrics: .metrics
        case .record, .screenRecord, .blackout, .faceToFaceStart, .faceToFaceSteer, .faceToFaceTags: .control
        case .agentLogin, .agentLogout: .control
        case .agentCreate, .agentReplace, .agentRemove, .recordingHold, .recordingRelease, .auditTrail: .admin
        default: .read
        }
    }

    /// Whether a request to it goes into the audit trail: every one that changes something, and
    /// every read of a recording's sidecar or audio.
    var isAudited: Bool {
        switch self {
        case .recording, .recordingAudio: true
        default: method != .get
        }
    }

    /// Whether `path` (a request path) names this endpoint, compared without regard to case as
    /// the router compares.
    func matches(requestPath: String) -> Bool {
        let template = path.split(separator: "/")
        let components = requestPath.split(separator: "/")
        guard template.count == components.count else { return false }
        // A constant segment wins over a parameter, as in the router: `Recordings/Current` is not a recording's id.
        if path.contains(":"), RecorderEndpoint.allCases.contains(where: { !$0.path.contains(":") && $0.matches(requestPath: requestPath) }) {
            return false
        }
        return zip(template, components).allSatisfy { pattern, component in
            pattern.hasPrefix(":") || pattern.lowercased() == component.lowercased()
        }
    }
}
