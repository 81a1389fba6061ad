/// One agent as the configuration describes it: who they are in each system that may address
/// them, the phone that ties them to calls, and whether their calls are recorded from the start.
public struct AgentProfile: Sendable, Codable, Equatable {
    public var id: Int
    public var businessUnit: Int
    public var phone: String
    public var systemUsername: String
    public var crmUsername: String
    public var username: String?
    public var deviceId: String
    public var deviceAlias: String
    public var station: String
    public var policy: RecordingPolicy

    public init(id: Int, businessUnit: Int = 0, phone: String, systemUsername: String = "", crmUsername: String = "",
                username: String? = nil, deviceId: String = "", deviceAlias: String = "", station: String = "",
                policy: RecordingPolicy = .always) {
        self.id = id
        self.businessUnit = businessUnit
        self.phone = phone
        self.systemUsername = systemUsername
        self.crmUsername = crmUsername
        self.username = username
        self.deviceId = deviceId
        self.deviceAlias = deviceAlias
        self.station = station
        self.policy = policy
    }

    /// The agent's name of this kind (user names, CRM name, device id) as configured; nil for
    /// the id and the phone, which are not names.
    public func name(_ kind: AgentIdentifierKind) -> String? {
        switch kind {
        case .systemUsername: systemUsername
        case .crmUsername: crmUsername
        case .username: username
        case .deviceId: deviceId
        case .id, .phone: nil
        }
    }
}

/// Whether an agent's calls are recorded from their start (`always`) or only after a start command (`on-demand`).
public enum RecordingPolicy: String, Sendable, Codable, CaseIterable {
    case always
    case onDemand = "on-demand"
}
