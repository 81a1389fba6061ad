import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP relay on loopback that a test can cut and mend: a network partition between one
/// server and the broker, while the other servers keep theirs. Each accepted connection is
/// joined to a new connection to the target; `cut()` drops every joined pair and refuses new
/// ones until `restore()`.
public final class TCPRelay: @unchecked Sendable {
    // @unchecked: mutable state only with `lock` held; the threads own their sockets.
    public let port: Int
    private let targetHost: String
    private let targetPort: Int
    private let listener: Int32
    private let lock = NSLock()
    private var isCut = false
    private var stopped = false
    private var open: Set<Int32> = []

    public init(toHost host: String, port targetPort: Int) throws {
        targetHost = host
        self.targetPort = targetPort
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("relay: socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw TestSupportError("relay: bind/listen: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            _ = $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "tcp-relay-accept"
        thread.start()
    }

    deinit { stop() }

    /// Drops every relayed connection and refuses new ones.
    public func cut() {
        let sockets = lock.withLock { () -> Set<Int32> in
            isCut = true
            return open
        }
        for s in sockets { shutdown(s, Int32(SHUT_RDWR)) }
    }

    /// Relays again.
    public func restore() {
        lock.withLock { isCut = false }
    }

    /// Stops relaying for good.
    public func stop() {
        let first = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        cut()
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            let refuse = lock.withLock { isCut || stopped }
            if refuse {
                close(client)
                continue
            }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var target = sockaddr_in()
            target.sin_family = sa_family_t(AF_INET)
            target.sin_port = UInt16(targetPort).bigEndian
            target.sin_addr.s_addr = inet_addr(targetHost == "localhost" ? "127.0.0.1" : targetHost)
            let connected = withUnsafePointer(to: &target) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                close(client)
                close(upstream)
                continue
            }
            lock.withLock { open.formUnion([client, upstream]) }
            let thread = Thread { [self] in pump(client, upstream) }
            thread.name = "tcp-relay-pump"
            thread.start()
        }
    }

    /// Copies bytes both ways until either side closes or the relay is cut.
    private func pump(_ a: Int32, _ b: Int32) {
        defer {
            lock.withLock { open.subtract([a, b]) }
            close(a)
            close(b)
        }
        var fds = [pollfd(fd: a, events: Int16(POLLIN), revents: 0), pollfd(fd: b, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            guard poll(&fds, 2, 200) >= 0 || errno == EINTR else { return }
            if lock.withLock({ isCut || stopped }) { return }
            for i in 0..<2 where fds[i].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(fds[i].fd, $0.baseAddress, $0.count) }
                if n <= 0 { return }
                var sent = 0
                while sent < n {
                    let w = buffer.withUnsafeBytes { write(fds[1 - i].fd, $0.baseAddress! + sent, n - sent) }
                    if w <= 0 { return }
                    sent += w
                }
            }
        }
    }
}
