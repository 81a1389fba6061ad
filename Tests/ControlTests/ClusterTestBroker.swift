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
        let what = "rabbitmqctl \(arguments.joined(separator: " "))"
        let logPath = NSTemporaryDirectory() + "calltap-broker-ctl-\(ProcessInfo.processInfo.processIdentifier).log"
        let status: Int32
        do {
            status = try ChildProcess.run(["/bin/bash", RepositoryPaths.root.appendingPathComponent("Tests/broker.sh").path,
                                           "ctl", "-t", "60"] + arguments, logPath: logPath, timeout: 90)
        } catch {
            throw BrokerTestError("\(what): \(error)")
        }
        guard status == 0 else {
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw BrokerTestError("\(what) exited \(status): \(log.suffix(1000))")
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
