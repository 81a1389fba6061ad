import ArgumentParser
import Control
import Foundation

/// `calltap check-config FILE`: checks a configuration file and lists every problem in it.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a configuration file: exit 0 with a summary, or 2 with every problem, one per line."
    )

    @Argument(help: "The YAML configuration file.")
    var file: String

    func run() throws {
        do throws(ConfigurationError) {
            let configuration = try ConfigurationFile.load(path: file)
            print("\(file): valid (\(Self.summary(of: configuration)))")
        } catch {
            FileHandle.standardError.write(Data(error.lines.map { $0 + "\n" }.joined().utf8))
            throw ExitCode(2)
        }
    }

    /// `2 agents, capture on eth1, http on 127.0.0.1:8080`.
    static func summary(of configuration: ServerConfiguration) -> String {
        let agents = configuration.agents.count == 1 ? "1 agent" : "\(configuration.agents.count) agents"
        let interfaces = configuration.capture.interfaces
        let capture = interfaces.isEmpty ? "no capture interface" : "capture on " + interfaces.joined(separator: " and ")
        return "\(agents), \(capture), http on \(configuration.http.bind)"
    }
}
