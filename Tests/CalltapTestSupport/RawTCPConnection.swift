import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One TCP connection made by hand, from a chosen loopback source address: what a hostile HTTP
/// client does (connect and say nothing, send half a request head), and how it learns that the
/// server closed the connection (a read returns end of file, or the connection is reset).
public final class RawTCPConnection: @unchecked Sendable {
    // @unchecked: one test task uses a connection at a time.
    public let descriptor: Int32
    /// When the connection was established (connect returned).
    public let opened: Date
    private var isClosed = false

    /// Connects (blocking) from `sourceIP` (any port) to `host:port`, both IPv4.
    public init(from sourceIP: String, to host: String, port: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket: \(String(cString: strerror(errno)))") }
        var source = Self.address(sourceIP, port: 0)
        var target = Self.address(host, port: port)
        let bound = withUnsafePointer(to: &source) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            let message = String(cString: strerror(errno))
            Glibc.close(fd)
            throw TestSupportError("bind \(sourceIP): \(message)")
        }
        let connected = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let message = String(cString: strerror(errno))
            Glibc.close(fd)
            throw TestSupportError("connect \(host):\(port) from \(sourceIP): \(message)")
        }
        descriptor = fd
        opened = Date()
    }

    deinit { close() }

    /// Sends all of `text` (blocking); false when the connection is already gone.
    @discardableResult
    public func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }

    /// What the server sent until it closed the connection, and when it closed it; nil when it
    /// was still open after `timeout` seconds.
    public func waitForClose(timeout: Double) async -> (closedAt: Date, received: [UInt8])? {
        await Self.offThePool { self.waitForCloseBlocking(timeout: timeout) }
    }

    /// The bytes that arrive within `timeout` seconds, returned as soon as some did (and
    /// `until` occurs in them, when given); empty when none came or the connection closed.
    public func receive(timeout: Double, until marker: String? = nil) async -> [UInt8] {
        await Self.offThePool { self.receiveBlocking(timeout: timeout, until: marker) }
    }

    /// What the server sent on each connection until it closed it, and when, for many connections
    /// watched at once, so that each time is when the close happened, not when it was looked at;
    /// nil for a connection still open after `timeout` seconds.
    public static func watchCloses(of connections: [RawTCPConnection], timeout: Double) async -> [(closedAt: Date, received: [UInt8])?] {
        await offThePool {
            var outcomes: [(closedAt: Date, received: [UInt8])?] = Array(repeating: nil, count: connections.count)
            var received: [[UInt8]] = Array(repeating: [], count: connections.count)
            // poll() skips negative descriptors: a closed connection's entry is negated.
            var pollers = connections.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
            var open = connections.count
            var buffer = [UInt8](repeating: 0, count: 4096)
            let end = Date().addingTimeInterval(timeout)
            while open > 0, end.timeIntervalSinceNow > 0 {
                guard poll(&pollers, nfds_t(pollers.count), 50) > 0 else { continue }
                let now = Date()
                for i in pollers.indices where pollers[i].fd >= 0 && pollers[i].revents != 0 {
                    let n = buffer.withUnsafeMutableBytes { recv(pollers[i].fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                    if n > 0 {
                        received[i].append(contentsOf: buffer[0..<n])
                    } else if n == 0 || (errno != EAGAIN && errno != EINTR) {
                        outcomes[i] = (now, received[i])
                        pollers[i].fd = -1
                        open -= 1
                    }
                }
            }
            return outcomes
        }
    }

    /// Runs blocking socket calls on a thread of their own: on Swift's cooperative pool they
    /// would starve a server running in the same process (two cores, two pool threads).
    private static func offThePool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }

    private func waitForCloseBlocking(timeout: Double) -> (closedAt: Date, received: [UInt8])? {
        var received: [UInt8] = []
        let end = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let left = end.timeIntervalSinceNow
            guard left > 0 else { return nil }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, Int32(min(left, 1) * 1000) + 1)
            if ready < 0 && errno != EINTR { return (Date(), received) }
            guard ready > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                received.append(contentsOf: buffer[0..<n])
            } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                return (Date(), received)
            }
        }
    }

    private func receiveBlocking(timeout: Double, until marker: String?) -> [UInt8] {
        var received: [UInt8] = []
        let end = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while end.timeIntervalSinceNow > 0 {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { break }
            received.append(contentsOf: buffer[0..<n])
            guard let marker else { break }
            if String(decoding: received, as: UTF8.self).contains(marker) { break }
        }
        return received
    }

    /// Whether the server has closed the connection already (a read would not block and
    /// returns end of file or an error).
    public var isClosedByPeer: Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 0) > 0 else { return false }
        var byte: UInt8 = 0
        let n = recv(descriptor, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)
    }

    public func close() {
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(descriptor)
    }

    private static func address(_ ip: String, port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr(ip)
        return address
    }
}
