import Foundation

/// Runs the built `calltap` binary, as a user's script would.
public enum CalltapProcess {
    public struct Outcome {
        public var status: Int32
        public var standardOutput: String
        public var standardError: String
    }

    /// The `calltap` built beside the test bundle.
    public static var binary: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first ?? "")
        var dir = bundle.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("calltap").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return RepositoryPaths.root.appendingPathComponent(".build/debug/calltap").path
    }

    public static func run(_ arguments: [String]) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus,
                       standardOutput: String(decoding: outData, as: UTF8.self),
                       standardError: String(decoding: errData, as: UTF8.self))
    }

    /// `calltap replay CAPTURE --out DIR --json`, with the summary parsed.
    public static func replay(_ capture: String, out: String, extra: [String] = []) throws -> (Outcome, [String: Any]) {
        let outcome = try run(["replay", capture, "--out", out, "--json"] + extra)
        let summary = (try? JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8))) as? [String: Any] ?? [:]
        return (outcome, summary)
    }
}
