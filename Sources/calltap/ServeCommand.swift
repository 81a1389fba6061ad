import API
import ArgumentParser
import Atomics
import Control
import Engine
import Foundation
import Hummingbird
import Logging
import Media
import ServiceLifecycle

/// `calltap serve [--config FILE]` (default /etc/calltap/calltap.yaml): captures live traffic on the configured interfaces, records
/// what the agents' policies and the API say, and serves the API. SIGTERM or SIGINT stops the
/// capture, finishes every open recording (`EndReason: "shutdown"`) and flushes the database.
/// SIGHUP, or a change of the file, reloads its agents and policies (`ConfigurationReloader`).
/// Started by systemd with `Type=notify` (`NOTIFY_SOCKET`), it reports to it (`ServiceManagerReporter`).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Capture live traffic, record calls, and serve the Recording API."
    )

    @Option(help: "The YAML configuration file.")
    var config: String = ConfigurationFile.defaultPath

    @Flag(help: "Log at debug level.")
    var verbose = false

    func run() async throws {
        let verbose = self.verbose
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = verbose ? .debug : .info
            return handler
        }
        let logger = Logger(label: "calltap.serve")
        var configuration: ServerConfiguration
        do {
            configuration = try ConfigurationFile.load(path: config)
        } catch {
            throw CommandFailure.exit("\(error)")
        }
        configuration.http.maxConnections = try Self.fitConnectionsToDescriptors(configuration, logger: logger)
        guard !configuration.capture.interfaces.isEmpty else {
            throw CommandFailure.exit("\(config): capture.interfaces names no interface to capture on")
        }
        var engineConfiguration = configuration.engine
        // Live, the capture thread must never wait for a worker: what a full ring cannot take is counted.
        engineConfiguration.dropWhenBehind = true
        // A server runs for months: its summary at the end lists no files.
        engineConfiguration.listsFiles = false

        let root = engineConfiguration.storageRoot
        if let problem = StorageCheck.writable(root) { throw CommandFailure.exit("storage: \(problem)") }
        let sealer = try RecordingProtection.sealer(configuration, logger: logger)
        let encryptor = try RecordingProtection.encryptor(configuration)
        let engine = CaptureEngine(configuration: engineConfiguration, sealer: sealer, encryptor: encryptor,
                                   logger: Logger(label: "calltap.engine"))
        let store: SQLiteTrackerStore
        do {
            store = try SQLiteTrackerStore(storageRoot: root, reserve: engine.storage.reserve)
        } catch {
            throw CommandFailure.exit("cannot open the database under \(root): \(error)")
        }
        var options = LiveCapture.Options()
        options.promiscuous = configuration.capture.promiscuous
        options.bufferMiB = configuration.capture.bufferMiB
        options.snapLength = configuration.capture.snapLength
        options.filter = configuration.capture.filter
        let capture: LiveCapture
        do {
            capture = try LiveCapture(interfaces: configuration.capture.interfaces, options: options)
        } catch {
            throw CommandFailure.exit("\(error)")
        }

        let plane = ControlPlane(configuration: configuration, engine: engine, store: store)
        plane.stampCommandsWithWallClock()
        // Before the restore, so that the recordings it recovers are announced too. Without a
        // broker or webhooks there is no courier, and rows left for old destinations go.
        // The broker as the configuration names it, for announcements and for the cluster: one
        // place that gives both connections the same TLS.
        func brokerSettings(_ url: String) -> BrokerSettings {
            var settings = BrokerSettings(url: url, serverId: engineConfiguration.serverId)
            settings.tls = configuration.cluster.tls
            return settings
        }
        let announcementBroker = configuration.cluster.broker.map { url in
            var settings = brokerSettings(url)
            settings.connectTimeoutSeconds = min(settings.connectTimeoutSeconds, configuration.notify.timeoutSeconds)
            return settings
        }
        do {
            try plane.startAnnouncements(notify: configuration.notify, broker: announcementBroker, outbox: store)
        } catch {
            throw CommandFailure.exit("notify: \(error)")
        }

        let stored: StoredTracker
        do {
            stored = try store.load()
        } catch {
            throw CommandFailure.exit("cannot read the database under \(root): \(error)")
        }
        plane.tracker.restore(from: stored, now: LiveCapture.wallNanos()) { entry in
            RecordingRecovery.recover(entry, serverId: engineConfiguration.serverId, sealer: sealer, encryptor: encryptor)
        }
        store.flush()
        if let url = configuration.cluster.broker {
            var settings = brokerSettings(url)
            settings.blackoutExchange = configuration.cluster.blackoutExchange
            settings.screenExchange = configuration.cluster.screenExchange
            if !settings.tls.verifyPeer, (try? BrokerEndpoint(url: url))?.usesTLS == true {
                logger.warning("cluster.tls.verifyPeer is off: the broker's certificate is not checked, so anyone on the path can pose as the broker")
            }
            do {
                try plane.joinCluster(settings)
            } catch {
                throw CommandFailure.exit("cluster.broker: \(error)")
            }
            logger.notice("cluster", metadata: ["broker": "\(plane.tracker.cluster?.connection.endpoint.redacted ?? "")", "server": "\(settings.serverId)"])
        }

        let storage = engine.storage
        let sweeper = RetentionSweeper(store: store, settings: configuration.sweep, sealer: sealer, isSpaceLow: { storage.isLow })
        plane.attach(sweeper: sweeper)
        let captureService = CaptureService(engine: engine, source: capture, plane: plane, activity: "capturing", logger: logger)
        let tls = try HTTPServer.tls(configuration)
        let notifier: ServiceManagerNotifier?
        do {
            notifier = try ServiceManagerNotifier()
        } catch {
            throw CommandFailure.exit("\(error)")
        }
        let httpListening = ManagedAtomic<Bool>(false)
        let app: any ApplicationProtocol
        do {
            app = try HTTPServer.application(service: plane, configuration: configuration, tls: tls, logger: Logger(label: "calltap.http"),
                                             onListening: { httpListening.store(true, ordering: .relaxed) })
        } catch {
            throw CommandFailure.exit("\(error)")
        }
        logger.notice("capturing", metadata: ["interfaces": "\(configuration.capture.interfaces.joined(separator: ","))",
                                              "storage": "\(root)", "agents": "\(configuration.agents.count)"])
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: app), .init(service: captureService),
            .init(service: ConfigurationReloader(path: config, plane: plane, tls: tls, notifier: notifier, logger: logger)),
            .init(service: RetentionService(sweeper: sweeper)),
        ]
        // Last: the first to hear of a shutdown, so that systemd learns of it before the others stop.
        if let notifier {
            services.append(.init(service: ServiceManagerReporter(notifier: notifier, plane: plane, httpListening: httpListening,
                                                                  interfaces: configuration.capture.interfaces, logger: logger)))
        }
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch {
            // The server could not start (the port is taken, the address is not this host's).
            throw CommandFailure.exit("\(error)")
        }
    }
}

