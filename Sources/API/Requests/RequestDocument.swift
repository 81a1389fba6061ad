import Control
import Foundation

/// A request body's top-level JSON object, looked up by property name without regard to case
/// (`agentIdentifier` = `AgentIdentifier`, `ScreenRecordingidentifier` = `ScreenRecordingIdentifier`).
struct RequestDocument: Sendable {
    private let properties: [String: JSONValue]
    /// The properties' names as the client spelled them.
    let names: [String]

    /// Parses `body`; anything but a JSON object, or an object naming one property twice in
    /// different cases, is `bad_request`.
    init(body: [UInt8]) throws(ControlError) {
        let object: [String: JSONValue]
        do {
            object = try JSONDecoder().decode([String: JSONValue].self, from: Data(body))
        } catch {
            throw ControlError(.badRequest, "the body is not a JSON object")
        }
        var properties: [String: JSONValue] = [:]
        for (name, value) in object {
            let key = name.lowercased()
            // Two spellings of one property would make the result depend on dictionary order.
            guard properties.updateValue(value, forKey: key) == nil else {
                throw ControlError(.badRequest, "property '\(name)' is given more than once")
            }
        }
        self.properties = properties
        names = object.keys.sorted()
    }

    /// Refuses a property that is none of `known` (lower case): a misspelt field would otherwise
    /// be dropped without a word.
    func refuseUnknown(_ known: Set<String>) throws(ControlError) {
        if let unknown = names.first(where: { !known.contains($0.lowercased()) }) {
            throw ControlError(.badRequest, "unknown property '\(unknown)'")
        }
    }

    /// The property's value; `nil` when absent or JSON `null`.
    subscript(name: String) -> JSONValue? {
        switch properties[name.lowercased()] {
        case .none, .null?: nil
        case let value?: value
        }
    }

    /// Whether the body names the property (even as `null`).
    func has(_ name: String) -> Bool {
        properties[name.lowercased()] != nil
    }

    /// A property that must be a JSON string; nil when absent or `null`. Where a number is no
    /// name (the agents API's fields, who tagged a recording), it is refused rather than taken as text.
    func string(_ name: String) throws(ControlError) -> String? {
        switch self[name] {
        case nil: return nil
        case .string(let text)?: return text
        case let value?: throw ControlError(.badRequest, "'\(name)' must be a string, not \(value.typeName)")
        }
    }

    /// One of a fixed set of names (matched by the caller): a string that is not empty; nil when
    /// absent or `null`.
    func choice(_ name: String) throws(ControlError) -> String? {
        guard let text = try string(name) else { return nil }
        guard !text.isEmpty else { throw ControlError(.badRequest, "'\(name)' must not be empty") }
        return text
    }

    /// A string (or number) property; `nil` when absent, `null` or empty.
    func text(_ name: String) throws(ControlError) -> String? {
        guard let value = self[name] else { return nil }
        guard let text = value.scalarText else {
            throw ControlError(.badRequest, "'\(name)' must be a string, not \(value.typeName)")
        }
        return text.isEmpty ? nil : text
    }
}
