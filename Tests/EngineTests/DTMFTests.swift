import CalltapTestSupport
import Engine
import Foundation
import Testing

/// DTMF digits reach the sidecar whether they travel in the media (RFC 4733) or in SIP INFO.
@Suite struct DTMFTests {
    @Test func rfc4733DigitsInOrderWithTheirTimes() throws {
        let replay = try EngineReplay("SIP_DTMF2.cap")
        let r = try #require(replay.recordings.first)
        let dtmf = try #require(r.json["Dtmf"] as? [[String: Any]])
        #expect(dtmf.map { $0["Digit"] as? String } == ["6", "7", "8", "9", "1", "2", "3"])
        #expect(dtmf.allSatisfy { $0["Method"] as? String == "rfc4733" && $0["Masked"] as? Bool == false })
        // tshark: the events start 4.70, 6.23, 6.71, 7.16, 7.76, 8.27 and 8.84 s after the call's first RTP packet.
        let times = dtmf.compactMap { $0["Time"] as? Double }
        for (t, expected) in zip(times, [4.70, 6.23, 6.71, 7.16, 7.76, 8.27, 8.84]) {
            #expect(abs(t - expected) < 0.03, "\(t) vs \(expected)")
        }
    }

    @Test func sipInfoDigitsFromEitherSide() throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-info")
        var pcap = CaptureFileWriter()
        let t0: Int64 = 1_700_000_000_000_000_000
        let caller = "10.0.0.1", callee = "10.0.0.2"
        // To comes last so that a response or in-dialog request can append its tag.
        let dialog = """
        From: <sip:1001@\(caller)>;tag=a1
        Call-ID: info-test@\(caller)
        To: <sip:2002@\(callee)>
        """
        func sdp(_ ip: String, _ port: Int) -> String {
            "v=0\no=- 1 1 IN IP4 \(ip)\ns=-\nc=IN IP4 \(ip)\nt=0 0\nm=audio \(port) RTP/AVP 0\na=rtpmap:0 PCMU/8000\n"
        }
        pcap.sip(t0, from: "\(caller):5060", to: "\(callee):5060", """
        INVITE sip:2002@\(callee) SIP/2.0
        Via: SIP/2.0/UDP \(caller):5060;branch=z9hG4bK1
        \(dialog)
        CSeq: 1 INVITE
        Content-Type: application/sdp
        """, body: sdp(caller, 4000))
        pcap.sip(t0 + 10_000_000, from: "\(callee):5060", to: "\(caller):5060", """
        SIP/2.0 200 OK
        Via: SIP/2.0/UDP \(caller):5060;branch=z9hG4bK1
        \(dialog);tag=b2
        CSeq: 1 INVITE
        Content-Type: application/sdp
        """, body: sdp(callee, 5000))
        for i in 0..<100 {
            let at = t0 + 20_000_000 + Int64(i) * 20_000_000
            for (from, to, hz, ssrc) in [("\(caller):4000", "\(callee):5000", 700.0, UInt32(1)), ("\(callee):5000", "\(caller):4000", 1100.0, UInt32(2))] {
                let samples = ToneSynthesis.sine(frequency: hz, offset: i * 160, count: 160).map(ToneSynthesis.muLaw)
                pcap.udp(at, from: from, to: to, payload: ToneSynthesis.rtp(payloadType: 0, sequence: UInt16(i), timestamp: UInt32(i * 160), ssrc: ssrc, payload: samples))
            }
            if i == 50 {
                pcap.sip(at + 1_000_000, from: "\(caller):5060", to: "\(callee):5060", """
                INFO sip:2002@\(callee) SIP/2.0
                Via: SIP/2.0/UDP \(caller):5060;branch=z9hG4bK2
                \(dialog);tag=b2
                CSeq: 2 INFO
                Content-Type: application/dtmf-relay
                """, body: "Signal=5\nDuration=160\n")
            }
            if i == 75 {
                pcap.sip(at + 1_000_000, from: "\(callee):5060", to: "\(caller):5060", """
                INFO sip:1001@\(caller) SIP/2.0
                Via: SIP/2.0/UDP \(callee):5060;branch=z9hG4bK3
                From: <sip:2002@\(callee)>;tag=b2
                To: <sip:1001@\(caller)>;tag=a1
                Call-ID: info-test@\(caller)
                CSeq: 1 INFO
                Content-Type: application/dtmf
                """, body: "#")
            }
        }
        pcap.sip(t0 + 2_100_000_000, from: "\(caller):5060", to: "\(callee):5060", """
        BYE sip:2002@\(callee) SIP/2.0
        Via: SIP/2.0/UDP \(caller):5060;branch=z9hG4bK4
        \(dialog);tag=b2
        CSeq: 3 BYE
        """)
        try pcap.write(to: dir + "/info.pcap")

        var configuration = EngineConfiguration()
        configuration.storageRoot = dir + "/out"
        let summary = CaptureEngine(configuration: configuration).replay(try PcapSource.open(file: dir + "/info.pcap"))
        #expect(summary.recordings == 1)
        let r = try #require(try RecordedCall.all(under: dir + "/out").first)
        let dtmf = try #require(r.json["Dtmf"] as? [[String: Any]])
        #expect(dtmf.map { $0["Digit"] as? String } == ["5", "#"])
        #expect(dtmf.map { $0["Method"] as? String } == ["sip-info", "sip-info"])
        #expect(dtmf.map { $0["Channel"] as? Int } == [0, 1])
        let times = dtmf.compactMap { $0["Time"] as? Double }
        #expect(abs(times[0] - 1.001) < 0.002 && abs(times[1] - 1.501) < 0.002)
        #expect(dtmf.first?["Duration"] as? Double == 0.16)
        // The call itself: each side's tone in its channel.
        #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: 0, from: 0.2, to: 1.8), sampleRate: 8000) == 700)
        #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: 1, from: 0.2, to: 1.8), sampleRate: 8000) == 1100)
    }
}
