import Yams
import Control

extension ConfigurationReader {
    /// `capture`: interfaces, filter, kernel buffer, promiscuous mode, snap length, SIP and VXLAN
    /// ports, and when a capture loop that makes no progress counts as stalled.
    func readCapture(_ node: Node?, into configuration: inout ServerConfiguration) {
        guard let section = section(node, at: .root.key("capture"), keys: [
            "interfaces", "filter", "bufferMiB", "promiscuous", "snapLength", "sipPorts", "vxlanPorts", "stallSeconds",
        ]) else { return }
        if let items = list(section["interfaces"], at: section.path("interfaces")) {
            var names: [String] = []
            for item in items {
                guard let name = text(item.node, at: item.path, allowEmpty: false) else { continue }
                if name.contains(where: \.isWhitespace) {
                    report("an interface name has no spaces, found '\(name)'", at: item.path, node: item.node)
                } else if names.contains(name) {
                    report("interface '\(name)' is listed twice", at: item.path, node: item.node)
                } else {
                    names.append(name)
                }
            }
            configuration.capture.interfaces = names
        }
        if let filter = text(section["filter"], at: section.path("filter")) { configuration.capture.filter = filter }
        if let buffer = integer(section["bufferMiB"], at: section.path("bufferMiB"), in: 1...4096) {
            configuration.capture.bufferMiB = buffer
        }
        if let promiscuous = flag(section["promiscuous"], at: section.path("promiscuous")) {
            configuration.capture.promiscuous = promiscuous
        }
        if let snap = integer(section["snapLength"], at: section.path("snapLength"), in: 64...262_144) {
            configuration.capture.snapLength = snap
        }
        if let stall = seconds(section["stallSeconds"], at: section.path("stallSeconds"), minimum: 0.5, inclusive: true,
                               maximum: 3600) {
            configuration.capture.stallSeconds = stall
        }
        if let ports = ports(section["sipPorts"], at: section.path("sipPorts")) { configuration.engine.sipPorts = ports }
        if let ports = ports(section["vxlanPorts"], at: section.path("vxlanPorts")) { configuration.engine.vxlanPorts = ports }
    }
}
