/// Why the control plane refused a command or a query, with the API's stable code and status.
public struct ControlError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        case badRequest = "bad_request"
        case missingParameter = "missing_parameter"
        case invalidIdentifier = "invalid_identifier"
        case reservedMetadataKey = "reserved_metadata_key"
        case agentNotFound = "agent_not_found"
        case noActiveCall = "no_active_call"
        case callNotFound = "call_not_found"
        /// No such face-to-face recording (or other resource named in the path).
        case notFound = "not_found"
        case conflict
        case unauthorized
        case forbidden
        case payloadTooLarge = "payload_too_large"
        case internalFault = "internal"
        case unavailable

        /// The HTTP status that carries this code.
        public var status: Int {
            switch self {
            case .badRequest, .missingParameter, .invalidIdentifier, .reservedMetadataKey: 400
            case .unauthorized: 401
            case .forbidden: 403
            case .agentNotFound, .noActiveCall, .callNotFound, .notFound: 404
            case .conflict: 409
            case .payloadTooLarge: 413
            case .internalFault: 500
            case .unavailable: 503
            }
        }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func agentNotFound(_ agent: AgentReference) -> ControlError {
        ControlError(.agentNotFound, "no agent with \(agent.kind.rawValue) '\(agent.value)'")
    }

    public static func noActiveCall(_ agentId: Int) -> ControlError {
        ControlError(.noActiveCall, "agent \(agentId) has no active call")
    }
}
