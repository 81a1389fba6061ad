import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The service manager's end of sd_notify(3) for tests: a Unix datagram socket bound at a path,
/// whose datagrams (`READY=1\nSTATUS=…`) a thread of its own collects with their arrival times.
public final class NotifySocketListener: @unchecked Sendable {
    /// One datagram: its `KEY=value` lines and when it arrived (monotonic seconds).
    public struct Message: Sendable {
        public var fields: [String]
        public var arrival: Double
        public func has(_ field: String) -> Bool { fields.contains(field) }
        public func value(_ key: String) -> String? {
            fields.first { $0.hasPrefix(key + "=") }.map { String($0.dropFirst(key.count + 1)) }
        }
    }

    /// The socket's path: what `NOTIFY_SOCKET` is set to.
    public let path: String
    private let descriptor: Int32
    private let lock = NSLock()
    private var received: [Message] = []
    private var closed = false

    public init(directory: String) throws {
        path = directory + "/notify.sock"
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestSupportError("socket(AF_UNIX, SOCK_DGRAM): \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw TestSupportError("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw TestSupportError("bind \(path): \(String(cString: strerror(errno)))") }
        // A receive wakes at least every 100 ms, so that close() ends the thread.
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in receiveUntilClosed() }
        thread.name = "notify-socket-listener"
        thread.start()
    }

    private func receiveUntilClosed() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !lock.withLock({ closed }) {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { continue }
            let text = String(decoding: buffer[0..<count], as: UTF8.self)
            let message = Message(fields: text.split(separator: "\n").map(String.init), arrival: Self.now())
            lock.withLock { received.append(message) }
        }
        Glibc.close(descriptor)
    }

    /// Every datagram so far, in arrival order.
    public var messages: [Message] { lock.withLock { received } }

    /// Monotonic seconds, the clock of `Message.arrival`.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Waits (at most `timeout` s) for a datagram with `field` that arrived after `since`.
    @discardableResult
    public func wait(for field: String, after since: Double = 0, timeout: Double) async throws -> Message {
        try await Deadline.poll("\(field) on \(path) (received: \(messages.map { $0.fields.joined(separator: " ") }))", timeout: timeout) {
            messages.first { $0.arrival > since && $0.has(field) }
        }
    }

    public func close() {
        lock.withLock { closed = true }
        unlink(path)
    }
}
