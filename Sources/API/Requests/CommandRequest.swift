import Control

/// Turns an agent command, as an HTTP request or a control-script line carries it (the path after
/// `/api/` and the JSON body), into a checked `ControlCommand`. HTTP routes and
/// `calltap replay --control` both go through here, so a script line means what its request means.
public enum CommandRequest {
    /// Every command path this parser knows, as the contract spells it (`Record/StartForAgent`…).
    public static let commandPaths: [String] =
        RecordCommand.Action.allCases.map { "Record/\($0.rawValue)" }
        + ScreenCommand.Action.allCases.map { "ScreenRecord/\($0.rawValue)" }
        + BlackoutCommand.Action.allCases.map { "Blackout/\($0.rawValue)" }
        + faceToFacePaths

    /// Parses one command.
    /// - Parameters:
    ///   - path: the command path after `/api/`, for example `Record/UpdateForAgent`; matched
    ///     without regard to case, with or without a leading `/` or `/api/`.
    ///   - body: the request body, a JSON object.
    /// - Throws: `bad_request` (unknown command, malformed JSON or metadata), `missing_parameter`,
    ///   `invalid_identifier`, `reserved_metadata_key`.
    public static func parse(path: String, body: [UInt8]) throws(ControlError) -> ControlCommand {
        if let command = try parseFaceToFace(path: path, body: body) { return .faceToFace(command) }
        let (family, actionName) = try split(path)
        switch family {
        case "record":
            guard let action = RecordCommand.Action.allCases.first(where: { $0.rawValue.lowercased() == actionName }) else {
                throw unknownCommand(path)
            }
            return .record(try parseRecord(action, document: RequestDocument(body: body)))
        case "screenrecord":
            guard let action = ScreenCommand.Action.allCases.first(where: { $0.rawValue.lowercased() == actionName }) else {
                throw unknownCommand(path)
            }
            return .screen(try parseScreen(action, document: RequestDocument(body: body)))
        case "blackout":
            guard let action = BlackoutCommand.Action.allCases.first(where: { $0.rawValue.lowercased() == actionName }) else {
                throw unknownCommand(path)
            }
            return .blackout(try parseBlackout(action, document: RequestDocument(body: body)))
        default:
            throw unknownCommand(path)
        }
    }

    private static func parseRecord(_ action: RecordCommand.Action, document: RequestDocument) throws(ControlError) -> RecordCommand {
        let agent = try agentReference(document)
        var metadata: [String: String]?
        var callIdentifier: String?
        switch action {
        case .start:
            metadata = try callMetadata(document, required: false)
        case .update:
            metadata = try callMetadata(document, required: true)
        case .startDuplicate, .stopDuplicate:
            callIdentifier = try document.text("CallIdentifier")
        case .stop, .pause, .resume:
            break
        }
        return RecordCommand(action: action, agent: agent, metadata: metadata, callIdentifier: callIdentifier)
    }

    private static func parseScreen(_ action: ScreenCommand.Action, document: RequestDocument) throws(ControlError) -> ScreenCommand {
        let agent = try agentReference(document)
        let metadata = try callMetadata(document, required: action == .update)
        let identifier = action == .start ? nil : try document.text("ScreenRecordingIdentifier")
        return ScreenCommand(action: action, agent: agent, metadata: metadata, screenRecordingIdentifier: identifier)
    }

    /// `BlackoutStartTime` (start) or `BlackoutStopTime` (stop): ISO 8601, or .NET's invariant
    /// `DateTimeOffset`/`DateTime` text; without an offset, a time of the configured `timezone`.
    /// `TimeOffset`: whole seconds.
    private static func parseBlackout(_ action: BlackoutCommand.Action, document: RequestDocument) throws(ControlError) -> BlackoutCommand {
        let agent = try agentReference(document)
        let timeKey = action == .start ? "BlackoutStartTime" : "BlackoutStopTime"
        var time: Int64?
        var timeIsLocal = false
        if let text = try document.text(timeKey), !text.isEmpty {
            guard let parsed = ClientTime.parse(text) else {
                throw ControlError(.badRequest, "'\(timeKey)' must be a time like 2026-11-22T10:15:30.250+01:00 or 11/22/2026 10:15:30 +01:00 (without an offset, in the server's configured time zone)")
            }
            time = parsed.nanos
            timeIsLocal = parsed.isLocal
        }
        // Whole seconds within a year either way, as a number or a numeric string.
        let limit = BlackoutCommand.maxTimeOffsetSeconds
        var offset: Int?
        switch document["TimeOffset"] {
        case nil, .null?: offset = nil
        case .integer(let n)? where abs(n) <= limit: offset = Int(n)
        case .double(let n)? where n == n.rounded() && abs(n) <= Double(limit): offset = Int(n)
        case .string(let t)? where Int(t).map { abs($0) <= limit } == true: offset = Int(t)
        case let other?:
            throw ControlError(.badRequest, "'TimeOffset' must be whole seconds between -\(limit) and \(limit), not \(other.typeName)")
        }
        return BlackoutCommand(action: action, agent: agent, time: time, timeIsLocal: timeIsLocal, timeOffsetSeconds: offset)
    }

    static func agentReference(_ document: RequestDocument) throws(ControlError) -> AgentReference {
        let identifier: String?
        switch document["AgentIdentifier"] {
        case .string(let name)?: identifier = name
        case nil: identifier = nil
        case let other?: throw ControlError(.invalidIdentifier, "'AgentIdentifier' must be a string, not \(other.typeName)")
        }
        return try AgentReference(identifier: identifier, value: document.text("Value"))
    }

    private static func callMetadata(_ document: RequestDocument, required: Bool) throws(ControlError) -> [String: String]? {
        guard let value = document["CallMetadata"] else {
            if required { throw ControlError(.missingParameter, "'CallMetadata' is required") }
            return nil
        }
        return try CallMetadataRules.validate(value)
    }

    /// `("record", "startforagent")` from `Record/StartForAgent`, `/api/record/startforagent`…
    private static func split(_ path: String) throws(ControlError) -> (family: String, action: String) {
        var components = path.lowercased().split(separator: "/", omittingEmptySubsequences: true)
        if components.first == "api" { components.removeFirst() }
        guard components.count == 2 else { throw unknownCommand(path) }
        return (String(components[0]), String(components[1]))
    }

    static func unknownCommand(_ path: String) -> ControlError {
        ControlError(.badRequest, "unknown command '\(path)'; known: \(commandPaths.joined(separator: ", "))")
    }
}
