import API
import Foundation

extension ConfigurationReader {
    /// What is wrong with an `http.bind` value, nil when the server can listen on it. Stricter
    /// than `HTTPBindAddress(parsing:)`, which the server uses and which must accept whatever
    /// passes here: the host must be an IPv4 address, a bracketed IPv6 address or a host name,
    /// the port 0 to 65535 (0: the system picks a free port, which the server logs).
    static func bindAddressProblem(_ text: String) -> String? {
        let hostPart: Substring, portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return "'[' without ']'" }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return "no ':port' after ']'" }
            portPart = rest.dropFirst()
            guard isIPv6(String(hostPart)) else { return "'\(hostPart)' is not an IPv6 address" }
        } else {
            guard let colon = text.lastIndex(of: ":") else { return "no port (host:port)" }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") { return "an IPv6 host goes in brackets ([::1]:8080)" }
            guard !hostPart.isEmpty else { return "no host before ':'" }
            if hostPart.allSatisfy({ $0.isNumber || $0 == "." }) {
                guard isIPv4(String(hostPart)) else { return "'\(hostPart)' is not an IPv4 address" }
            } else {
                let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")
                guard hostPart.allSatisfy({ allowed.contains($0) }), !hostPart.hasPrefix("-"), !hostPart.hasPrefix(".") else {
                    return "'\(hostPart)' is not a host name or address"
                }
            }
        }
        guard !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy({ $0.isASCII && $0.isNumber }),
              let port = Int(portPart) else {
            return "'\(portPart)' is not a port number"
        }
        guard (0...65535).contains(port) else { return "port must be between 0 and 65535, not \(port)" }
        do {
            _ = try HTTPBindAddress(parsing: text)
        } catch {
            return "\(error)"
        }
        return nil
    }

    private static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1
    }

    private static func isIPv6(_ text: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET6, text, &address) == 1
    }
}
