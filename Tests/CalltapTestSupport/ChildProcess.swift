import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A script run to its end with `posix_spawn` and reaped with `waitpid` on its own pid, for
/// children that leave daemons behind (Tests/broker.sh starts a broker and epmd).
///
/// Foundation's `Process` on Linux learns of a child's exit from a socket the child inherits; a
/// daemon the child starts may hold that socket, and then `waitUntilExit` never returns (seen in
/// CI: `broker.sh start` had printed "up" and exited, and the test waited 120 s). `waitpid` on the
/// pid cannot be fooled that way.
public enum ChildProcess {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `arguments[0]` with the rest as its arguments and `environment` added to this
    /// process's own, stdin from /dev/null and stdout and stderr into `logPath`. Returns the exit
    /// status, or throws when it could not start or did not end within `timeout` seconds (then it
    /// is killed).
    @discardableResult
    public static func run(_ arguments: [String], environment: [String: String] = [:],
                           logPath: String, timeout: Double) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }

        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, envp)
        guard spawned == 0 else {
            throw Failure(description: "\(arguments[0]) did not start: \(String(cString: strerror(spawned)))")
        }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped < 0 && errno != EINTR {
                throw Failure(description: "waitpid(\(pid)): \(String(cString: strerror(errno)))")
            }
            if Date() > deadline {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw Failure(description: "\(arguments.joined(separator: " ")) did not finish in \(Int(timeout)) s")
            }
            usleep(20_000)
        }
        // WIFEXITED / WEXITSTATUS by hand: the Glibc macros are not imported.
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }
}