extension ServeCommand {
    /// Raises the soft descriptor limit to the hard one and returns how many HTTP connections fit
    /// beside `limits.reservedDescriptors`: `http.maxConnections`, or fewer when the limit is low.
    static func fitConnectionsToDescriptors(_ configuration: ServerConfiguration, logger: Logger) throws -> Int {
        let before = DescriptorLimit.current()
        guard let limit = DescriptorLimit.raiseSoftToHard() else {
            logger.warning("cannot read the descriptor limit (RLIMIT_NOFILE): HTTP connections are bounded by http.maxConnections only")
            return configuration.http.maxConnections
        }
        let reserved = configuration.limits.reservedDescriptors, configured = configuration.http.maxConnections
        guard let connections = limit.httpConnections(configured: configured, reserved: reserved) else {
            throw CommandFailure.exit("the descriptor limit (\(limit)) leaves nothing for HTTP beside limits.reservedDescriptors (\(reserved)): raise the hard limit (ulimit -Hn) or lower the reserve")
        }
        logger.notice("descriptor limit", metadata: [
            "soft": "\(limit.soft)", "hard": "\(limit.hard == Int.max ? "unlimited" : String(limit.hard))",
            "softBefore": "\(before.map { String($0.soft) } ?? "?")", "reserved": "\(reserved)",
            "maxConnections": "\(connections)", "configuredMaxConnections": "\(configured)",
            "maxConnectionsPerClient": "\(configuration.http.maxConnectionsPerClient)",
        ])
        return connections
    }
}

/// Why a command stops with exit status 2: the message goes to standard error as one line.
enum CommandFailure {
    /// Bad input: exit 2.
    static func exit(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("calltap: \(message)\n".utf8))
        return ExitCode(2)
    }

    /// The input was good and the work failed: exit 1.
    static func failed(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("calltap: \(message)\n".utf8))
        return ExitCode(1)
    }
}

