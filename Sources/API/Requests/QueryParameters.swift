import Control
import Hummingbird

/// A request's query parameters, looked up by name without regard to case
/// (`agentIdentifier` = `AgentIdentifier`).
struct QueryParameters: Sendable {
    private let pairs: [(name: String, value: String)]

    init(_ request: Request) {
        pairs = request.uri.queryParameters.map { (name: String($0.key).lowercased(), value: String($0.value)) }
    }

    /// The first value given for `name`; `nil` when absent or empty.
    subscript(name: String) -> String? {
        let key = name.lowercased()
        guard let value = pairs.first(where: { $0.name == key })?.value, !value.isEmpty else { return nil }
        return value
    }

    /// Refuses a parameter the route does not know (`allowed`, lower-cased): a misspelt filter
    /// would otherwise be ignored and answer more than was asked for.
    func refuseUnknown(_ allowed: Set<String>) throws(ControlError) {
        let unknown = Set(pairs.map(\.name)).subtracting(allowed).sorted()
        guard unknown.isEmpty else {
            throw ControlError(.badRequest, "unknown query parameter\(unknown.count == 1 ? "" : "s") \(unknown.map { "'\($0)'" }.joined(separator: ", ")); known: \(allowed.sorted().joined(separator: ", "))")
        }
    }

    func integer(_ name: String, in range: ClosedRange<Int>? = nil) throws(ControlError) -> Int? {
        guard let text = self[name] else { return nil }
        guard let number = Int(text), range?.contains(number) ?? true else {
            let bounds = range.map { " from \($0.lowerBound) to \($0.upperBound)" } ?? ""
            throw ControlError(.badRequest, "'\(name)' must be a whole number\(bounds)")
        }
        return number
    }

    /// An ISO 8601 time with offset, as capture-clock nanoseconds since 1970.
    func time(_ name: String) throws(ControlError) -> Int64? {
        guard let text = self[name] else { return nil }
        guard let nanos = ISO8601Time.nanoseconds(from: text) else {
            throw ControlError(.badRequest, "'\(name)' must be an ISO 8601 time with offset, like 2026-11-22T10:15:30.250+01:00")
        }
        return nanos
    }
}
