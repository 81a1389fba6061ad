import Control

/// The body of `POST /api/Agents` and `PUT /api/Agents/{AgentId}`: an agent with the fields of
/// the configuration, in the API's PascalCase (matched without regard to case). The fields an
/// answer adds (`EffectivePolicy`, `Login`, `Source`, `Changed`, `ChangedBy`) are ignored, so that
/// what a GET answered can be changed and sent back. Unlike the command bodies, whose `Value` may
/// be a number, an agent's text fields must be JSON strings (or null for empty): what is stored
/// is what was meant.
enum AgentDefinitionRequest {
    static let fields: Set<String> = ["agentid", "businessunit", "phone", "systemusername", "crmusername", "username",
                                      "deviceid", "devicealias", "station", "policy", "keepdays", "archiveaction"]
    static let answerFields: Set<String> = ["effectivepolicy", "login", "source", "changed", "changedby"]

    /// The agent the body describes. `pathId` is the id in a PUT's path; a body's `AgentId` that
    /// names another agent is a conflict (RFC 9110: a representation inconsistent with its target).
    static func parse(_ body: [UInt8], pathId: Int?) throws(ControlError) -> AgentProfile {
        let document = try RequestDocument(body: body)
        try document.refuseUnknown(fields.union(answerFields))
        let bodyId = try integer(document, "AgentId")
        if let pathId, let bodyId, pathId != bodyId {
            throw ControlError(.conflict, "'AgentId' \(bodyId) is not the agent of the path (\(pathId))")
        }
        guard let id = pathId ?? bodyId else { throw ControlError(.missingParameter, "'AgentId' is required") }
        guard let phone = try document.string("Phone"), !phone.isEmpty else {
            throw ControlError(.missingParameter, "'Phone' is required")
        }
        var agent = AgentProfile(id: id, businessUnit: try integer(document, "BusinessUnit") ?? 0, phone: phone)
        agent.systemUsername = try document.string("SystemUsername") ?? ""
        agent.crmUsername = try document.string("CrmUsername") ?? ""
        agent.username = try document.string("Username")
        agent.deviceId = try document.string("DeviceId") ?? ""
        agent.deviceAlias = try document.string("DeviceAlias") ?? ""
        agent.station = try document.string("Station") ?? ""
        if let policy = try document.string("Policy") {
            guard let known = RecordingPolicy(rawValue: policy) else {
                throw ControlError(.badRequest, "unknown policy '\(policy)' (always, on-demand, or null for the business unit's)")
            }
            agent.policy = known
        }
        var retention = RetentionChoice()
        switch document["KeepDays"] {
        case nil, .null?:
            break
        case .integer(let days)? where (0...Int64(RecordingRetention.maximumDays)).contains(days):
            retention.keepDays = Int(days)
        default:
            throw ControlError(.badRequest, "'KeepDays' must be a whole number of days from 0 to \(RecordingRetention.maximumDays), or null")
        }
        if let action = try document.string("ArchiveAction") {
            guard let known = ArchiveAction(rawValue: action) else {
                throw ControlError(.badRequest, "unknown archive action '\(action)' (delete, move, or null for the business unit's)")
            }
            retention.action = known
        }
        agent.retention = retention == RetentionChoice() ? nil : retention
        return agent
    }

    /// The body of `POST /api/Agents/{AgentId}/Login`: `Phone`, `DeviceId` or both, each a
    /// string that is not empty.
    static func login(_ body: [UInt8]) throws(ControlError) -> (phone: String?, deviceId: String?) {
        let document = try RequestDocument(body: body)
        try document.refuseUnknown(["phone", "deviceid"])
        var given: [String: String] = [:]
        for name in ["Phone", "DeviceId"] where document.has(name) {
            guard let text = try document.string(name), !text.isEmpty else {
                throw ControlError(.badRequest, "'\(name)' must be a string that is not empty")
            }
            given[name] = text
        }
        guard !given.isEmpty else { throw ControlError(.missingParameter, "'Phone' or 'DeviceId' is required") }
        return (given["Phone"], given["DeviceId"])
    }

    /// A whole number from 0 to 2³¹−1, sent as a number or as its digits.
    static func integer(_ document: RequestDocument, _ name: String) throws(ControlError) -> Int? {
        let text: String
        switch document[name] {
        case nil: return nil
        case .integer(let number)?: text = String(number)
        case .string(let digits)?: text = digits
        case let value?: throw ControlError(.badRequest, "'\(name)' must be a whole number, not \(value.typeName)")
        }
        guard let value = Int(text), (0...Int(Int32.max)).contains(value) else {
            throw ControlError(.badRequest, "'\(name)' must be a whole number from 0 to \(Int32.max), not '\(text)'")
        }
        return value
    }
}
