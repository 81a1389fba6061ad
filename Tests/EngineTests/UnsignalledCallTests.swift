import CalltapTestSupport
import Engine
import Testing

/// Calls known only from their media: the capture began after the call was set up. The
/// recording starts with the first packet, its channels are in address order, a BYE between the
/// same hosts names and ends it; UDP that is not an audio stream (DNS, syslog, games, SRTP
/// without keys) never makes a call.
@Suite struct UnsignalledCallTests {
    func tone(_ r: RecordedCall, _ channel: Int, _ from: Double, _ to: Double) -> Double {
        ToneAnalysis.dominantFrequency(r.audio.slice(channel: channel, from: from, to: to), sampleRate: 8000)
    }

    /// RTP both ways from 1 s to 4 s, then the BYE at 4.2 s: the SIP that set the call up was
    /// never captured. The callee (10.0.0.2) starts 5 ms after the caller.
    func midCall(bye: Bool = true) -> SyntheticCall {
        var c = SyntheticCall(callID: "set-up-before@10.0.0.1")
        c.media(from: 1, seconds: 1.005...4.005, hz: 1300, sequence: { UInt16(truncatingIfNeeded: 40_000 + $0) },
                timestamp: { UInt32(truncatingIfNeeded: 123_456 + $0 * 160) })
        c.media(from: 0, seconds: 1.0...4.0, hz: 700, sequence: { UInt16(truncatingIfNeeded: 65_500 + $0) })
        if bye { c.request(4.2, "BYE", cseq: 7) }
        return c
    }

    @Test func aCallWhoseSetUpWasNotCapturedIsRecordedFromItsFirstPacketToItsBye() throws {
        let (summary, recordings) = try midCall().replay()
        #expect(summary.calls == 1)
        let r = try #require(recordings.first)
        #expect(recordings.count == 1)
        #expect(r.json["Signalling"] as? String == "none")
        // The BYE's Call-ID names the call.
        #expect(r.callInstance == "set-up-before@10.0.0.1")
        #expect(r.metadata["callid"] == "set-up-before@10.0.0.1")
        #expect(r.metadata["ani"] == "" && r.metadata["dnis"] == "")
        #expect(r.endReason == "bye")
        // From the first packet (1.0 s) to the BYE (4.2 s).
        #expect(abs(r.durationSeconds - 3.2) < 0.01)
        // Every packet of both directions, the first six included, and a sequence wrap.
        #expect(r.streams.map { $0["Packets"] as? Int } == [150, 150])
        #expect(r.streams.allSatisfy { $0["Lost"] as? Int == 0 })
        // Channels in address order: 10.0.0.1:4000 first.
        #expect(tone(r, 0, 0.05, 2.95) == 700)
        #expect(tone(r, 1, 0.05, 2.95) == 1300)
        #expect(summary.notUsed["rtpWithoutCall"] == nil)
    }

    @Test func withoutABye() throws {
        let (_, recordings) = try midCall(bye: false).replay()
        let r = try #require(recordings.first)
        #expect(r.callInstance.hasPrefix("rtp:10.0.0.1:4000-10.0.0.2:5000@"))
        #expect(r.endReason == "shutdown")
        #expect(abs(r.durationSeconds - 3.005) < 0.01)
    }

    @Test func turnedOffOrNotRecordedWithoutAnAgent() throws {
        let off = try midCall().replay { $0.rtpWithoutSignalling = false }
        #expect(off.0.calls == 0)
        #expect(off.1.isEmpty)
        #expect(off.0.notUsed["rtpWithoutCall"] == 300)
        let noAgent = try midCall().replay { $0.recordWithoutAgent = false }
        #expect(noAgent.0.calls == 1)
        #expect(noAgent.1.isEmpty)
        #expect(noAgent.0.notUsed["notRecorded"] == 300)
    }

    /// Each of these sends 200 datagrams between one pair of ports; none is an audio stream.
    @Test func udpThatIsNotAnAudioStreamMakesNoCall() throws {
        var c = SyntheticCall()
        var random = SystemRandomNumberGenerator()
        for i in 0..<200 {
            let t = 1.0 + Double(i) * 0.02
            // DNS queries and answers: random ids, so about a quarter start like RTP version 2.
            var dns = [UInt8](repeating: 0, count: 40)
            for j in dns.indices { dns[j] = UInt8.random(in: 0...255, using: &random) }
            c.pcap.udp(c.at(t), from: "10.0.0.9:40000", to: "10.0.0.53:53", payload: dns)
            // Syslog.
            c.pcap.udp(c.at(t), from: "10.0.0.9:514", to: "10.0.0.10:514", payload: Array("<34>Oct 11 22:14:15 host su: 'su root' failed \(i)".utf8))
            // A game's state updates: an RTP-like header with a counter, but the timestamp is
            // a clock of its own and the payload size varies.
            let size = 40 + i % 7 * 13
            c.pcap.udp(c.at(t), from: "10.0.0.9:27015", to: "10.0.0.11:27015",
                       payload: ToneSynthesis.rtp(payloadType: 0, sequence: UInt16(i), timestamp: UInt32(i * 1000), ssrc: 9,
                                                  payload: [UInt8](repeating: 0x55, count: size)))
            // SRTP whose keys were never seen: 20 ms of PCMU and a 10-byte authentication tag.
            var srtp = ToneSynthesis.rtp(payloadType: 0, sequence: UInt16(i), timestamp: UInt32(i * 160), ssrc: 10,
                                         payload: [UInt8](repeating: 0xD5, count: 160))
            for _ in 0..<10 { srtp.append(UInt8.random(in: 0...255, using: &random)) }
            c.pcap.udp(c.at(t), from: "10.0.0.9:30000", to: "10.0.0.12:30002", payload: srtp)
        }
        let (summary, recordings) = try c.replay()
        #expect(summary.calls == 0)
        #expect(recordings.isEmpty)
    }

    /// A re-INVITE (or a face-to-face declaration) that describes the addresses later takes
    /// them over: the signalled call records the rest.
    @Test func signallingThatComesLaterTakesTheAddressesOver() throws {
        var c = SyntheticCall(callID: "described-later@10.0.0.1")
        c.media(from: 0, seconds: 1.0...2.0, hz: 700)
        c.media(from: 1, seconds: 1.0...2.0, hz: 1300)
        c.invite(2.1)
        c.response(2.15, "200 OK")
        c.media(from: 0, seconds: 2.2...4.0, hz: 900, sequence: { UInt16(50 + $0) }, timestamp: { UInt32((60 + $0) * 160) })
        c.media(from: 1, seconds: 2.2...4.0, hz: 1500, sequence: { UInt16(50 + $0) }, timestamp: { UInt32((60 + $0) * 160) })
        c.request(4.1, "BYE", cseq: 2)
        let (_, recordings) = try c.replay()
        let signalled = try #require(recordings.first { $0.callInstance == "described-later@10.0.0.1" && $0.json["Signalling"] == nil })
        #expect(signalled.streams.map { $0["Packets"] as? Int } == [90, 90])
        #expect(tone(signalled, 0, 0.2, 1.8) == 900)
        #expect(tone(signalled, 1, 0.2, 1.8) == 1500)
        let before = try #require(recordings.first { $0.json["Signalling"] as? String == "none" })
        #expect(before.streams.map { $0["Packets"] as? Int } == [50, 50])
        #expect(tone(before, 0, 0.1, 0.9) == 700)
    }
}
