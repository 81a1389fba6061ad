import Control
import Foundation
import SIP
import Yams

extension ConfigurationReader {
    /// `timezone`: the IANA zone of the legacy metadata times.
    func readTimeZone(_ node: Node?, into configuration: inout ServerConfiguration) {
        let path = ConfigurationPath.root.key("timezone")
        guard let name = text(node, at: path, allowEmpty: false), let node else { return }
        guard TimeZone(identifier: name) != nil else {
            report("unknown time zone '\(name)' (an IANA name such as UTC or Europe/Berlin)", at: path, node: node)
            return
        }
        configuration.engine.timeZone = name
    }

    /// `dialPlan`: the prefixes stripped from numbers before they become ani, dnis and agent phones.
    func readDialPlan(_ node: Node?, into configuration: inout ServerConfiguration) {
        guard let section = section(node, at: .root.key("dialPlan"), keys: ["stripPrefixes"]) else { return }
        guard let items = list(section["stripPrefixes"], at: section.path("stripPrefixes")) else { return }
        var prefixes: [String] = []
        for item in items {
            guard let prefix = text(item.node, at: item.path, allowEmpty: false) else { continue }
            if prefix.contains(where: \.isWhitespace) {
                report("a prefix has no spaces, found '\(prefix)'", at: item.path, node: item.node)
            } else if !prefixes.contains(prefix) {
                prefixes.append(prefix)
            }
        }
        configuration.engine.dialPlan = DialPlan(stripPrefixes: prefixes)
    }
}
