import CalltapTestSupport
import Engine
import Foundation
import Testing

/// Encryption is decided per stream. An SBC that terminates SRTP from a softphone and relays
/// plain RTP to the PBX under one Call-ID (kamailio with rtpengine does this): the plain leg
/// carries both voices and is recorded; the encrypted leg is named, never decoded as noise.
@Suite struct MixedEncryptionTests {
    let phone = "10.0.0.1", sbc = "10.0.0.9", pbx = "10.0.0.2"
    let t0: Int64 = 1_700_000_000_000_000_000

    func at(_ seconds: Double) -> Int64 { t0 + Int64((seconds * 1e9).rounded()) }

    func sdp(_ ip: String, _ port: Int, srtp: Bool) -> String {
        "v=0\no=- 1 1 IN IP4 \(ip)\ns=-\nc=IN IP4 \(ip)\nt=0 0\nm=audio \(port) \(srtp ? "RTP/SAVP" : "RTP/AVP") 0\na=rtpmap:0 PCMU/8000\n"
            + (srtp ? "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVzcyAoc2VuZG1zZ3Q=\n" : "")
    }

    /// A message of the call as one hop sends it; `via` lists the hops it passed, newest first.
    func message(_ firstLine: String, via: [String], toTag: String?, cseq: String, sdp: Bool = false) -> String {
        ([firstLine] + via.map { "Via: SIP/2.0/UDP \($0):5060;branch=z9hG4bK-\($0)-\(cseq.hashValue & 0xFFFF)" } + [
            "From: <sip:1001@\(phone)>;tag=a1", "To: <sip:2002@\(pbx)>" + (toTag.map { ";tag=\($0)" } ?? ""),
            "Call-ID: mixed@\(phone)", "CSeq: \(cseq)", "Contact: <sip:1001@\(via.last ?? phone):5060>",
        ] + (sdp ? ["Content-Type: application/sdp"] : [])).joined(separator: "\n")
    }

