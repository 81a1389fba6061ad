import Control

/// The body of `POST /api/Agents` and `PUT /api/Agents/{AgentId}`: an agent with the fields of
/// the configuration, in the API's PascalCase (matched without regard to case). The fields an
/// answer adds (`EffectivePolicy`, `Login`, `Source`, `Changed`, `ChangedBy`) are ignored, so that
/// what a GET answered can be changed and sent back.
enum AgentDefinitionRequest {
    static let fields: Set<String> = ["agentid", "businessunit", "phone", "systemusername", "crmusername", "username",
                                      "deviceid", "devicealias", "station", "policy"]
    static let answerFields: Set<String> = ["effectivepolicy", "login", "source", "changed", "changedby"]

    /// The agent the body describes. `pathId` is the id in a PUT's path, which a body's `AgentId` must match.
    static func parse(_ body: [UInt8], pathId: Int?) throws(ControlError) -> AgentProfile {
        let document = try RequestDocument(body: body)
        try document.refuseUnknown(fields.union(answerFields))
        let bodyId = try integer(document, "AgentId")
        if let pathId, let bodyId, pathId != bodyId {
            throw ControlError(.badRequest, "'AgentId' \(bodyId) is not the agent of the path (\(pathId))")
        }
        guard let id = pathId ?? bodyId else { throw ControlError(.missingParameter, "'AgentId' is required") }
        guard let phone = try document.text("Phone") else { throw ControlError(.missingParameter, "'Phone' is required") }
        var agent = AgentProfile(id: id, businessUnit: try integer(document, "BusinessUnit") ?? 0, phone: phone)
        agent.systemUsername = try document.text("SystemUsername") ?? ""
        agent.crmUsername = try document.text("CrmUsername") ?? ""
        agent.username = try document.text("Username")
        agent.deviceId = try document.text("DeviceId") ?? ""
        agent.deviceAlias = try document.text("DeviceAlias") ?? ""
        agent.station = try document.text("Station") ?? ""
        if let policy = try document.text("Policy") {
            guard let known = RecordingPolicy(rawValue: policy.lowercased()) else {
                throw ControlError(.badRequest, "unknown policy '\(policy)' (always, on-demand, or null for the business unit's)")
            }
            agent.policy = known
        }
        return agent
    }

    /// The body of `POST /api/Agents/{AgentId}/Login`: `Phone`, `DeviceId` or both.
    static func login(_ body: [UInt8]) throws(ControlError) -> (phone: String?, deviceId: String?) {
        let document = try RequestDocument(body: body)
        try document.refuseUnknown(["phone", "deviceid"])
        let phone = try document.text("Phone"), deviceId = try document.text("DeviceId")
        guard phone != nil || deviceId != nil else {
            throw ControlError(.missingParameter, "'Phone' or 'DeviceId' is required")
        }
        return (phone, deviceId)
    }

    /// A whole number from 0 to 2³¹−1, sent as a number or as its text.
    static func integer(_ document: RequestDocument, _ name: String) throws(ControlError) -> Int? {
        guard let text = try document.text(name) else { return nil }
        guard let value = Int(text), (0...Int(Int32.max)).contains(value) else {
            throw ControlError(.badRequest, "'\(name)' must be a whole number from 0 to \(Int32.max), not '\(text)'")
        }
        return value
    }
}
