import Foundation

/// A capture made by the benchmark's generator (Benchmarks/generate_capture.py) with its
/// description of every call beside it (`<name>.calls.json`).
public struct GeneratedCapture {
    public let path: String
    /// The generator's description: `calls`, each with its `caller` and `callee` streams.
    public let description: [String: Any]

    public var calls: [[String: Any]] { description["calls"] as? [[String: Any]] ?? [] }

    /// Runs the generator with `arguments` (`--calls`, `--seconds`, `--codec`, …) into `directory/name.pcap`.
    public init(in directory: String, name: String, _ arguments: [String]) throws {
        path = directory + "/" + name + ".pcap"
        let generator = Process()
        generator.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        generator.arguments = ["python3", RepositoryPaths.root.appendingPathComponent("Benchmarks/generate_capture.py").path]
            + arguments + ["--out", path]
        generator.standardOutput = FileHandle.nullDevice
        generator.standardError = FileHandle.nullDevice
        try generator.run()
        generator.waitUntilExit()
        guard generator.terminationStatus == 0 else {
            throw TestSupportError("generate_capture.py \(arguments.joined(separator: " ")) exited \(generator.terminationStatus)")
        }
        let json = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name + ".calls.json"))
        guard let object = try JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw TestSupportError("\(name).calls.json is not a JSON object")
        }
        description = object
    }
}
