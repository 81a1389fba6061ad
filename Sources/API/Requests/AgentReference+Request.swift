import Control

extension AgentReference {
    /// Builds a reference from the `AgentIdentifier` and `Value` of a body or a query string.
    init(identifier: String?, value: String?) throws(ControlError) {
        guard let identifier, !identifier.isEmpty else {
            throw ControlError(.missingParameter, "'AgentIdentifier' is required")
        }
        guard let value, !value.isEmpty else {
            throw ControlError(.missingParameter, "'Value' is required")
        }
        guard let kind = AgentIdentifierKind(name: identifier) else {
            let names = AgentIdentifierKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw ControlError(.invalidIdentifier, "'\(identifier)' is not an AgentIdentifier (one of \(names))")
        }
        self.init(kind: kind, value: value)
    }
}
