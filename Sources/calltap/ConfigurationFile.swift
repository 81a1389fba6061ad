import Control
import Foundation
import Yams

/// The YAML configuration file (Config/calltap.yaml documents every key). It is read through
/// Yams' node API, which keeps line numbers, and checked as a whole: a file with problems is
/// rejected with every one of them, each as `FILE:LINE: key.path: what is wrong`.
enum ConfigurationFile {
    /// Where `serve` and `backup` read the configuration without `--config` (the package installs it there).
    static let defaultPath = "/etc/calltap/calltap.yaml"

    /// Reads and checks the file at `path`; `path` as given names the file in problems.
    static func load(path: String) throws(ConfigurationError) -> ServerConfiguration {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .unreadable(file: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .unreadable(file: path, reason: "is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(file: path, reason: "permission denied or unreadable")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .invalid([ConfigurationProblem(file: path, line: 1, path: "", message: "not UTF-8 text")])
        }
        return try parse(text, file: path)
    }

    /// Checks configuration text; `file` names it in problems. An empty text gives every default.
    static func parse(_ text: String, file: String) throws(ConfigurationError) -> ServerConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw .invalid([syntaxProblem(error, text: text, file: file)])
        } catch {
            throw .invalid([ConfigurationProblem(file: file, line: 1, path: "", message: "YAML: \(error)")])
        }
        var configuration = ServerConfiguration()
        let reader = ConfigurationReader(file: file)
        if let sections = reader.section(root, at: .root, keys: sectionNames) {
            reader.readCapture(sections["capture"], into: &configuration)
            reader.readStorage(sections["storage"], into: &configuration)
            reader.readHTTP(sections["http"], into: &configuration)
            reader.readTimeZone(sections["timezone"], into: &configuration)
            reader.readDialPlan(sections["dialPlan"], into: &configuration)
            reader.readCalls(sections["calls"], into: &configuration)
            reader.readBlackout(sections["blackout"], into: &configuration)
            reader.readFaceToFace(sections["f2f"], into: &configuration)
            reader.readCluster(sections["cluster"], into: &configuration)
            reader.readNotify(sections["notify"], into: &configuration)
            reader.readLimits(sections["limits"], into: &configuration)
            reader.readMedia(sections["media"], into: &configuration)
            reader.readAudit(sections["audit"], into: &configuration)
            reader.readRecording(sections["recording"], into: &configuration)
            reader.readBusinessUnits(sections["businessUnits"], into: &configuration)
            // Last: an agent's phone goes through the dial plan, its policy falls back on the above.
            reader.readAgents(sections["agents"], into: &configuration)
            reader.checkRetention(configuration, storage: sections["storage"])
        }
        var problems: [ConfigurationProblem] = []
        for problem in reader.problems where !problems.contains(problem) { problems.append(problem) }
        guard problems.isEmpty else {
            throw .invalid(problems.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element))
        }
        return configuration
    }

    /// The top-level keys.
    static let sectionNames = [
        "capture", "storage", "http", "timezone", "dialPlan", "calls", "blackout", "f2f", "cluster",
        "limits", "media", "audit", "recording", "businessUnits", "agents", "notify",
    ]

    /// A YAML syntax error as a problem, on the line Yams names.
    private static func syntaxProblem(_ error: YamlError, text: String, file: String) -> ConfigurationProblem {
        func problem(_ line: Int, _ message: String) -> ConfigurationProblem {
            ConfigurationProblem(file: file, line: line, path: "", message: "YAML syntax: " + message)
        }
        switch error {
        case .scanner(let context, let what, let mark, _), .parser(let context, let what, let mark, _),
             .composer(let context, let what, let mark, _):
            var message = "\(what) (column \(mark.column))"
            if let context { message += ", \(context.text) on line \(context.mark.line)" }
            return problem(mark.line, message)
        case .reader(let what, let offset, _, _):
            let line = offset.map { text.prefix($0).reduce(1) { $1 == "\n" ? $0 + 1 : $0 } } ?? 1
            return problem(line, what)
        default:
            return problem(1, "\(error)")
        }
    }
}
