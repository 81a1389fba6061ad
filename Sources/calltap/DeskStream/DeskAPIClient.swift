import Glibc
import TLSClient

/// A small blocking HTTP/1.1 client over POSIX sockets for the F2F API: one request per
/// connection (`Connection: close`), a JSON body with its Content-Length, the answer read by
/// Content-Length, chunked encoding or to the end of the stream. `https://` goes through
/// OpenSSL (`TLSClient`), verifying the server against `caFile` or the system's CAs.
struct DeskAPIClient {
    /// A request that got no HTTP answer (the server is unreachable, closed early, or answered
    /// something that is not HTTP), in one line.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// An HTTP answer: status, headers in order, body bytes.
    struct Response {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        /// The first header of that name (names compare case-insensitively).
        func header(_ name: String) -> String? {
            let wanted = name.lowercased()
            return headers.first { $0.name.lowercased() == wanted }?.value
        }

        var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    let host: String
    let port: Int
    /// The server URL's path, without a trailing slash ("" for the root).
    let basePath: String
    let apiKey: String?
    let timeoutSeconds: Int
    /// HTTPS, and the CA file its server must chain to (nil: the system's).
    let secure: Bool
    let caFile: String?

    /// `server` is `http[s]://HOST[:PORT][/PATH]`.
    init(server: String, apiKey: String?, caFile: String? = nil, timeoutSeconds: Int = 15) throws(Failure) {
        let lowered = server.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            throw Failure(description: "bad server \(server): expected http://HOST:PORT or https://HOST:PORT")
        }
        secure = lowered.hasPrefix("https://")
        self.caFile = caFile
        let rest = server.dropFirst(secure ? "https://".count : "http://".count)
        let authority = rest.prefix { $0 != "/" }
        var path = String(rest.dropFirst(authority.count))
        while path.hasSuffix("/") { path.removeLast() }
        var hostPart = Substring(authority), portNumber = secure ? 443 : 80
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let p = Int(after.dropFirst()) else { throw Failure(description: "bad server \(server): bad port") }
                portNumber = p
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            guard let p = Int(authority[authority.index(after: colon)...]) else { throw Failure(description: "bad server \(server): bad port") }
            portNumber = p
        }
        guard !hostPart.isEmpty, (1...65535).contains(portNumber) else {
            throw Failure(description: "bad server \(server): expected http://HOST:PORT")
        }
        host = String(hostPart)
        port = portNumber
        basePath = path
        self.apiKey = apiKey
        self.timeoutSeconds = timeoutSeconds
    }

    /// The full URL of `path`, for messages.
    func url(_ path: String) -> String {
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        return "\(secure ? "https" : "http")://\(authority)\(basePath)\(path)"
    }

    /// `POST basePath + path` with `body` as JSON.
    func post(_ path: String, json body: [UInt8]) throws(Failure) -> Response {
        var head = "POST \(basePath)\(path) HTTP/1.1\r\n"
        head += "Host: \(host.contains(":") ? "[\(host)]" : host):\(port)\r\n"
        head += "User-Agent: calltap-desk-stream\r\n"
        head += "Accept: application/json\r\n"
        head += "Content-Type: application/json\r\n"
        head += "Content-Length: \(body.count)\r\n"
        if let apiKey { head += "Authorization: Bearer \(apiKey)\r\n" }
        head += "Connection: close\r\n\r\n"
        let fd = try connectSocket()
        defer { close(fd) }
        var session: UnsafeMutableRawPointer?
        if secure {
            var error = [CChar](repeating: 0, count: 512)
            session = calltap_tls_connect(fd, host, caFile, &error, error.count)
            guard session != nil else {
                throw Failure(description: "https://\(host):\(port): \(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
            }
        }
        defer { if let session { calltap_tls_close(session) } }
        let channel = Channel(fd: fd, session: session)
        try sendAll(channel, Array(head.utf8) + body)
        return try readResponse(channel)
    }

    /// The connection a request goes over: the socket, through TLS when there is a session.
    private struct Channel {
        let fd: Int32
        let session: UnsafeMutableRawPointer?

        func send(_ bytes: UnsafeRawBufferPointer) -> Int {
            if let session { return calltap_tls_write(session, bytes.baseAddress, bytes.count) }
            return Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
        }

        func receive(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
            if let session { return calltap_tls_read(session, buffer.baseAddress, buffer.count) }
            return recv(fd, buffer.baseAddress, buffer.count, 0)
        }
    }

    // MARK: Connection

    private func connectSocket() throws(Failure) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, list != nil else {
            throw Failure(description: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var reason = "no address"
        var entry = list
        while let e = entry {
            entry = e.pointee.ai_next
            let fd = socket(e.pointee.ai_family, e.pointee.ai_socktype, e.pointee.ai_protocol)
            guard fd >= 0 else { reason = String(cString: strerror(errno)); continue }
            if let problem = connect(fd, e.pointee.ai_addr, e.pointee.ai_addrlen, within: timeoutSeconds) {
                reason = problem
                close(fd)
                continue
            }
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            return fd
        }
        throw Failure(description: "cannot connect to \(host):\(port): \(reason)")
    }

    /// A non-blocking connect bounded by `seconds`, so a server that drops SYNs does not hang the
    /// desk for the kernel's two minutes; nil when connected, else the reason.
    private func connect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t, within seconds: Int) -> String? {
        let flags = fcntl(fd, F_GETFL, 0)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(fd, F_SETFL, flags) }
        if Glibc.connect(fd, address, length) == 0 { return nil }
        guard errno == EINPROGRESS || errno == EINTR else { return String(cString: strerror(errno)) }
        var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        var ready: Int32
        repeat { ready = poll(&poller, 1, Int32(seconds * 1000)) } while ready < 0 && errno == EINTR
        guard ready > 0 else { return ready == 0 ? "timed out after \(seconds) s" : String(cString: strerror(errno)) }
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
        return error == 0 ? nil : String(cString: strerror(error))
    }

    private func sendAll(_ channel: Channel, _ bytes: [UInt8]) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { channel.send(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure(description: "cannot send to \(host):\(port): \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    // MARK: Response

    /// Everything read from the socket so far, consumed from the front as the answer is parsed.
    private struct Reader {
        let channel: Channel
        let client: DeskAPIClient
        var buffer: [UInt8] = []
        var atEnd = false

        /// Reads more; false at the end of the stream.
        mutating func fill() throws(Failure) -> Bool {
            guard !atEnd else { return false }
            var chunk = [UInt8](repeating: 0, count: 16384)
            var n: Int
            repeat {
                n = chunk.withUnsafeMutableBytes { channel.receive($0) }
            } while n < 0 && errno == EINTR
            if n < 0 {
                let reason = errno == EAGAIN || errno == EWOULDBLOCK ? "no answer within \(client.timeoutSeconds) s" : String(cString: strerror(errno))
                throw Failure(description: "cannot read the answer of \(client.host):\(client.port): \(reason)")
            }
            if n == 0 { atEnd = true; return false }
            buffer += chunk.prefix(n)
            return true
        }

        /// One CRLF-terminated line, without the CRLF.
        mutating func line() throws(Failure) -> String {
            while true {
                if let i = buffer.indices.dropFirst().first(where: { buffer[$0 - 1] == 13 && buffer[$0] == 10 }) {
                    let text = String(decoding: buffer[..<(i - 1)], as: UTF8.self)
                    buffer.removeFirst(i + 1)
                    return text
                }
                guard buffer.count < 65536 else { throw Failure(description: "\(client.host):\(client.port) sent a header line over 64 KiB") }
                guard try fill() else { throw Failure(description: "\(client.host):\(client.port) closed the connection mid-answer") }
            }
        }

        mutating func bytes(_ count: Int) throws(Failure) -> [UInt8] {
            while buffer.count < count {
                guard try fill() else { throw Failure(description: "\(client.host):\(client.port) closed the connection mid-body") }
            }
            let result = Array(buffer.prefix(count))
            buffer.removeFirst(count)
            return result
        }

        mutating func rest() throws(Failure) -> [UInt8] {
            while try fill() {}
            defer { buffer = [] }
            return buffer
        }
    }

    private func readResponse(_ channel: Channel) throws(Failure) -> Response {
        var reader = Reader(channel: channel, client: self)
        while true {
            let statusLine = try reader.line()
            // "HTTP/1.1 201 Created"
            let parts = statusLine.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]), (100...599).contains(status) else {
                throw Failure(description: "\(host):\(port) did not answer HTTP: \(statusLine.prefix(80))")
            }
            var headers: [(name: String, value: String)] = []
            while true {
                let line = try reader.line()
                if line.isEmpty { break }
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers.append((String(line[..<colon]).trimmingSpaces, String(line[line.index(after: colon)...]).trimmingSpaces))
            }
            // An interim answer (100 Continue) is followed by the real one.
            if status < 200 { continue }
            var response = Response(status: status, headers: headers, body: [])
            if status == 204 || status == 304 { return response }
            if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
                response.body = try readChunked(&reader)
            } else if let length = response.header("Content-Length").flatMap({ Int($0) }), length >= 0 {
                response.body = try reader.bytes(length)
            } else {
                response.body = try reader.rest()
            }
            return response
        }
    }

    private func readChunked(_ reader: inout Reader) throws(Failure) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let sizeLine = try reader.line()
            guard let size = Int(sizeLine.prefix { $0 != ";" }.trimmingSpaces, radix: 16), size >= 0 else {
                throw Failure(description: "\(host):\(port) sent a bad chunk size: \(sizeLine.prefix(40))")
            }
            if size == 0 {
                // Trailers, up to the empty line.
                while try !reader.line().isEmpty {}
                return body
            }
            body += try reader.bytes(size)
            _ = try reader.line()
        }
    }
}

private extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
