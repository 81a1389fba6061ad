import Foundation
import Yams

/// Reads typed values out of a composed YAML document (Yams' `Node`, which keeps line numbers)
/// and collects every problem it meets instead of stopping at the first.
///
/// Each reading method returns nil both when the key is absent or null (the default applies) and
/// when the value is wrong (the problem is recorded), so a section reader just skips nil.
final class ConfigurationReader {
    let file: String
    private(set) var problems: [ConfigurationProblem] = []

    init(file: String) {
        self.file = file
    }

    // MARK: Problems

    func report(_ message: String, at path: ConfigurationPath, line: Int) {
        problems.append(ConfigurationProblem(file: file, line: line, path: path.description, message: message))
    }

    func report(_ message: String, at path: ConfigurationPath, node: Node) {
        report(message, at: path, line: Self.line(of: node))
    }

    /// 1-based line where the node starts.
    static func line(of node: Node) -> Int { node.mark?.line ?? 1 }

    /// How a message shows a value the user wrote.
    static func shown(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): scalar.string.isEmpty && node.tagName == .null ? "nothing" : "'\(scalar.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }

    private static func isNull(_ node: Node) -> Bool {
        if case .scalar = node { return node.tagName == .null }
        return false
    }

    // MARK: Containers

    /// A mapping whose keys must be among `keys`; nil when absent, null or not a mapping (reported).
    func section(_ node: Node?, at path: ConfigurationPath, keys: [String]) -> ConfigurationSection? {
        guard let node, !Self.isNull(node) else { return nil }
        guard case .mapping(let mapping) = node else {
            report("expected a mapping (key: value), found \(Self.shown(node))", at: path, node: node)
            return nil
        }
        var entries: [String: Node] = [:]
        var lines: [String: Int] = [:]
        var merged: [Node] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                report("a key must be a plain name, found \(Self.shown(keyNode))", at: path, node: keyNode)
                continue
            }
            let key = keyScalar.string
            if keyNode.tagName == .merge {
                merged.append(value)
                continue
            }
            guard keys.contains(key) else {
                var message = "unknown key '\(key)' \(path.whereabouts)"
                if let guess = Self.closest(to: key, among: keys) { message += " (did you mean '\(guess)'?)" }
                report(message, at: path.key(key), node: keyNode)
                continue
            }
            if let first = lines[key] {
                report("duplicate key '\(key)' (first on line \(first))", at: path.key(key), node: keyNode)
                continue
            }
            entries[key] = value
            lines[key] = Self.line(of: keyNode)
        }
        // `<<: *defaults` (or a list of them) fills the keys the mapping does not set itself.
        for source in merged {
            let sources: [Node] = if case .sequence(let list) = source { Array(list) } else { [source] }
            for item in sources {
                guard let inner = self.section(item, at: path, keys: keys) else {
                    if case .mapping = item {} else { report("'<<' must name a mapping", at: path, node: item) }
                    continue
                }
                for key in keys where entries[key] == nil {
                    if let value = inner[key] { entries[key] = value }
                }
            }
        }
        return ConfigurationSection(path: path, line: Self.line(of: node), entries: entries)
    }

    /// The items of a list with their places; nil when absent, null or not a list (reported).
    func list(_ node: Node?, at path: ConfigurationPath) -> [(node: Node, path: ConfigurationPath)]? {
        guard let node, !Self.isNull(node) else { return nil }
        guard case .sequence(let sequence) = node else {
            report("expected a list, found \(Self.shown(node))", at: path, node: node)
            return nil
        }
        return sequence.enumerated().map { ($0.element, path.index($0.offset)) }
    }

    /// The value under a key that must be given; a missing or null one is reported.
    func required(_ section: ConfigurationSection, _ key: String) -> Node? {
        guard let node = section[key] else {
            report("required, but missing", at: section.path(key), line: section.line)
            return nil
        }
        guard !Self.isNull(node) else {
            report("required, but empty", at: section.path(key), node: node)
            return nil
        }
        return node
    }

    // MARK: Scalars

    /// Any scalar as written (`phone: 5003` reads as "5003"); not a mapping or a list.
    func text(_ node: Node?, at path: ConfigurationPath, allowEmpty: Bool = true) -> String? {
        guard let node, !Self.isNull(node) else { return nil }
        guard case .scalar(let scalar) = node else {
            report("expected a string, found \(Self.shown(node))", at: path, node: node)
            return nil
        }
        let value = scalar.string.trimmingCharacters(in: .whitespaces)
        if !allowEmpty && value.isEmpty {
            report("must not be empty", at: path, node: node)
            return nil
        }
        return value
    }

    func flag(_ node: Node?, at path: ConfigurationPath) -> Bool? {
        guard let node, !Self.isNull(node) else { return nil }
        guard node.tagName == .bool, let value = node.bool else {
            report("expected true or false, found \(Self.shown(node))", at: path, node: node)
            return nil
        }
        return value
    }

    /// A whole number within `range`.
    func integer(_ node: Node?, at path: ConfigurationPath, in range: ClosedRange<Int>, what: String = "") -> Int? {
        guard let node, !Self.isNull(node) else { return nil }
        guard node.tagName == .int, let value = Self.wholeNumber(node.scalar?.string ?? "") else {
            report("expected a whole number, found \(Self.shown(node))", at: path, node: node)
            return nil
        }
        guard range.contains(value) else {
            let bounds = range.upperBound == Int.max
                ? "at least \(range.lowerBound)" : "between \(range.lowerBound) and \(range.upperBound)"
            report("\(what.isEmpty ? "" : what + " ")must be \(bounds), not \(value)", at: path, node: node)
            return nil
        }
        return value
    }

    /// A UDP or TCP port, 1 to 65535.
    func port(_ node: Node?, at path: ConfigurationPath) -> UInt16? {
        integer(node, at: path, in: 1...65535, what: "port").map { UInt16($0) }
    }

    /// A list of ports; nil when absent or when any of them is wrong (each reported).
    func ports(_ node: Node?, at path: ConfigurationPath) -> Set<UInt16>? {
        guard let items = list(node, at: path) else { return nil }
        let ports = items.map { port($0.node, at: $0.path) }
        guard ports.allSatisfy({ $0 != nil }) else { return nil }
        return Set(ports.compactMap { $0 })
    }

    /// A duration in seconds (a whole or decimal number) above `minimum` (or at least it, when
    /// `inclusive`) and at most `maximum`.
    func seconds(_ node: Node?, at path: ConfigurationPath, minimum: Double, inclusive: Bool, maximum: Double) -> Double? {
        guard let node, !Self.isNull(node) else { return nil }
        let text = (node.scalar?.string ?? "").replacingOccurrences(of: "_", with: "")
        let parsed: Double? = switch node.tagName {
        case .int: Self.wholeNumber(text).map(Double.init)
        case .float: Double(text)
        default: nil
        }
        guard let value = parsed, value.isFinite else {
            report("expected a number of seconds, found \(Self.shown(node))", at: path, node: node)
            return nil
        }
        guard inclusive ? value >= minimum : value > minimum, value <= maximum else {
            let low = inclusive ? "at least \(Self.plain(minimum))" : "more than \(Self.plain(minimum))"
            report("must be \(low) and at most \(Self.plain(maximum)) seconds, not \(Self.plain(value))", at: path, node: node)
            return nil
        }
        return value
    }

    /// One of the raw values of `T`, matched case-insensitively.
    func choice<T: RawRepresentable & CaseIterable>(_ node: Node?, at path: ConfigurationPath, noun: String) -> T?
    where T.RawValue == String {
        guard let value = text(node, at: path), let node else { return nil }
        if let match = T.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(value) == .orderedSame }) {
            return match
        }
        report("unknown \(noun) '\(value)' (\(T.allCases.map(\.rawValue).joined(separator: ", ")))", at: path, node: node)
        return nil
    }

    // MARK: Helpers

    /// Decimal (leading zeros stay decimal) or 0x hexadecimal, with `_` separators; nil on overflow.
    private static func wholeNumber(_ text: String) -> Int? {
        var digits = text.replacingOccurrences(of: "_", with: "")
        var sign = ""
        if let first = digits.first, first == "-" || first == "+" {
            sign = first == "-" ? "-" : ""
            digits.removeFirst()
        }
        if digits.hasPrefix("0x") { return Int(sign + digits.dropFirst(2), radix: 16) }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(sign + digits)
    }

    /// `30` rather than `30.0`.
    private static func plain(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// The allowed key closest to a misspelt one, if it is close enough to be a likely typo.
    private static func closest(to key: String, among keys: [String]) -> String? {
        let lowered = key.lowercased()
        let scored = keys.map { ($0, editDistance(lowered, $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        return best.1 <= max(1, min(3, key.count / 3)) ? best.0 : nil
    }

    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
