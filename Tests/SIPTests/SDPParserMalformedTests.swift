import CalltapTestSupport
import SIP
import Testing

/// Broken session descriptions: broken lines are skipped, and only an SDP with nothing usable
/// left is an error.
@Suite struct SDPParserMalformedTests {
    @Test func errors() {
        #expect(ParserFixtures.sdpError("") == .empty)
        #expect(ParserFixtures.sdpError(" \n\t\n") == .empty)
        #expect(ParserFixtures.sdpError("hello world\nthis is not SDP") == .notSDP)
        #expect(ParserFixtures.sdpError("V=0\nC=IN IP4 10.0.0.1\n") == .notSDP)
        #expect(ParserFixtures.sdpError("v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nt=0 0\n") == .noMediaOrConnection)
        #expect(ParserFixtures.sdpError("v=0\nc=IN IP4 not-an-address\nm=audio x RTP/AVP 0\n") == .noMediaOrConnection)
        #expect(SDPParseError.noMediaOrConnection.message.hasSuffix("."))
        let huge = [UInt8](repeating: 0x61, count: 1024 * 1024 + 1)
        #expect(throws: SDPParseError.tooLarge) { try ParserFixtures.parseSDP(huge) }
    }

    @Test func brokenMediaLineDropsItsWholeSection() throws {
        // As in a MEGACO capture (`m=audio $ …`): the section's attributes must not leak into
        // the stream before it.
        let sdp = try ParserFixtures.parseSDP("""
        v=0
        c=IN IP4 10.0.0.1
        m=audio 4000 RTP/AVP 0
        a=sendrecv
        m=audio $ RTP/AVP 8
        a=inactive
        a=rtpmap:0 G726-32/8000
        c=IN IP4 10.0.0.99
        m=audio 70000 RTP/AVP 8
        a=sendonly
        m=audio
        m=audio 5000 RTP/AVP 8
        """)
        #expect(sdp.media.count == 2)
        #expect(sdp.media[0].direction == .sendrecv)
        #expect(sdp.media[0].rtpmaps[0]?.encoding == "PCMU")
        #expect(sdp.media[0].endpoint?.description == "10.0.0.1:4000")
        #expect(sdp.media[1].endpoint?.description == "10.0.0.1:5000")
        #expect(sdp.media[1].direction == .sendrecv)
    }

    @Test func brokenAttributesAreSkipped() throws {
        let sdp = try ParserFixtures.parseSDP("""
        v=0
        this line is noise
        =nothing
        c=IN IP4 10.0.0.1
        c=IN IP4
        c=XX IP4 10.0.0.2
        m=audio 4000 RTP/AVP 0 96 97 98 99 100 300 -1 abc
        a=rtpmap:96
        a=rtpmap:97 opus
        a=rtpmap:98 opus/0
        a=rtpmap:99 opus/48000/0
        a=rtpmap:300 opus/48000
        a=rtpmap:x opus/48000
        a=rtpmap:100 /8000
        a=rtpmap:0 PCMU/8000/1/9
        a=fmtp:
        a=fmtp:999 x
        a=rtcp:99999
        a=rtcp:abc
        a=ptime:-20
        a=ptime:20ms
        a=ptime:9999999999999999999999
        a=
        a
        """)
        let audio = try #require(sdp.audio)
        #expect(sdp.connection?.description == "10.0.0.1")
        #expect(audio.formats == ["0", "96", "97", "98", "99", "100", "300", "-1", "abc"])
        #expect(audio.payloadTypes == [0, 96, 97, 98, 99, 100])
        // The static PCMU mapping survives the broken rtpmap for 0; nothing else is usable.
        #expect(audio.rtpmaps == [0: RTPMap(encoding: "PCMU", clockRate: 8000)])
        #expect(audio.fmtp.isEmpty)
        #expect(audio.rtcpPort == nil)
        #expect(audio.ptime == nil)
    }

    @Test func randomBytes() {
        var generator = SeededGenerator(seed: 0x5D9)
        for _ in 0..<2000 {
            let count = Int.random(in: 0...800, using: &generator)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            do throws(SDPParseError) {
                let sdp = try ParserFixtures.parseSDP(bytes)
                #expect(!sdp.media.isEmpty || sdp.connection != nil)
            } catch {
                #expect([.empty, .notSDP, .noMediaOrConnection].contains(error))
            }
        }
    }

    @Test func mutatedOffers() throws {
        let seed = try ParserFixtures.parse(ParserFixtures.webRTCInvite).body
        let pieces: [[UInt8]] = ["\r\n", "\n", " ", "/", ":", "m=", "c=", "a=", "IN IP4 ", "IN IP6 ::", "rtpmap:",
                                 "fmtp:", "rtcp:", "99999", "128", "0", "\u{0}", "é", "sendonly"].map { Array($0.utf8) }
        var generator = SeededGenerator(seed: 7)
        var usable = 0
        for _ in 0..<3000 {
            var bytes = seed
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                let position = Int.random(in: 0...bytes.count, using: &generator)
                if Bool.random(using: &generator) {
                    bytes.insert(contentsOf: pieces.randomElement(using: &generator)!, at: position)
                } else {
                    bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...30, using: &generator)))
                }
            }
            if let sdp = try? ParserFixtures.parseSDP(bytes) {
                if let audio = sdp.audio {
                    #expect(audio.port != 0)
                    #expect(audio.payloadTypes.allSatisfy { $0 < 128 })
                    usable += 1
                }
            }
        }
        #expect(usable > 1000)
    }

    @Test func pathologicalSizes() throws {
        let lines = "v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP " + (0..<128).map(String.init).joined(separator: " ") + "\n"
            + String(repeating: "a=rtpmap:96 opus/48000/2\n", count: 20_000)
            + String(repeating: "m=audio 0 RTP/AVP 0\n", count: 5_000)
        let sdp = try ParserFixtures.parseSDP(Array(lines.utf8))
        #expect(sdp.media.count == 5_001)
        #expect(sdp.audio?.payloadTypes.count == 128)
        #expect(sdp.audio?.rtpmaps[96]?.channels == 2)
    }
}
