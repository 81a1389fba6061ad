import ArgumentParser

/// The `calltap` command: a passive SIP/RTP call recorder.
@main
struct Calltap: AsyncParsableCommand {
    /// This build's version (`calltap --version`).
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "calltap",
        abstract: "A passive SIP/RTP call recorder.",
        version: version,
        subcommands: [ReplayCommand.self, ServeCommand.self, CheckConfigCommand.self, DeskStreamCommand.self, BackupCommand.self, SweepCommand.self, VerifyCommand.self, ExportCommand.self]
    )
}
