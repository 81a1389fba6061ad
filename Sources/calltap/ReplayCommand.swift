import ArgumentParser
import Engine
import Foundation
import Logging

/// `calltap replay CAPTURE`: records every call of a capture file as if it had been live.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Record the calls of a pcap or pcapng capture file."
    )

    @Argument(help: "The capture file (pcap or pcapng).")
    var capture: String

    @Option(help: "Where recordings are written (overrides storage.root).")
    var out: String?

    @Option(help: "A YAML configuration file.")
    var config: String?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    @Flag(help: "Log what the engine does (to standard error).")
    var verbose = false

    func run() throws {
        let verbose = self.verbose
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = verbose ? .debug : .warning
            return handler
        }
        do {
            var configuration = try config.map { try ConfigurationFile.load(path: $0) }?.engineConfiguration()
                ?? EngineConfiguration()
            if let out { configuration.storageRoot = out }
            let source = try PcapSource.open(file: capture)
            let engine = CaptureEngine(configuration: configuration)
            let started = DispatchTime.now().uptimeNanoseconds
            var summary = engine.replay(source)
            summary.elapsedSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            print(json ? try jsonText(summary) : text(summary, source: source))
            if let reason = summary.truncation {
                FileHandle.standardError.write(Data("calltap: \(capture) is cut short: \(reason); recorded what came before\n".utf8))
            }
        } catch let error as ConfigurationError {
            throw fail("\(error)")
        } catch let error as CaptureError {
            throw fail("\(error)")
        }
    }

    private func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("calltap: \(message)\n".utf8))
        return ExitCode(2)
    }

    private func jsonText(_ summary: ReplaySummary) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(summary), as: UTF8.self)
    }

    private func text(_ s: ReplaySummary, source: PcapSource) -> String {
        var lines = [
            "calltap replay \(capture) (\(source.linkTypeName))",
            "  calls seen      \(s.calls)",
            "  recordings      \(s.recordings)",
            "  packets read    \(s.packets)",
        ]
        let notUsed = s.notUsed.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        lines.append("  not used        " + (notUsed.isEmpty ? "none" : notUsed.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
        if s.timeWentBackwards > 0 { lines.append("  time went back  \(s.timeWentBackwards) packets (taken as the previous time)") }
        lines.append("  truncated       " + (s.truncated ? "yes: \(s.truncation ?? "")" : "no"))
        lines.append(String(format: "  capture span    %.3f s, replayed in %.3f s", s.seconds, s.elapsedSeconds))
        for error in s.errors { lines.append("  error           \(error)") }
        for file in s.files { lines.append("  wrote           \(file)") }
        return lines.joined(separator: "\n")
    }
}
