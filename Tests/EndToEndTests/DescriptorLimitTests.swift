@testable import calltap
import CalltapTestSupport
import Foundation
import Testing

/// `serve` gives HTTP only the descriptors `limits.reservedDescriptors` leaves under the soft
/// limit, after raising it to the hard one (issue 15).
@Suite struct DescriptorLimitTests {
    @Test func httpGetsWhatTheReserveLeavesAtMostTheConfiguredBound() {
        #expect(DescriptorLimit(soft: 1024, hard: 1024).httpConnections(configured: 5000, reserved: 400) == 624)
        #expect(DescriptorLimit(soft: 1_048_576, hard: 1_048_576).httpConnections(configured: 1000, reserved: 512) == 1000)
        #expect(DescriptorLimit(soft: 512, hard: 4096).httpConnections(configured: 1000, reserved: 512) == nil)
        #expect(DescriptorLimit(soft: Int.max, hard: Int.max).httpConnections(configured: 1000, reserved: 512) == 1000)
    }

    @Test func theSoftLimitIsRaisedToTheHardOne() throws {
        let after = try #require(DescriptorLimit.raiseSoftToHard())
        #expect(after.soft == after.hard || after.hard == Int.max, "\(after)")
    }

    /// Under `prlimit --nofile=300:300` a reserve of 512 leaves nothing: serve says so and exits 2
    /// before it captures.
    @Test func serveDoesNotStartWhenTheReserveTakesEveryDescriptor() throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-descriptors")
        let config = dir + "/calltap.yaml"
        try """
        capture: { interfaces: [lo] }
        storage: { root: "\(dir)/recordings" }
        http: { bind: "127.0.0.1:0" }
        limits: { reservedDescriptors: 512 }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let log = dir + "/serve.log"
        let status = try ChildProcess.run(["/usr/bin/prlimit", "--nofile=300:300", CalltapProcess.binary, "serve", "--config", config],
                                          logPath: log, timeout: 30)
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(status == 2, "\(output)")
        #expect(output.contains("the descriptor limit (soft 300, hard 300) leaves nothing for HTTP beside limits.reservedDescriptors (512)"),
                "\(output)")
    }
}
