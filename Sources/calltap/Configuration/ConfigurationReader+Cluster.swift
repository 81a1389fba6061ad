import Control
import Foundation
import Yams

extension ConfigurationReader {
    /// `cluster`: the broker shared with the other servers (its password may come from a file or
    /// the environment: `brokerPasswordFile`, `brokerPasswordEnv`), this server's id and the
    /// exchange names.
    func readCluster(_ node: Node?, into configuration: inout ServerConfiguration) {
        guard let section = section(node, at: .root.key("cluster"), keys: [
            "broker", "brokerPasswordFile", "brokerPasswordEnv", "serverId", "blackoutExchange", "screenExchange", "tls",
        ]) else { return }
        if let broker = text(section["broker"], at: section.path("broker")), let node = section["broker"], !broker.isEmpty {
            // The connection's own parser decides, so that what passes here also connects.
            do {
                _ = try BrokerEndpoint(url: broker)
                configuration.cluster.broker = broker
            } catch {
                report("\(error) (amqp://user:password@host:5672/vhost, or amqps://…:5671/… over TLS)", at: section.path("broker"), node: node)
            }
        }
        // The broker's password from a file or the environment, in place of the URL's.
        if let password = secret(section, value: "brokerPassword", file: "brokerPasswordFile", env: "brokerPasswordEnv",
                                 required: false) {
            let key = section["brokerPasswordFile"] != nil ? "brokerPasswordFile" : "brokerPasswordEnv"
            if let broker = configuration.cluster.broker, var components = URLComponents(string: broker) {
                components.password = password
                if components.user == nil { components.user = "guest" }
                configuration.cluster.broker = components.string ?? broker
            } else {
                report("a broker password needs cluster.broker", at: section.path(key), node: section[key]!)
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
        if let tls = self.section(section["tls"], at: section.path("tls"), keys: ["caFile", "certificate", "privateKey", "verifyPeer"]) {
            readBrokerTLS(tls, into: &configuration)
        }
    }

    /// `cluster.tls`: `{caFile, certificate, privateKey, verifyPeer}` for an `amqps://` broker:
    /// readable PEM files, a certificate only with its key.
    private func readBrokerTLS(_ entry: ConfigurationSection, into configuration: inout ServerConfiguration) {
        var tls = BrokerTLS()
        tls.caFile = readableFile(entry, "caFile", required: false)
        tls.certificate = readableFile(entry, "certificate", required: false)
        tls.privateKey = readableFile(entry, "privateKey", required: false)
        if (entry["certificate"] == nil) != (entry["privateKey"] == nil), let node = entry["certificate"] ?? entry["privateKey"] {
            report("a client certificate needs its key: give both certificate and privateKey, or neither",
                   at: entry.path(entry["certificate"] != nil ? "certificate" : "privateKey"), node: node)
        }
        if let verify = flag(entry["verifyPeer"], at: entry.path("verifyPeer")) { tls.verifyPeer = verify }
        if let broker = configuration.cluster.broker, (try? BrokerEndpoint(url: broker))?.usesTLS == false {
            report("cluster.tls is for an amqps:// broker; cluster.broker is amqp://", at: entry.path, line: entry.line)
        }
        configuration.cluster.tls = tls
    }
}
