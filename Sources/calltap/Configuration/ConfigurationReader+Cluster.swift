import Control
import Foundation
import Yams

extension ConfigurationReader {
    /// `cluster`: the broker shared with the other servers, this server's id and the exchange names.
    func readCluster(_ node: Node?, into configuration: inout ServerConfiguration) {
        guard let section = section(node, at: .root.key("cluster"), keys: [
            "broker", "serverId", "blackoutExchange", "screenExchange",
        ]) else { return }
        if let broker = text(section["broker"], at: section.path("broker")), let node = section["broker"], !broker.isEmpty {
            if let url = URL(string: broker), let scheme = url.scheme?.lowercased(), scheme == "amqp" || scheme == "amqps",
               let host = url.host, !host.isEmpty, url.port.map({ (1...65535).contains($0) }) ?? true {
                configuration.cluster.broker = broker
            } else {
                report("bad broker URL '\(broker)' (amqp://user:password@host:5672/vhost)", at: section.path("broker"), node: node)
            }
        }
        if let id = text(section["serverId"], at: section.path("serverId"), allowEmpty: false), let node = section["serverId"] {
            if id.contains(where: { $0.isWhitespace || $0.isNewline }) {
                report("a server id has no spaces, found '\(id)'", at: section.path("serverId"), node: node)
            } else {
                configuration.engine.serverId = id
            }
        }
        if let exchange = text(section["blackoutExchange"], at: section.path("blackoutExchange"), allowEmpty: false) {
            configuration.cluster.blackoutExchange = exchange
        }
        if let exchange = text(section["screenExchange"], at: section.path("screenExchange"), allowEmpty: false) {
            configuration.cluster.screenExchange = exchange
        }
    }
}
