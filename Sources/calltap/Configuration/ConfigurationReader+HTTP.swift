import Control
import Yams

extension ConfigurationReader {
    /// `http`: the API's address, its keys, whether `/metrics` is open, and which web origins
    /// may call it from a browser.
    func readHTTP(_ node: Node?, into configuration: inout ServerConfiguration) {
        guard let section = section(node, at: .root.key("http"), keys: ["bind", "keys", "publicMetrics", "cors"]) else { return }
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
            var keys: [ServerConfiguration.APIKey] = []
            var firstLine: [String: Int] = [:]
            for item in items {
                if item.node.tagName == .null {
                    report("expected {key, role}, found nothing", at: item.path, node: item.node)
                }
                guard let entry = self.section(item.node, at: item.path, keys: ["key", "role"]) else { continue }
                var key: String?
                if let keyNode = required(entry, "key") {
                    key = text(keyNode, at: entry.path("key"), allowEmpty: false)
                    if let text = key, text.contains(where: \.isWhitespace) {
                        report("a key has no spaces", at: entry.path("key"), node: keyNode)
                        key = nil
                    } else if let text = key, let first = firstLine[text] {
                        report("the same key is already listed on line \(first)", at: entry.path("key"), node: keyNode)
                        key = nil
                    } else if let text = key {
                        firstLine[text] = Self.line(of: keyNode)
                    }
                }
                let role: ServerConfiguration.APIRole? = required(entry, "role").flatMap {
                    choice($0, at: entry.path("role"), noun: "role")
                }
                if let key, let role { keys.append(.init(key: key, role: role)) }
            }
            configuration.http.keys = keys
        }
        if let open = flag(section["publicMetrics"], at: section.path("publicMetrics")) {
            configuration.http.publicMetrics = open
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

    /// `limits`: request body size and how many live calls are tracked.
    func readLimits(_ node: Node?, into configuration: inout ServerConfiguration) {
        guard let section = section(node, at: .root.key("limits"), keys: ["maxBodyBytes", "maxCalls"]) else { return }
        if let bytes = integer(section["maxBodyBytes"], at: section.path("maxBodyBytes"), in: 1024...(64 << 20)) {
            configuration.limits.maxBodyBytes = bytes
        }
        if let calls = integer(section["maxCalls"], at: section.path("maxCalls"), in: 1...10_000_000) {
            configuration.engine.maxCalls = calls
        }
    }
}
