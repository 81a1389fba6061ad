import ArgumentParser

/// The `calltap` command: a passive SIP/RTP call recorder.
@main
struct Calltap: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calltap",
        abstract: "A passive SIP/RTP call recorder.",
        subcommands: [ReplayCommand.self, ServeCommand.self, CheckConfigCommand.self, DeskStreamCommand.self]
    )
}
