import Foundation

/// A JSON value as a response body carries it. Decoded with `JSONDecoder` rather than
/// `JSONSerialization` so that `true` and `1` stay apart (Foundation's NSNumber mixes them).
indirect enum JSONValue: Decodable, Equatable {
    case null, bool(Bool), integer(Int), number(Double), string(String)
    case array([JSONValue]), object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    /// The JSON Schema type names this value satisfies (an integer is also a number).
    var typeNames: Set<String> {
        switch self {
        case .null: ["null"]
        case .bool: ["boolean"]
        case .integer: ["integer", "number"]
        case .number(let value): value.rounded() == value ? ["integer", "number"] : ["number"]
        case .string: ["string"]
        case .array: ["array"]
        case .object: ["object"]
        }
    }

    /// Whether this is the value a YAML scalar of an `enum` list names.
    func equals(yaml: Any) -> Bool {
        switch (self, yaml) {
        case (.null, is NSNull): true
        case (.bool(let value), let other as Bool): value == other
        case (.integer(let value), let other as Int): value == other
        case (.string(let value), let other as String): value == other
        default: false
        }
    }
}

/// Checks a JSON value against a schema of the OpenAPI document, read as YAML (`Yams.load`), for
/// the keywords the document uses: type (also as a list), properties, required,
/// additionalProperties, minProperties, maxProperties, propertyNames, enum, const, items, allOf,
/// anyOf, oneOf, nullable, minLength, maxLength, pattern, minimum, maximum, format date-time, and
/// local `$ref`s.
///
/// One rule is stricter than JSON Schema: an object schema that lists `properties` and says
/// nothing of `additionalProperties` is closed, so a property the server sends that the document
/// does not name is reported (that is how a missing `Applied` object shows).
struct JSONSchemaSubset: @unchecked Sendable {
    /// The whole document, for `$ref`s. Unchecked Sendable: the YAML values are only read after loading.
    let document: [String: Any]

    func violations(of value: JSONValue, against schema: Any, at path: String = "$") -> [String] {
        violations(of: value, against: schema, at: path, closed: true)
    }

