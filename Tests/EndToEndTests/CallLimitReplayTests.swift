import CalltapTestSupport
import Foundation
import Testing

/// `limits.maxCalls` reaches `calltap replay` through `--config`, and the summary counts what a
/// full call table gave up and refused.
@Suite struct CallLimitReplayTests {
    func invite(_ pcap: inout CaptureFileWriter, _ id: String, at seconds: Double) {
        pcap.sip(Int64(seconds * 1e9) + 1_700_000_000_000_000_000, from: "10.0.0.1:5060", to: "10.0.0.2:5060", """
        INVITE sip:2002@10.0.0.2 SIP/2.0
        Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK\(id)
        From: <sip:1001@10.0.0.1>;tag=a-\(id)
        To: <sip:2002@10.0.0.2>
        Call-ID: \(id)
        CSeq: 1 INVITE
        """)
    }

    func answer(_ pcap: inout CaptureFileWriter, _ id: String, at seconds: Double) {
        pcap.sip(Int64(seconds * 1e9) + 1_700_000_000_000_000_000, from: "10.0.0.2:5060", to: "10.0.0.1:5060", """
        SIP/2.0 200 OK
        Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK\(id)
        From: <sip:1001@10.0.0.1>;tag=a-\(id)
        To: <sip:2002@10.0.0.2>;tag=b-\(id)
        Call-ID: \(id)
        CSeq: 1 INVITE
        """)
    }

    @Test func replayTakesTheLimitFromItsConfiguration() throws {
        let dir = RepositoryPaths.temporaryDirectory()
        var pcap = CaptureFileWriter()
        invite(&pcap, "a", at: 0)
        answer(&pcap, "a", at: 0.1)
        invite(&pcap, "b", at: 0.2)
        answer(&pcap, "b", at: 0.3)
        invite(&pcap, "c", at: 0.4)      // rings: the table (3) is full
        invite(&pcap, "d", at: 0.5)      // takes c's place
        answer(&pcap, "d", at: 0.6)
        invite(&pcap, "e", at: 0.7)      // three answered calls: refused
        invite(&pcap, "e", at: 1.2)      // and its retransmission
        try pcap.write(to: dir + "/calls.pcap")
        try "limits:\n  maxCalls: 3\n".write(toFile: dir + "/calltap.yaml", atomically: true, encoding: .utf8)

        let (outcome, summary) = try CalltapProcess.replay(dir + "/calls.pcap", out: dir + "/out",
                                                           extra: ["--config", dir + "/calltap.yaml"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(summary["Calls"] as? Int == 4)
        #expect(summary["CallsEvicted"] as? Int == 1)
        #expect((summary["NotUsed"] as? [String: Int])?["tooManyCalls"] == 2)

        // Without the configuration the default limit (100000) takes every call.
        let (_, unlimited) = try CalltapProcess.replay(dir + "/calls.pcap", out: dir + "/out2")
        #expect(unlimited["Calls"] as? Int == 5)
        #expect(unlimited["CallsEvicted"] as? Int == 0)
        #expect((unlimited["NotUsed"] as? [String: Int])?["tooManyCalls"] == nil)

        let text = try CalltapProcess.run(["replay", dir + "/calls.pcap", "--out", dir + "/out3", "--config", dir + "/calltap.yaml"])
        #expect(text.standardOutput.contains("calls seen      4 (1 evicted from a full table)"))
        #expect(text.standardOutput.contains("tooManyCalls 2"))
    }
}
