import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The process's open-file limit (`RLIMIT_NOFILE`). `serve` raises the soft limit to the hard one
/// and gives HTTP connections only what `limits.reservedDescriptors` leaves, so that a flood of
/// clients can never take the descriptors recordings need (issue 15: 1,100 idle connections under
/// a limit of 1,024 made every recording fail with "Too many open files").
struct DescriptorLimit: Equatable, CustomStringConvertible {
    var soft: Int
    var hard: Int

    /// The limit now; nil when it cannot be read.
    static func current() -> DescriptorLimit? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        return DescriptorLimit(soft: Self.count(limit.rlim_cur), hard: Self.count(limit.rlim_max))
    }

    /// Raises the soft limit to the hard one (an unlimited hard limit stops at the kernel's
    /// `nr_open`); the limit afterwards, nil when it cannot be read.
    static func raiseSoftToHard() -> DescriptorLimit? {
        guard let before = current() else { return nil }
        guard before.soft < before.hard else { return before }
        var limit = rlimit()
        _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) != 0, let ceiling = kernelCeiling() {
            limit.rlim_cur = rlim_t(min(ceiling, before.hard))
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return current()
    }

    /// HTTP connections that fit under the soft limit beside `reserved` descriptors, at most
    /// `configured`; nil when the reserve takes them all.
    func httpConnections(configured: Int, reserved: Int) -> Int? {
        let room = soft - reserved
        return room >= 1 ? min(configured, room) : nil
    }

    var description: String { "soft \(soft), hard \(hard == Int.max ? "unlimited" : String(hard))" }

    private static func count(_ value: rlim_t) -> Int {
        value > rlim_t(Int.max) ? Int.max : Int(value)
    }

    /// `/proc/sys/fs/nr_open`: the most any process may have open.
    private static func kernelCeiling() -> Int? {
        (try? String(contentsOfFile: "/proc/sys/fs/nr_open", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}
