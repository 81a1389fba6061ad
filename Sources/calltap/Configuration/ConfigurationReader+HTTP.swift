import Control
import Foundation
import Yams

extension ConfigurationReader {
    /// `http`: the API's address, its keys, whether `/metrics` is open, which web origins may
    /// call it from a browser, and how long and how many connections it keeps.
    func readHTTP(_ node: Node?, into configuration: inout ServerConfiguration) {
        guard let section = section(node, at: .root.key("http"), keys: [
            "bind", "keys", "publicMetrics", "cors", "tls",
            "idleTimeoutSeconds", "requestHeaderTimeoutSeconds", "maxConnections", "maxConnectionsPerClient",
        ]) else { return }
        readConnectionBounds(section, into: &configuration)
        if let cors = self.section(section["cors"], at: section.path("cors"), keys: ["allowedOrigins"]),
           let items = list(cors["allowedOrigins"], at: cors.path("allowedOrigins")) {
            var origins: [String] = []
            for item in items {
                guard let origin = text(item.node, at: item.path, allowEmpty: false) else { continue }
                if let problem = Self.originProblem(origin) {
                    report("bad origin '\(origin)': \(problem)", at: item.path, node: item.node)
                } else if !origins.contains(origin.lowercased()) {
                    origins.append(origin.lowercased())
                }
            }
            configuration.http.allowedOrigins = origins
        }
        if let bind = text(section["bind"], at: section.path("bind"), allowEmpty: false), let node = section["bind"] {
            if let problem = Self.bindAddressProblem(bind) {
                report("bad bind address '\(bind)': \(problem)", at: section.path("bind"), node: node)
            } else {
                configuration.http.bind = bind
            }
        }
        if let items = list(section["keys"], at: section.path("keys")) {
            configuration.http.keys = readKeys(items)
        }
        if let tls = self.section(section["tls"], at: section.path("tls"), keys: ["certificate", "privateKey", "clientCA"]) {
            configuration.http.tls = readTLS(tls)
        }
        if let open = flag(section["publicMetrics"], at: section.path("publicMetrics")) {
            configuration.http.publicMetrics = open
        }
    }

    /// `http.tls`: `{certificate, privateKey, clientCA}`, PEM files that must be readable (whether
    /// they make a TLS context is known when `serve` makes it).
    private func readTLS(_ entry: ConfigurationSection) -> ServerConfiguration.TLSFiles? {
        let certificate = readableFile(entry, "certificate", required: true)
        let privateKey = readableFile(entry, "privateKey", required: true)
        let clientCA = readableFile(entry, "clientCA", required: false)
        guard let certificate, let privateKey, entry["clientCA"] == nil || clientCA != nil else { return nil }
        return ServerConfiguration.TLSFiles(certificate: certificate, privateKey: privateKey, clientCA: clientCA)
    }

    /// The path at `entry[key]`, which must name a readable file (`required`: and be there).
    func readableFile(_ entry: ConfigurationSection, _ key: String, required needed: Bool) -> String? {
        let node = needed ? required(entry, key) : entry[key]
        guard let node, let path = text(node, at: entry.path(key), allowEmpty: false) else { return nil }
        guard FileManager.default.isReadableFile(atPath: path) else {
            report("cannot read '\(path)'", at: entry.path(key), node: node)
            return nil
        }
        return path
    }

