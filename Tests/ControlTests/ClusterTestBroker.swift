import CalltapTestSupport
import Control
import Foundation

/// The broker `make test` starts (Tests/broker.sh): its URL from `CALLTAP_TEST_BROKER`, and
/// `rabbitmqctl` through the same script to take it away and bring it back.
enum ClusterTestBroker {
    static let url = ProcessInfo.processInfo.environment["CALLTAP_TEST_BROKER"]

    /// Unique names per test, so tests never see each other's messages.
    static func settings(_ serverId: String, test: String) -> BrokerSettings {
        var settings = BrokerSettings(url: url ?? "amqp://127.0.0.1:5679/", serverId: serverId)
        let unique = "\(test).\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max))"
        settings.blackoutExchange = "test.blackouts.\(unique)"
        settings.screenExchange = "test.screen.\(unique)"
        settings.reconnectDelaySeconds = 0.1
        settings.maxReconnectDelaySeconds = 0.5
        settings.drainSeconds = 1
        return settings
    }

    /// Runs `Tests/broker.sh ctl ARGS` (bounded by rabbitmqctl's own timeout and ours).
    static func ctl(_ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [RepositoryPaths.root.appendingPathComponent("Tests/broker.sh").path, "ctl", "-t", "60"] + arguments
        try process.run()
        let deadline = Date().addingTimeInterval(90)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            process.terminate()
            throw BrokerTestError("rabbitmqctl \(arguments.joined(separator: " ")) did not finish in 90 s")
        }
        guard process.terminationStatus == 0 else {
            throw BrokerTestError("rabbitmqctl \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
        }
    }

    /// Waits, polling, until `condition` holds or `seconds` pass; says whether it held.
    static func eventually(within seconds: Double = 20, _ condition: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        return condition()
    }
}

struct BrokerTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
