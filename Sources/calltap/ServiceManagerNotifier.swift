import Atomics
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// systemd's service notification protocol (sd_notify(3)) without libsystemd: each state is one
/// datagram of `KEY=value` lines to the Unix socket `NOTIFY_SOCKET` names (a path, or `@name` for
/// an abstract socket). Made only when that variable is set, i.e. under `Type=notify`.
final class ServiceManagerNotifier: Sendable {
    /// The socket as `NOTIFY_SOCKET` gave it.
    let socketName: String
    /// How often the watchdog wants `WATCHDOG=1`: half of `WATCHDOG_USEC`, as sd_watchdog_enabled(3)
    /// advises; nil when the unit has no `WatchdogSec=` or `WATCHDOG_PID` names another process.
    let watchdogInterval: Duration?
    private let address: sockaddr_un
    private let addressLength: socklen_t
    private let descriptor: Int32
    private let readySent = ManagedAtomic<Bool>(false)

    /// nil when `NOTIFY_SOCKET` is unset or empty (not started by systemd with `Type=notify`).
    /// Throws when it is set but names no usable socket address.
    init?(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ServiceManagerNotifierError) {
        guard let name = environment["NOTIFY_SOCKET"], !name.isEmpty else { return nil }
        guard name.hasPrefix("/") || name.hasPrefix("@") else { throw .unsupportedSocket(name) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(name.utf8)
        // An abstract socket's name starts with a NUL byte in place of the '@' and has no terminator.
        if bytes[0] == UInt8(ascii: "@") { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { throw .unsupportedSocket(name) }
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            path.copyBytes(from: bytes)
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        addressLength = socklen_t(pathOffset + bytes.count + (bytes[0] == 0 ? 0 : 1))
        self.address = address
        socketName = name
        watchdogInterval = Self.watchdogInterval(environment)
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw .socket(String(cString: strerror(errno))) }
    }

    deinit { close(descriptor) }

    /// Half of `WATCHDOG_USEC` when the watchdog watches this process.
    private static func watchdogInterval(_ environment: [String: String]) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 else { return nil }
        if let pid = environment["WATCHDOG_PID"], !pid.isEmpty, pid_t(pid) != getpid() { return nil }
        return .microseconds(usec / 2)
    }

    /// Sends the states (`READY=1`, `STATUS=…`), one per line, as one datagram. Returns whether
    /// the service manager's socket took it: a lost notification must not stop the server.
    @discardableResult
    func notify(_ states: String...) -> Bool {
        let message = Array(states.joined(separator: "\n").utf8)
        var address = self.address
        let sent = message.withUnsafeBytes { bytes in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), $0, addressLength)
                }
            }
        }
        if states.contains("READY=1") { readySent.store(true, ordering: .relaxed) }
        return sent == message.count
    }

    /// Whether `READY=1` has been sent: a reload before it must not tell systemd the start is done.
    var hasSentReady: Bool { readySent.load(ordering: .relaxed) }

    /// `MONOTONIC_USEC=…`, which systemd wants beside `RELOADING=1`.
    static var monotonicMicroseconds: String {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return "MONOTONIC_USEC=\(UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000)"
    }
}

/// Why `NOTIFY_SOCKET` cannot be used.
enum ServiceManagerNotifierError: Error, CustomStringConvertible {
    case unsupportedSocket(String)
    case socket(String)

    var description: String {
        switch self {
        case .unsupportedSocket(let name):
            return "NOTIFY_SOCKET=\(name): not a Unix socket path or an abstract '@' name of at most 107 bytes"
        case .socket(let reason):
            return "NOTIFY_SOCKET: cannot open a datagram socket: \(reason)"
        }
    }
}
