import Control
import Foundation
import Yams

extension ConfigurationReader {
    /// `storage.retention`: how long recordings are kept by default, what then happens to them,
    /// where `move` puts them and how often the sweeper runs; and `storage.whenFull`.
    func readRetention(_ node: Node?, whenFull: Node?, at storage: ConfigurationSection, into configuration: inout ServerConfiguration) {
        if let choice: SweepSettings.WhenFull = choice(whenFull, at: storage.path("whenFull"), noun: "whenFull action") {
            configuration.sweep.whenFull = choice
        }
        guard let section = section(node, at: storage.path("retention"), keys: [
            "defaultDays", "archiveAction", "archiveRoot", "sweepIntervalSeconds",
        ]) else { return }
        if let days = integer(section["defaultDays"], at: section.path("defaultDays"), in: 0...RecordingRetention.maximumDays) {
            configuration.policies.retention.defaultDays = days
        }
        if let action: ArchiveAction = choice(section["archiveAction"], at: section.path("archiveAction"), noun: "archive action") {
            configuration.policies.retention.defaultAction = action
        }
        if let archiveRoot = text(section["archiveRoot"], at: section.path("archiveRoot"), allowEmpty: false), let node = section["archiveRoot"] {
            if archiveRoot.hasPrefix("/") {
                configuration.sweep.archiveRoot = archiveRoot
            } else {
                report("archiveRoot '\(archiveRoot)' must be an absolute path", at: section.path("archiveRoot"), node: node)
            }
        }
        if let interval = seconds(section["sweepIntervalSeconds"], at: section.path("sweepIntervalSeconds"),
                                  minimum: 1, inclusive: true, maximum: 86_400) {
            configuration.sweep.intervalSeconds = interval
        }
    }

    /// `audit`: how many days the audit trail keeps (`keepDays`, 1 to 36500, default 365; null:
    /// for ever). The sweeper prunes it.
    func readAudit(_ node: Node?, into configuration: inout ServerConfiguration) {
        guard let section = section(node, at: .root.key("audit"), keys: ["keepDays"]) else { return }
        guard let node = section["keepDays"] else { return }
        if node.tagName == .null {
            configuration.sweep.auditKeepDays = nil
        } else if let days = integer(node, at: section.path("keepDays"), in: 1...RecordingRetention.maximumDays) {
            configuration.sweep.auditKeepDays = days
        }
    }

    /// An agent's or a business unit's `keepDays` and `archiveAction`.
    func readRetentionChoice(_ entry: ConfigurationSection) -> RetentionChoice? {
        let days = integer(entry["keepDays"], at: entry.path("keepDays"), in: 0...RecordingRetention.maximumDays)
        let action: ArchiveAction? = choice(entry["archiveAction"], at: entry.path("archiveAction"), noun: "archive action")
        return days == nil && action == nil ? nil : RetentionChoice(keepDays: days, action: action)
    }

    /// What one setting says against another: a `move` needs an archive root, and the archive
    /// cannot be the storage root or inside it (the sweeper would sweep its own archive).
    /// `storage` is the storage section's node, for the line a problem is shown on.
    func checkRetention(_ configuration: ServerConfiguration, storage: Node?) {
        let line = storage.map(Self.line(of:)) ?? 1
        let path = ConfigurationPath.root.key("storage").key("retention").key("archiveRoot")
        guard let archiveRoot = configuration.sweep.archiveRoot else {
            if configuration.policies.retention.anyMoves || configuration.agents.contains(where: { $0.retention?.action == .move }) {
                report("archiveAction 'move' needs an archive root", at: path, line: line)
            }
            return
        }
        let root = URL(fileURLWithPath: configuration.engine.storageRoot).standardizedFileURL.path
        let archive = URL(fileURLWithPath: archiveRoot).standardizedFileURL.path
        if archive == root || archive.hasPrefix(root + "/") {
            report("archiveRoot '\(archiveRoot)' is the storage root or inside it", at: path, line: line)
        }
    }
}
