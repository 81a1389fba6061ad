import CalltapTestSupport
import Foundation
import Testing

/// `calltap check-config FILE` and `calltap replay --config FILE` as scripts run them.
@Suite struct CheckConfigCommandTests {
    static var mainConfiguration: String { RepositoryPaths.root.appendingPathComponent("Config/calltap.yaml").path }
    static var example: String { RepositoryPaths.root.appendingPathComponent("Config/examples/contact-centre.yaml").path }

    func write(_ text: String, as name: String) throws -> String {
        let path = RepositoryPaths.temporaryDirectory() + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func validFilesExitZeroWithASummary() throws {
        let main = try CalltapProcess.run(["check-config", Self.mainConfiguration])
        #expect(main.status == 0)
        #expect(main.standardOutput == "\(Self.mainConfiguration): valid (0 agents, capture on eth1, http on 127.0.0.1:8080)\n")
        #expect(main.standardError.isEmpty)

        let example = try CalltapProcess.run(["check-config", Self.example])
        #expect(example.status == 0)
        #expect(example.standardOutput == "\(Self.example): valid (5 agents, capture on eth1 and eth2, http on 0.0.0.0:8443)\n")

        let empty = try write("", as: "empty.yaml")
        let outcome = try CalltapProcess.run(["check-config", empty])
        #expect(outcome.status == 0)
        #expect(outcome.standardOutput == "\(empty): valid (0 agents, no capture interface, http on 127.0.0.1:8080)\n")
    }

    @Test func invalidFileExitsTwoWithEveryProblem() throws {
        let path = try write("""
            calls:
              idleTimeoutSecond: 30
            http:
              bind: "[::1]:8080"
              keys:
                - { key: abc, role: owner }
            agents:
              - { id: 2, phone: "5003", policy: sometimes }
            """, as: "bad.yaml")
        let outcome = try CalltapProcess.run(["check-config", path])
        #expect(outcome.status == 2)
        #expect(outcome.standardOutput.isEmpty)
        #expect(outcome.standardError == """
            \(path):2: calls.idleTimeoutSecond: unknown key 'idleTimeoutSecond' under calls (did you mean 'idleTimeoutSeconds'?)
            \(path):6: http.keys[0].role: unknown role 'owner' (read, control, admin)
            \(path):8: agents[0].policy: unknown policy 'sometimes' (always, on-demand)

            """)
    }

    @Test func unreadableAndMalformedFilesExitTwo() throws {
        let dir = RepositoryPaths.temporaryDirectory()
        let missing = try CalltapProcess.run(["check-config", dir + "/missing.yaml"])
        #expect(missing.status == 2)
        #expect(missing.standardError == "cannot read configuration \(dir)/missing.yaml: no such file\n")
        let directory = try CalltapProcess.run(["check-config", dir])
        #expect(directory.status == 2)
        #expect(directory.standardError == "cannot read configuration \(dir): is a directory\n")
        let syntax = try write("storage:\n  root: [unclosed\n", as: "syntax.yaml")
        let broken = try CalltapProcess.run(["check-config", syntax])
        #expect(broken.status == 2)
        #expect(broken.standardError.split(separator: "\n").count == 1)
        #expect(broken.standardError.hasPrefix("\(syntax):3: YAML syntax: "), "\(broken.standardError)")
    }

    @Test func replayStillReadsTheConfiguration() throws {
        let out = RepositoryPaths.temporaryDirectory()
        // The shipped file: the replay records as before (--out wins over storage.root).
        let (outcome, summary) = try CalltapProcess.replay(RepositoryPaths.capture("nb6-telephone.pcap"), out: out,
                                                           extra: ["--config", Self.mainConfiguration])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(summary["Recordings"] as? Int == 1)
        #expect(RepositoryPaths.files(under: out, withExtension: "wav").count == 1)

        // A flac configuration changes what the replay writes.
        let flac = try write("storage: { format: flac }\ncluster: { serverId: other }\n", as: "flac.yaml")
        let flacOut = RepositoryPaths.temporaryDirectory()
        let (flacOutcome, _) = try CalltapProcess.replay(RepositoryPaths.capture("nb6-telephone.pcap"), out: flacOut,
                                                         extra: ["--config", flac])
        #expect(flacOutcome.status == 0)
        #expect(RepositoryPaths.files(under: flacOut, withExtension: "flac").count == 1)
        #expect(RepositoryPaths.files(under: flacOut, withExtension: "wav").isEmpty)

        // An invalid one stops it with every problem, and nothing is written.
        let bad = try write("storage: { format: mp3 }\ncalls: { idleTimeoutSeconds: -1 }\n", as: "bad.yaml")
        let badOut = RepositoryPaths.temporaryDirectory()
        let failed = try CalltapProcess.run(["replay", RepositoryPaths.capture("nb6-telephone.pcap"), "--config", bad, "--out", badOut])
        #expect(failed.status == 2)
        #expect(failed.standardOutput.isEmpty)
        #expect(failed.standardError == """
            calltap: \(bad):1: storage.format: unknown format 'mp3' (wav, wav-ulaw, wav-alaw, flac, ogg-opus)
            \(bad):2: calls.idleTimeoutSeconds: must be more than 0 and at most 86400 seconds, not -1

            """)
        #expect(RepositoryPaths.files(under: badOut, withExtension: "wav").isEmpty)
    }
}
