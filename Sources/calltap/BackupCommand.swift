import ArgumentParser
import Control
import Foundation

/// `calltap backup DIR`: a consistent copy of the tracker's database (agents, the agent
/// directory, live calls, the recordings index) while `serve` runs, as
/// `DIR/calltap-<UTC time>.sqlite`. Restoring is copying it back as `<storage root>/calltap.sqlite`
/// while `serve` is stopped (README, "Backups").
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the tracker's database, consistently, while the server runs."
    )

    @Option(help: "The YAML configuration file, which names the storage root.")
    var config: String = ConfigurationFile.defaultPath

    @Argument(help: "The folder to write the copy into (created if missing).")
    var directory: String

    func run() throws {
        let configuration: ServerConfiguration
        do {
            configuration = try ConfigurationFile.load(path: config)
        } catch {
            throw CommandFailure.exit(error.description)
        }
        let source = (configuration.engine.storageRoot as NSString).appendingPathComponent(SQLiteTrackerStore.fileName)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let destination = (directory as NSString).appendingPathComponent("calltap-\(formatter.string(from: Date())).sqlite")
        let summary: TrackerBackup.Summary
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            summary = try TrackerBackup.copy(from: source, to: destination)
        } catch {
            throw CommandFailure.exit("cannot back up \(source): \(error)")
        }
        guard summary.integrity == "ok" else {
            throw CommandFailure.exit("the copy \(destination) fails SQLite's integrity check: \(summary.integrity)")
        }
        print("\(destination): \(summary.agents) agents, \(summary.directoryEntries) directory entries, "
              + "\(summary.calls) live calls, \(summary.recordings) recordings; integrity ok")
    }
}
