import CalltapTestSupport
import Engine
import Foundation

/// Replays a capture through the engine in this process and reads back what it wrote.
struct EngineReplay {
    var summary: ReplaySummary
    var recordings: [RecordedCall]
    var directory: String

    init(_ capture: String, configure: (inout EngineConfiguration) -> Void = { _ in }) throws {
        directory = RepositoryPaths.temporaryDirectory("calltap-engine")
        var configuration = EngineConfiguration()
        configuration.storageRoot = directory
        configuration.mediaWorkers = 2
        configure(&configuration)
        let source = try PcapSource.open(file: RepositoryPaths.capture(capture))
        summary = CaptureEngine(configuration: configuration).replay(source)
        recordings = try RecordedCall.all(under: directory)
    }

    func recording(_ callInstance: String) -> RecordedCall? {
        recordings.first { $0.callInstance == callInstance }
    }
}
