import Control
import Foundation
import Yams

extension ConfigurationReader {
    /// `notify`: the webhooks each finished recording's sidecar is posted to, and their retries.
    func readNotify(_ node: Node?, into configuration: inout ServerConfiguration) {
        guard let section = section(node, at: .root.key("notify"), keys: [
            "webhooks", "retryFirstSeconds", "retryMaxSeconds", "timeoutSeconds",
        ]) else { return }
        if let items = list(section["webhooks"], at: section.path("webhooks")) {
            var webhooks: [NotifySettings.Webhook] = []
            var firstLine: [String: Int] = [:]
            for item in items {
                if item.node.tagName == .null {
                    report("expected {url, secret}, found nothing", at: item.path, node: item.node)
                }
                guard let entry = self.section(item.node, at: item.path, keys: ["url", "secret", "secretFile", "secretEnv"])
                else { continue }
                var url: String?
                if let urlNode = required(entry, "url"), let text = text(urlNode, at: entry.path("url"), allowEmpty: false) {
                    if let problem = Self.webhookURLProblem(text) {
                        report("bad webhook URL '\(text)': \(problem)", at: entry.path("url"), node: urlNode)
                    } else if let first = firstLine[text] {
                        report("the same webhook is already listed on line \(first)", at: entry.path("url"), node: urlNode)
                    } else {
                        firstLine[text] = Self.line(of: urlNode)
                        url = text
                    }
                }
                // The signing key, also from a file or the environment (kept out of this file).
                let secret = secret(entry, value: "secret", file: "secretFile", env: "secretEnv", required: true)
                if let url, let secret { webhooks.append(.init(url: url, secret: secret)) }
            }
            configuration.notify.webhooks = webhooks
        }
        if let first = seconds(section["retryFirstSeconds"], at: section.path("retryFirstSeconds"),
                               minimum: 0, inclusive: false, maximum: 3600) {
            configuration.notify.retryFirstSeconds = first
        }
        if let most = seconds(section["retryMaxSeconds"], at: section.path("retryMaxSeconds"),
                              minimum: 0, inclusive: false, maximum: 86_400), let node = section["retryMaxSeconds"] {
            if most < configuration.notify.retryFirstSeconds {
                report("must not be below retryFirstSeconds (\(configuration.notify.retryFirstSeconds))",
                       at: section.path("retryMaxSeconds"), node: node)
            } else {
                configuration.notify.retryMaxSeconds = most
            }
        }
        if let timeout = seconds(section["timeoutSeconds"], at: section.path("timeoutSeconds"),
                                 minimum: 0, inclusive: false, maximum: 600) {
            configuration.notify.timeoutSeconds = timeout
        }
    }

    /// Why `text` cannot be a webhook's address, or nil: it must be an absolute http or https URL with a host.
    static func webhookURLProblem(_ text: String) -> String? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            return "not a URL (http://host[:port]/path or https://…)"
        }
        guard scheme == "http" || scheme == "https" else { return "the scheme must be http or https, not '\(scheme)'" }
        guard let host = components.host, !host.isEmpty else { return "it names no host" }
        return nil
    }
}
