import API
import Control
import Foundation
import Logging
import ServiceLifecycle

/// Reloads the configuration's agents and policies while `serve` runs: on SIGHUP, and when the
/// file changes (checked every `pollSeconds`; an editor that replaces the file is seen too). A
/// file with problems changes nothing and is logged with every problem. The API's certificate
/// and the audio keys (`storage.encryption.keyFile`) are read again too. Other settings take
/// effect at the next start. What the agents API changed is kept unless the file changes that
/// agent (docs/API.md, "Agents").
final class ConfigurationReloader: Service, @unchecked Sendable {
    private let path: String
    private let plane: ControlPlane
    /// The API's TLS context, whose files are read again with each reload.
    private let tls: TLSContextSource?
    private let logger: Logger
    private let pollSeconds: Double
    /// Told `RELOADING=1` and then `READY=1` around a reload when systemd started `serve` (and it is ready).
    private let notifier: ServiceManagerNotifier?

    init(path: String, plane: ControlPlane, tls: TLSContextSource? = nil, notifier: ServiceManagerNotifier? = nil,
         logger: Logger, pollSeconds: Double = 2) {
        self.tls = tls
        self.path = path
        self.plane = plane
        self.notifier = notifier
        self.logger = logger
        self.pollSeconds = pollSeconds
    }

    func run() async throws {
        let (reasons, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(1))
        signal(SIGHUP, SIG_IGN)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        hangup.setEventHandler { continuation.yield("SIGHUP") }
        hangup.resume()
        let poll = Task { [path, pollSeconds] in
            var seen = Self.stamp(of: path)
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(pollSeconds * 1e9))
                let now = Self.stamp(of: path)
                if now != seen {
                    seen = now
                    continuation.yield("file changed")
                }
            }
        }
        await withGracefulShutdownHandler {
            for await reason in reasons { await reload(because: reason) }
        } onGracefulShutdown: {
            continuation.finish()
        }
        poll.cancel()
        hangup.cancel()
    }

    private func reload(because reason: String) async {
        // Only once serve has said it is ready: a READY=1 from here would end its start early.
        let notifier = self.notifier.flatMap { $0.hasSentReady ? $0 : nil }
        notifier?.notify("RELOADING=1", ServiceManagerNotifier.monotonicMicroseconds, "STATUS=reloading the configuration (\(reason))")
        defer { notifier?.notify("READY=1") }
        if let tls {
            do {
                try tls.reload()
                logger.notice("TLS certificate reloaded", metadata: ["reason": "\(reason)", "certificate": "\(tls.files.certificate)"])
            } catch {
                logger.error("TLS certificate not reloaded: the previous one is served", metadata: [
                    "reason": "\(reason)", "error": "\(error)"])
            }
        }
        if let encryption = plane.audioEncryption {
            do {
                try encryption.reload()
                logger.notice("audio keys reloaded", metadata: [
                    "reason": "\(reason)", "keys": "\(encryption.keys.keys.count)", "current": "\(encryption.keys.current.identifier)"])
            } catch {
                logger.error("audio keys not reloaded: the previous ones stay", metadata: ["reason": "\(reason)", "error": "\(error)"])
            }
        }
        let configuration: ServerConfiguration
        do {
            configuration = try ConfigurationFile.load(path: path)
        } catch {
            logger.error("configuration not reloaded: the agents stay as they were", metadata: [
                "reason": "\(reason)", "problems": "\(error.lines.joined(separator: "; "))"])
            return
        }
        do {
            let outcome = try await plane.reloadAgents(configuration.agents, policies: configuration.policies)
            logger.notice("configuration reloaded", metadata: ["reason": "\(reason)", "agents": "\(outcome)"])
        } catch {
            logger.error("configuration not reloaded", metadata: ["reason": "\(reason)", "error": "\(error)"])
        }
    }

    /// What tells a changed file: its inode, size and modification time (nil while it is missing).
    private static func stamp(of path: String) -> [Int]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return [Int(info.st_ino), Int(info.st_size), info.st_mtim.tv_sec, info.st_mtim.tv_nsec]
    }
}