    /// `http.keys`: `[{name, key | keyFile | keyEnv, role}]`. A name (default `key-N`, by
    /// position) says in logs and errors which client did something; names and keys are unique,
    /// and a key has no spaces.
    private func readKeys(_ items: [(node: Node, path: ConfigurationPath)]) -> [ServerConfiguration.APIKey] {
        var keys: [ServerConfiguration.APIKey] = []
        var firstLine: [String: Int] = [:]
        var nameLine: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            if item.node.tagName == .null {
                report("expected {name, key, role}, found nothing", at: item.path, node: item.node)
            }
            guard let entry = self.section(item.node, at: item.path, keys: ["name", "key", "keyFile", "keyEnv", "role"]) else { continue }
            var name = "key-\(index + 1)"
            if let nameNode = entry["name"], let given = text(nameNode, at: entry.path("name"), allowEmpty: false) {
                if given.count > 64 || !given.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) {
                    report("a key's name is 1 to 64 letters, digits, '-', '_' or '.', not '\(given)'", at: entry.path("name"), node: nameNode)
                } else if let first = nameLine[given] {
                    report("the name '\(given)' is already given on line \(first)", at: entry.path("name"), node: nameNode)
                } else {
                    nameLine[given] = Self.line(of: nameNode)
                }
                name = given
            }
            var key = secret(entry, value: "key", file: "keyFile", env: "keyEnv", required: true)
            let keyNode = entry["key"] ?? entry["keyFile"] ?? entry["keyEnv"] ?? item.node
            let keyPath = entry.path(["key", "keyFile", "keyEnv"].first { entry[$0] != nil } ?? "key")
            if let text = key, text.contains(where: \.isWhitespace) {
                report("a key has no spaces", at: keyPath, node: keyNode)
                key = nil
            } else if let text = key, let first = firstLine[text] {
                report("the same key is already listed on line \(first)", at: keyPath, node: keyNode)
                key = nil
            } else if let text = key {
                firstLine[text] = Self.line(of: keyNode)
            }
            let role: ServerConfiguration.APIRole? = required(entry, "role").flatMap {
                choice($0, at: entry.path("role"), noun: "role")
            }
            if let key, let role { keys.append(.init(name: name, key: key, role: role)) }
        }
        return keys
    }

    /// `http.idleTimeoutSeconds`, `requestHeaderTimeoutSeconds`, `maxConnections`,
    /// `maxConnectionsPerClient`: what keeps idle, slow or too many clients from holding the server.
    private func readConnectionBounds(_ section: ConfigurationSection, into configuration: inout ServerConfiguration) {
        if let idle = seconds(section["idleTimeoutSeconds"], at: section.path("idleTimeoutSeconds"),
                              minimum: 0, inclusive: false, maximum: 86_400) {
            configuration.http.idleTimeoutSeconds = idle
        }
        if let head = seconds(section["requestHeaderTimeoutSeconds"], at: section.path("requestHeaderTimeoutSeconds"),
                              minimum: 0, inclusive: false, maximum: 3_600) {
            configuration.http.requestHeaderTimeoutSeconds = head
        }
        if let total = integer(section["maxConnections"], at: section.path("maxConnections"), in: 1...1_000_000) {
            configuration.http.maxConnections = total
        }
        if let perClient = integer(section["maxConnectionsPerClient"], at: section.path("maxConnectionsPerClient"),
                                   in: 1...1_000_000) {
            configuration.http.maxConnectionsPerClient = perClient
        }
    }

    /// Why `origin` is not a web origin (`scheme://host[:port]`, or `*`), if it is not.
    static func originProblem(_ origin: String) -> String? {
        if origin == "*" { return nil }
        guard let schemeEnd = origin.range(of: "://") else { return "expected scheme://host[:port], like https://crm.example.com" }
        let scheme = origin[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return "the scheme is http or https" }
        let rest = origin[schemeEnd.upperBound...]
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("?"), !rest.contains("#"), !rest.contains(where: \.isWhitespace) else {
            return "an origin has no path, query or spaces"
        }
        return nil
    }

    /// `limits`: request body size, how many live calls are tracked, and how many descriptors
    /// HTTP connections may never take.
    func readLimits(_ node: Node?, into configuration: inout ServerConfiguration) {
        guard let section = section(node, at: .root.key("limits"), keys: ["maxBodyBytes", "maxCalls", "reservedDescriptors"]) else { return }
        if let reserved = integer(section["reservedDescriptors"], at: section.path("reservedDescriptors"), in: 16...10_000_000) {
            configuration.limits.reservedDescriptors = reserved
        }
        if let bytes = integer(section["maxBodyBytes"], at: section.path("maxBodyBytes"), in: 1024...(64 << 20)) {
            configuration.limits.maxBodyBytes = bytes
        }
        if let calls = integer(section["maxCalls"], at: section.path("maxCalls"), in: 1...10_000_000) {
            configuration.engine.maxCalls = calls
        }
    }
}
