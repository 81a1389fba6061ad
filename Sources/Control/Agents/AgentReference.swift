/// How a request names an agent: `AgentIdentifier` + `Value` (docs/API.md, "Conventions").
public struct AgentReference: Sendable, Equatable, CustomStringConvertible {
    public var kind: AgentIdentifierKind
    public var value: String

    public init(kind: AgentIdentifierKind, value: String) {
        self.kind = kind
        self.value = value
    }

    public var description: String { "\(kind.rawValue)=\(value)" }
}

/// The property of an agent that `AgentIdentifier` names. Parsed case-insensitively.
public enum AgentIdentifierKind: String, Sendable, CaseIterable {
    case id = "Id"
    case phone = "Phone"
    case systemUsername = "SystemUsername"
    case crmUsername = "CrmUsername"
    case username = "Username"
    case deviceId = "DeviceId"

    /// `nil` when the name is none of the six.
    public init?(name: String) {
        guard let kind = Self.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(name) == .orderedSame }) else {
            return nil
        }
        self = kind
    }
}
