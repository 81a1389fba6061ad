import API
import ArgumentParser
import Control
import Engine
import Foundation
import Hummingbird
import Logging
import Media
import ServiceLifecycle

/// `calltap replay CAPTURE`: records every call of a capture file as if it had been live,
/// through the same control plane as `serve`: a control script applies API commands at capture
/// times, and a paced replay can serve the whole API meanwhile.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Record the calls of a pcap or pcapng capture file."
    )

    enum Pace: String, ExpressibleByArgument, CaseIterable {
        case max
        case realtime
    }

    @Argument(help: "The capture file (pcap or pcapng).")
    var capture: String

    @Option(help: "Where recordings are written (overrides storage.root).")
    var out: String?

    @Option(help: "A YAML configuration file.")
    var config: String?

    @Option(help: "A control script: JSON lines {\"at\": seconds or ISO time, \"command\": \"Record/StartForAgent\", \"body\": {…}}.")
    var control: String?

    @Option(help: "max: as fast as possible; realtime: at the capture's own pace.")
    var pace: Pace = .max

    @Option(help: "Serve the API on HOST:PORT while the replay runs (needs --pace realtime).")
    var http: String?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @Flag(help: "Log what the engine does (to standard error).")
    var verbose = false

    func run() async throws {
        let verbose = self.verbose
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = verbose ? .debug : (label == "calltap.http" ? .notice : .warning)
            return handler
        }
        var configuration: ServerConfiguration
        do {
            configuration = try config.map { try ConfigurationFile.load(path: $0) } ?? ServerConfiguration()
        } catch {
            throw CommandFailure.exit("\(error)")
        }
        if let out { configuration.engine.storageRoot = out }
        // A replay that dies is run again: its held audio needs no journal.
        configuration.engine.journalsHeldAudio = false
        if let http { configuration.http.bind = http }
        if http != nil && pace != .realtime {
            throw CommandFailure.exit("--http needs --pace realtime: a replay at full speed is over before a client can ask")
        }
        let script: ControlScript?
        let file: PcapSource
        do {
            script = try control.map { try ControlScript.load(path: $0) }
            file = try PcapSource.open(file: capture)
        } catch {
            throw CommandFailure.exit("\(error)")
        }

        // Sealed as `serve` seals, when the configuration says so (finished in the order handed
        // over, which more than one worker does not keep from run to run).
        let sealer = try RecordingProtection.sealer(configuration, logger: nil)
        let engine = CaptureEngine(configuration: configuration.engine, sealer: sealer,
                                   encryptor: try RecordingProtection.encryptor(configuration))
        var store: SQLiteTrackerStore?
        if http != nil {
            // Served recordings are searched in the index, as on a live server.
            let root = configuration.engine.storageRoot
            if let problem = StorageCheck.writable(root) { throw CommandFailure.exit("storage: \(problem)") }
            do {
                store = try SQLiteTrackerStore(storageRoot: root, reserve: engine.storage.reserve)
            } catch {
                throw CommandFailure.exit("cannot open the database under \(root): \(error)")
            }
        }
        // A replay runs alone even when its configuration names a broker: its blackouts are about
        // the past and must not silence the live servers' agents.
        let plane = ControlPlane(configuration: configuration, engine: engine, store: store)
        let outcomes = CommandOutcomes()
        let tracker = plane.tracker
        let schedule = (script?.lines ?? []).map { line in
            ScheduledJob(when: line.when) { nanos in
                outcomes.append(line, tracker.perform(line.command, at: nanos), nanos: nanos)
            }
        }
        let source: PacketSource
        if pace == .realtime {
            let paced = PacedSource(file)
            plane.setWallOffset { paced.wallOffsetNanos }
            source = paced
        } else {
            source = file
        }
        let started = DispatchTime.now().uptimeNanoseconds
        var summary: ReplaySummary
        if http != nil {
            summary = try await serveWhileReplaying(engine: engine, source: source, schedule: schedule, plane: plane,
                                                    configuration: configuration)
        } else {
            summary = engine.run(source, schedule: schedule)
        }
        plane.tracker.flush()
        summary.elapsedSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        if json {
            try printJSON(summary, outcomes.all)
        } else {
            printText(summary, source: file, outcomes: outcomes.all)
        }
        if let reason = summary.truncation {
            FileHandle.standardError.write(Data("calltap: \(capture) is cut short: \(reason); recorded what came before\n".utf8))
        }
    }

    /// Runs the replay on a capture thread and the API beside it; stops serving when the replay ends.
    private func serveWhileReplaying(engine: CaptureEngine, source: PacketSource, schedule: [ScheduledJob],
                                     plane: ControlPlane, configuration: ServerConfiguration) async throws -> ReplaySummary {
        let tls = try HTTPServer.tls(configuration)
        let app: any ApplicationProtocol
        do {
            app = try HTTPServer.application(service: plane, configuration: configuration, tls: tls, logger: Logger(label: "calltap.http"))
        } catch {
            throw CommandFailure.exit("\(error)")
        }
        let replay = CaptureService(engine: engine, source: source, schedule: schedule, plane: plane, activity: "replaying",
                                    logger: Logger(label: "calltap.replay"))
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: app), .init(service: replay, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: Logger(label: "calltap.replay")))
        do {
            try await group.run()
        } catch {
            // The server could not start (the port is taken, the address is not this host's).
            throw CommandFailure.exit("\(error)")
        }
        return replay.summary!
    }

    /// The summary as one JSON object, its `Files` streamed from the replay's spool rather than
    /// built in memory (40,000 recordings would otherwise make the end of a replay its peak).
    private func printJSON(_ summary: ReplaySummary, _ outcomes: [CommandOutcomes.Outcome]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var object = try JSONSerialization.jsonObject(with: try encoder.encode(summary)) as? [String: Any] ?? [:]
        if !outcomes.isEmpty { object["Commands"] = try JSONSerialization.jsonObject(with: try encoder.encode(outcomes)) }
        object["Files"] = [String]()
        let text = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
                          as: UTF8.self)
        // Only the key itself reads `"Files":[]` unescaped: quotes inside strings are escaped.
        guard let slot = text.range(of: "\"Files\":[]") else { throw CommandFailure.exit("cannot encode the summary") }
        let out = BufferedOutput()
        out.write(text[..<slot.lowerBound] + "\"Files\":[")
        var first = true
        summary.fileList?.forEach { path in
            out.write((first ? "" : ",") + String(decoding: (try? encoder.encode(path)) ?? Data("\"\"".utf8), as: UTF8.self))
            first = false
        }
        out.write("]" + text[slot.upperBound...] + "\n")
        out.flush()
    }

    private func printText(_ s: ReplaySummary, source: PcapSource, outcomes: [CommandOutcomes.Outcome]) {
        var lines = [
            "calltap replay \(capture) (\(source.linkTypeName))",
            "  calls seen      \(s.calls)" + (s.callsEvicted > 0 ? " (\(s.callsEvicted) evicted from a full table)" : ""),
            "  recordings      \(s.recordings)",
            "  packets read    \(s.packets)",
        ]
        let notUsed = s.notUsed.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        lines.append("  not used        " + (notUsed.isEmpty ? "none" : notUsed.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        if s.timeWentBackwards > 0 { lines.append("  time went back  \(s.timeWentBackwards) packets (taken as the previous time)") }
        lines.append("  truncated       " + (s.truncated ? "yes: \(s.truncation ?? "")" : "no"))
        lines.append(String(format: "  capture span    %.3f s, replayed in %.3f s", s.seconds, s.elapsedSeconds))
        for o in outcomes {
            lines.append("  command         line \(o.line) at \(o.at): \(o.command) → \(o.status)" + (o.code.map { " \($0)" } ?? ""))
        }
        for error in s.errors { lines.append("  error           \(error)") }
        let out = BufferedOutput()
        out.write(lines.joined(separator: "\n") + "\n")
        s.fileList?.forEach { out.write("  wrote           \($0)\n") }
        out.flush()
    }
}

/// Standard output in 64 KiB pieces: a summary listing thousands of files is written as it is made.
private final class BufferedOutput {
    private var buffer: [UInt8] = []

    func write(_ text: some StringProtocol) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 64 << 10 { flush() }
    }

    func flush() {
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}

/// What each control-script command answered, in the order they ran.
final class CommandOutcomes: @unchecked Sendable {
    struct Outcome: Encodable {
        var line: Int
        var at: String
        var command: String
        var status: Int
        var code: String?
        var message: String?
        var captureTime: String

        enum CodingKeys: String, CodingKey {
            case line = "Line", at = "At", command = "Command", status = "Status", code = "Code", message = "Message"
            case captureTime = "CaptureTime"
        }
    }

    private let lock = NSLock()
    private var outcomes: [Outcome] = []

    func append(_ line: ControlScript.Line, _ result: Result<AgentState, ControlError>, nanos: Int64) {
        var o = Outcome(line: line.number, at: line.at, command: line.path, status: 200, captureTime: CaptureTime.iso8601(nanos))
        if case .failure(let error) = result {
            o.status = error.code.status
            o.code = error.code.rawValue
            o.message = error.message
        }
        lock.lock()
        outcomes.append(o)
        lock.unlock()
    }

    var all: [Outcome] {
        lock.lock()
        defer { lock.unlock() }
        return outcomes
    }
}
