import ArgumentParser
import Control
import Foundation

/// `calltap sweep [--dry-run]`: applies retention now, as `serve` does hourly, beside a running
/// `serve` or without one; with `--dry-run` it lists what would go and touches nothing.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Delete or archive the recordings whose retention ran out (--dry-run: list them)."
    )

    @Option(help: "The YAML configuration file, which names the storage root and the archive root.")
    var config: String = ConfigurationFile.defaultPath

    @Flag(help: "List the recordings that would go, and change nothing.")
    var dryRun = false

    func run() throws {
        let (configuration, store) = try StorageIndex.open(config: config)
        let sealer = dryRun ? nil : try RecordingProtection.sealer(configuration, logger: nil)
        let report = RetentionSweeper(store: store, settings: configuration.sweep, sealer: sealer).sweep(dryRun: dryRun)
        for item in report.items {
            let expiry = item.entry.expiresNanos.map { Self.time($0) } ?? "-"
            let target = item.action == .move ? " → \(configuration.sweep.archiveRoot ?? "?")" : ""
            print("\(dryRun ? "would \(item.action.rawValue)" : item.action == .delete ? "deleted" : "moved") "
                  + "\(item.entry.recordingIdentifier) expired \(expiry) \(item.bytes) bytes \(item.entry.sidecarPath)\(target)")
        }
        for failure in report.failures {
            FileHandle.standardError.write(Data("calltap: kept \(failure.recordingIdentifier): \(failure.reason)\n".utf8))
        }
        let bytes = report.items.reduce(Int64(0)) { $0 + $1.bytes }
        print("\(report.items.count) recordings \(dryRun ? "would go" : "swept"), \(bytes) bytes; \(report.failures.count) kept by a failure")
        if !report.failures.isEmpty { throw ExitCode(1) }
    }

    private static func time(_ nanos: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: Double(nanos) / 1e9))
    }
}
