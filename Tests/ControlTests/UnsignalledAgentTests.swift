import CalltapTestSupport
import Control
import Engine
import Foundation
import Testing

/// A call known only from its media (the capture began after its set-up) involves an agent
/// when the agent's phone registered from one of its addresses: the agent's policy applies,
/// while calls between unknown addresses follow `calls.recordWithoutAgent`.
@Suite struct UnsignalledAgentTests {
    let t0: Int64 = 1_700_000_000_000_000_000
    func at(_ s: Double) -> Int64 { t0 + Int64(s * 1e9) }

    func register(_ w: inout CaptureFileWriter, _ t: Double, user: String, ip: String, expires: Int = 3600) {
        w.sip(at(t), from: "\(ip):5060", to: "10.0.9.9:5060", """
            REGISTER sip:10.0.9.9 SIP/2.0
            Via: SIP/2.0/UDP \(ip):5060;branch=z9hG4bK-reg-\(user)-\(expires)
            From: <sip:\(user)@10.0.9.9>;tag=r-\(user)
            To: <sip:\(user)@10.0.9.9>
            Call-ID: reg-\(user)
            CSeq: \(expires == 0 ? 2 : 1) REGISTER
            Contact: <sip:\(user)@\(ip):5060>;expires=\(expires)
            """)
    }

    /// 2 s of a tone each way between `a` and `b` (RTP ports 4000 and 5000) from `start`.
    func media(_ w: inout CaptureFileWriter, _ start: Double, _ a: String, _ b: String, hz: (Double, Double)) {
        for i in 0..<100 {
            for (from, to, tone, ssrc) in [("\(a):4000", "\(b):5000", hz.0, UInt32(1)), ("\(b):5000", "\(a):4000", hz.1, UInt32(2))] {
                let samples = ToneSynthesis.sine(frequency: tone, offset: i * 160, count: 160).map(ToneSynthesis.muLaw)
                w.udp(at(start + Double(i) * 0.02), from: from, to: to,
                      payload: ToneSynthesis.rtp(payloadType: 0, sequence: UInt16(i), timestamp: UInt32(i * 160), ssrc: ssrc, payload: samples))
            }
        }
    }

    @Test func theAgentsPolicyAppliesByTheAddressItsPhoneRegisteredFrom() throws {
        var w = CaptureFileWriter()
        register(&w, 0, user: "2002", ip: "10.0.0.2")
        register(&w, 0.1, user: "3003", ip: "10.0.0.3")
        register(&w, 0.2, user: "3003", ip: "10.0.0.3", expires: 0)   // unregistered again
        media(&w, 1, "10.0.0.1", "10.0.0.2", hz: (700, 1300))   // a customer and agent 2002
        media(&w, 1, "10.0.0.5", "10.0.0.3", hz: (500, 900))    // 3003's old address: nobody now
        media(&w, 1, "10.0.0.6", "10.0.0.7", hz: (600, 1000))   // unknown phones
        let dir = RepositoryPaths.temporaryDirectory("calltap-unsignalled-agent")
        try w.write(to: dir + "/calls.pcap", inTimeOrder: true)

        var configuration = ServerConfiguration()
        configuration.engine.storageRoot = dir + "/recordings"
        configuration.engine.mediaWorkers = 1
        configuration.engine.recordWithoutAgent = false
        configuration.agents = [AgentProfile(id: 2, phone: "2002", policy: .always),
                                AgentProfile(id: 3, phone: "3003", policy: .always)]
        let engine = CaptureEngine(configuration: configuration.engine)
        // The control plane observes the engine while it runs: its tracker applies the policies.
        let plane = ControlPlane(configuration: configuration, engine: engine, store: nil)
        let summary = try withExtendedLifetime(plane) {
            engine.run(try PcapSource.open(file: dir + "/calls.pcap"), schedule: [])
        }
        #expect(summary.calls == 3)

        let recordings = try RecordedCall.all(under: dir + "/recordings")
        #expect(recordings.count == 1)
        let r = try #require(recordings.first)
        #expect(r.json["AgentId"] as? Int == 2)
        #expect(r.json["Signalling"] as? String == "none")
        #expect(r.metadata["ani"] == "" && r.metadata["dnis"] == "")
        // The agent is the left channel, as on any call of its.
        #expect((r.json["Audio"] as? [String: Any])?["ChannelRoles"] as? [String] == ["agent", "customer"])
        #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: 0, from: 0.2, to: 1.8), sampleRate: 8000) == 1300)
        #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: 1, from: 0.2, to: 1.8), sampleRate: 8000) == 700)
    }
}