    @Test func thePlainLegOfACallWithAnEncryptedLegIsRecorded() throws {
        var pcap = CaptureFileWriter()
        let invite = "INVITE sip:2002@\(pbx) SIP/2.0"
        pcap.sip(at(0), from: "\(phone):5060", to: "\(sbc):5060",
                 message(invite, via: [phone], toTag: nil, cseq: "1 INVITE", sdp: true), body: sdp(phone, 4000, srtp: true))
        pcap.sip(at(0.01), from: "\(sbc):5060", to: "\(pbx):5060",
                 message(invite, via: [sbc, phone], toTag: nil, cseq: "1 INVITE", sdp: true), body: sdp(sbc, 30000, srtp: false))
        pcap.sip(at(0.05), from: "\(pbx):5060", to: "\(sbc):5060",
                 message("SIP/2.0 200 OK", via: [sbc, phone], toTag: "b2", cseq: "1 INVITE", sdp: true), body: sdp(pbx, 5000, srtp: false))
        pcap.sip(at(0.06), from: "\(sbc):5060", to: "\(phone):5060",
                 message("SIP/2.0 200 OK", via: [phone], toTag: "b2", cseq: "1 INVITE", sdp: true), body: sdp(sbc, 30002, srtp: true))
        // Two seconds of media: ciphertext on the phone's leg, the same voices in the clear on
        // the PBX's leg (700 Hz from the phone, 1100 Hz from the PBX).
        var random = SeededGenerator(seed: 7)
        for i in 0..<100 {
            let t = 0.1 + Double(i) * 0.02
            func tone(_ hz: Double) -> [UInt8] { ToneSynthesis.sine(frequency: hz, offset: i * 160, count: 160).map(ToneSynthesis.muLaw) }
            func rtp(_ ssrc: UInt32, _ payload: [UInt8]) -> [UInt8] {
                ToneSynthesis.rtp(payloadType: 0, sequence: UInt16(i), timestamp: UInt32(i * 160), ssrc: ssrc, payload: payload)
            }
            let cipher = (0..<170).map { _ in UInt8.random(in: 0...255, using: &random) }
            pcap.udp(at(t), from: "\(phone):4000", to: "\(sbc):30002", payload: rtp(0x11, cipher))
            pcap.udp(at(t + 0.001), from: "\(sbc):30000", to: "\(pbx):5000", payload: rtp(0x22, tone(700)))
            pcap.udp(at(t + 0.005), from: "\(pbx):5000", to: "\(sbc):30000", payload: rtp(0x33, tone(1100)))
            pcap.udp(at(t + 0.006), from: "\(sbc):30002", to: "\(phone):4000", payload: rtp(0x44, cipher))
        }
        pcap.sip(at(2.2), from: "\(phone):5060", to: "\(sbc):5060", message("BYE sip:2002@\(pbx) SIP/2.0", via: [phone], toTag: "b2", cseq: "2 BYE"))
        pcap.sip(at(2.21), from: "\(sbc):5060", to: "\(pbx):5060", message("BYE sip:2002@\(pbx) SIP/2.0", via: [sbc, phone], toTag: "b2", cseq: "2 BYE"))
        pcap.sip(at(2.22), from: "\(pbx):5060", to: "\(sbc):5060", message("SIP/2.0 200 OK", via: [sbc, phone], toTag: "b2", cseq: "2 BYE"))
        pcap.sip(at(2.23), from: "\(sbc):5060", to: "\(phone):5060", message("SIP/2.0 200 OK", via: [phone], toTag: "b2", cseq: "2 BYE"))

        let dir = RepositoryPaths.temporaryDirectory("calltap-mixed")
        try pcap.write(to: dir + "/call.pcap")
        var configuration = EngineConfiguration()
        configuration.storageRoot = dir + "/out"
        let summary = CaptureEngine(configuration: configuration).replay(try PcapSource.open(file: dir + "/call.pcap"))
        let recordings = try RecordedCall.all(under: dir + "/out")
        #expect(recordings.count == 1)
        let r = try #require(recordings.first)
        #expect(summary.notUsed["encrypted"] == 200, "\(summary.notUsed)")

        // Each stream says what it is: the phone's leg encrypted, the PBX's leg decoded.
        let bySSRC = Dictionary(r.streams.map { ($0["Ssrc"] as? String ?? "?", $0) }) { a, _ in a }
        for ssrc in ["0x00000011", "0x00000044"] {
            #expect((bySSRC[ssrc]?["NotDecoded"] as? String)?.hasPrefix("encrypted") == true, "\(ssrc): \(bySSRC[ssrc] ?? [:])")
        }
        for ssrc in ["0x00000022", "0x00000033"] {
            #expect(bySSRC[ssrc]?["Decoded"] as? Bool == true, "\(ssrc): \(bySSRC[ssrc] ?? [:])")
        }
        // Both voices are in the file, each on its side's channel.
        let rate = r.audio.sampleRate
        #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: 0, from: 0.3, to: 1.9), sampleRate: rate) == 700)
        #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: 1, from: 0.3, to: 1.9), sampleRate: rate) == 1100)
        #expect(ToneAnalysis.rms(r.audio.slice(channel: 0, from: 0.3, to: 1.9)) > 1000)
    }

    /// A re-INVITE that turns SRTP off on the same addresses: from its answer on, the stream is
    /// decoded; before it, the declared ciphertext stays silent.
    @Test func aReInviteThatTurnsSRTPOffDecodesFromThenOn() throws {
        var c = SyntheticCall()
        c.transport = "RTP/SAVP"
        c.invite(0)
        c.response(0.05, "200 OK")
        c.media(from: 0, seconds: 0.1...1.1, hz: 700)
        c.transport = "RTP/AVP"
        c.pcap.sip(c.at(1.2), from: "\(c.caller):5060", to: "\(c.callee):5060",
                   "INVITE sip:2002@\(c.callee) SIP/2.0\n\(c.headers(toTag: "b2", cseq: "3 INVITE"))\nContent-Type: application/sdp",
                   body: c.sdp(c.caller, 4000))
        c.response(1.25, "200 OK", cseq: "3 INVITE")
        c.media(from: 0, seconds: 1.3...2.3, hz: 700, sequence: { UInt16($0 + 50) }, timestamp: { UInt32(($0 + 60) * 160) })
        c.request(2.4, "BYE", cseq: 4)
        let (summary, recordings) = try c.replay()
        #expect(summary.notUsed["encrypted"] == 50, "\(summary.notUsed)")
        let r = try #require(recordings.first)
        #expect(ToneAnalysis.rms(r.audio.slice(channel: 0, from: 0.2, to: 1.0)) == 0)
        #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: 0, from: 1.4, to: 2.2), sampleRate: r.audio.sampleRate) == 700)
    }
}
