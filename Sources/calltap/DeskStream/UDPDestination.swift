import Glibc

/// A `HOST:PORT` (or `[IPv6]:PORT`) to send RTP to, resolved once when the command starts: a
/// name that does not resolve is bad input, not something to retry per packet.
struct UDPDestination {
    /// As the user wrote it, for the F2F API's `Address`.
    let text: String
    let address: sockaddr_storage
    let length: socklen_t

    var family: Int32 { Int32(address.ss_family) }

    /// Why `text` is not a destination, one line.
    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    init(_ text: String) throws(Invalid) {
        let (host, port) = try Self.split(text)
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        guard status == 0, let first = result, let sa = first.pointee.ai_addr else {
            throw Invalid(description: "bad address \(text): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(result) }
        var storage = sockaddr_storage()
        let length = first.pointee.ai_addrlen
        withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: Int(length))) }
        self.text = text
        self.address = storage
        self.length = length
    }

    /// `host:port` or `[v6]:port`; the port 1…65535.
    private static func split(_ text: String) throws(Invalid) -> (String, Int) {
        let host: Substring, port: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw Invalid(description: "bad address \(text): expected [IPv6]:PORT") }
            port = rest.dropFirst()
        } else if let colon = text.lastIndex(of: ":"), text.firstIndex(of: ":") == colon {
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        } else {
            throw Invalid(description: "bad address \(text): expected HOST:PORT")
        }
        guard !host.isEmpty, let number = Int(port), (1...65535).contains(number) else {
            throw Invalid(description: "bad address \(text): expected HOST:PORT with a port 1-65535")
        }
        return (String(host), number)
    }

    /// `ip:port` (`[ip]:port` for IPv6) of any socket address, for summaries.
    static func describe(_ storage: sockaddr_storage) -> String {
        var copy = storage
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let length = socklen_t(storage.ss_family == sa_family_t(AF_INET6) ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
        let status = withUnsafePointer(to: &copy) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, length, &host, socklen_t(host.count), &service, socklen_t(service.count), NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        guard status == 0 else { return "?" }
        let ip = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let port = String(decoding: service.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return storage.ss_family == sa_family_t(AF_INET6) ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