    /// `closed` is false for the parts of an `allOf`, whose properties are only checked together.
    private func violations(of value: JSONValue, against schema: Any, at path: String, closed: Bool) -> [String] {
        guard let schema = resolved(schema) as? [String: Any] else { return ["\(path): schema is not an object"] }
        var found: [String] = []
        if let parts = schema["allOf"] as? [Any] {
            for part in parts { found += violations(of: value, against: part, at: path, closed: false) }
            if closed { found += undocumentedProperties(of: value, in: parts.compactMap { resolved($0) as? [String: Any] }, at: path) }
        }
        if let options = schema["anyOf"] as? [Any],
           !options.contains(where: { violations(of: value, against: $0, at: path, closed: false).isEmpty }) {
            found.append("\(path): matches none of anyOf's \(options.count) schemas")
        }
        if let options = schema["oneOf"] as? [Any] {
            let failures = options.map { violations(of: value, against: $0, at: path, closed: closed) }
            let matching = failures.filter(\.isEmpty).count
            if matching != 1 {
                let reasons = failures.compactMap(\.first).joined(separator: "; ")
                found.append("\(path): matches \(matching) of oneOf's \(options.count) schemas (\(reasons))")
            }
        }
        if value == .null, schema["nullable"] as? Bool == true { return found }
        if let types = (schema["type"] as? [String]) ?? (schema["type"] as? String).map({ [$0] }),
           value.typeNames.isDisjoint(with: types) {
            return found + ["\(path): \(value) is not of type \(types.joined(separator: " or "))"]
        }
        if let options = schema["enum"] as? [Any], !options.contains(where: { value.equals(yaml: $0) }) {
            found.append("\(path): \(value) is not one of \(options)")
        }
        if let constant = schema["const"], !value.equals(yaml: constant) {
            found.append("\(path): \(value) is not \(constant)")
        }
        switch value {
        case .string(let text):
            found += stringViolations(text, schema, at: path)
        case .integer(let number):
            found += numberViolations(Double(number), schema, at: path)
        case .number(let number):
            found += numberViolations(number, schema, at: path)
        case .array(let items):
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() { found += violations(of: item, against: itemSchema, at: "\(path)[\(index)]") }
            }
        case .object(let members):
            found += objectViolations(members, schema, at: path, closed: closed && schema["allOf"] == nil)
        case .null, .bool:
            break
        }
        return found
    }

    private func numberViolations(_ number: Double, _ schema: [String: Any], at path: String) -> [String] {
        var found: [String] = []
        if let minimum = schema["minimum"] as? Int, number < Double(minimum) { found.append("\(path): \(number) < minimum \(minimum)") }
        if let maximum = schema["maximum"] as? Int, number > Double(maximum) { found.append("\(path): \(number) > maximum \(maximum)") }
        return found
    }

    private func stringViolations(_ text: String, _ schema: [String: Any], at path: String) -> [String] {
        var found: [String] = []
        if let minimum = schema["minLength"] as? Int, text.count < minimum { found.append("\(path): \"\(text)\" shorter than \(minimum)") }
        if let maximum = schema["maxLength"] as? Int, text.count > maximum { found.append("\(path): longer than \(maximum)") }
        if let pattern = schema["pattern"] as? String, !Self.matches(text, pattern) {
            found.append("\(path): \"\(text)\" does not match \(pattern)")
        }
        if schema["format"] as? String == "date-time", !Self.matches(text, Self.dateTime) {
            found.append("\(path): \"\(text)\" is not an RFC 3339 date-time")
        }
        return found
    }

    private func objectViolations(_ members: [String: JSONValue], _ schema: [String: Any], at path: String, closed: Bool) -> [String] {
        var found: [String] = []
        let properties = schema["properties"] as? [String: Any] ?? [:]
        for name in schema["required"] as? [String] ?? [] where members[name] == nil {
            found.append("\(path): required property \(name) is missing")
        }
        if let maximum = schema["maxProperties"] as? Int, members.count > maximum { found.append("\(path): more than \(maximum) properties") }
        if let minimum = schema["minProperties"] as? Int, members.count < minimum { found.append("\(path): fewer than \(minimum) properties") }
        for (name, member) in members.sorted(by: { $0.key < $1.key }) {
            if let propertyNames = schema["propertyNames"] {
                found += violations(of: .string(name), against: propertyNames, at: "\(path) key \(name)")
            }
            if let property = properties[name] {
                found += violations(of: member, against: property, at: "\(path).\(name)")
            } else if let additional = schema["additionalProperties"] {
                if additional as? Bool == false {
                    found.append("\(path): property \(name) is not allowed")
                } else if !(additional is Bool) {
                    found += violations(of: member, against: additional, at: "\(path).\(name)")
                }
            } else if closed, !properties.isEmpty {
                found.append("\(path): property \(name) is not in the document")
            }
        }
        return found
    }

    /// Under `allOf`, a property is documented when any of the parts names it.
    private func undocumentedProperties(of value: JSONValue, in parts: [[String: Any]], at path: String) -> [String] {
        guard case .object(let members) = value, !parts.contains(where: { $0["additionalProperties"] != nil }) else { return [] }
        let named = parts.reduce(into: Set<String>()) { names, part in
            names.formUnion((part["properties"] as? [String: Any] ?? [:]).keys)
        }
        return members.keys.sorted().filter { !named.contains($0) }.map { "\(path): property \($0) is not in the document" }
    }

    /// Follows `$ref: '#/...'` within the document.
    func resolved(_ schema: Any) -> Any? {
        guard let reference = (schema as? [String: Any])?["$ref"] as? String else { return schema }
        guard reference.hasPrefix("#/") else { return nil }
        var node: Any? = document
        for component in reference.dropFirst(2).split(separator: "/") {
            node = (node as? [String: Any])?[String(component)]
        }
        return node.flatMap(resolved)
    }

    static let dateTime = #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#

    static func matches(_ text: String, _ pattern: String) -> Bool {
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return false }
        return expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
