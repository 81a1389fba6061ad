import SIP
import Testing
import Wire

/// Session descriptions: levels, codecs, direction, encryption, addresses.
@Suite struct SDPParserTests {
    @Test func sessionLevelDefaultsAndMediaLevelOverrides() throws {
        let sdp = try ParserFixtures.parseSDP("""
        v=0
        o=alice 2890844526 2890844527 IN IP4 host.atlanta.example.com
        s=-
        c=IN IP4 192.0.2.10
        t=0 0
        a=sendonly
        m=audio 49170 RTP/AVP 0 8 97
        a=rtpmap:97 iLBC/8000
        a=fmtp:97 mode=30
        m=audio 49180 RTP/AVP 9
        c=IN IP4 192.0.2.20
        a=inactive
        m=video 51372 RTP/AVP 31 32
        """)
        #expect(sdp.origin == SDPOrigin(username: "alice", sessionID: "2890844526", version: "2890844527",
                                        address: "host.atlanta.example.com"))
        #expect(sdp.connection == IPAddress("192.0.2.10"))
        #expect(sdp.direction == .sendonly)
        #expect(sdp.media.map(\.media) == ["audio", "audio", "video"])

        let first = sdp.media[0]
        #expect(first.endpoint?.description == "192.0.2.10:49170")
        #expect(first.direction == .sendonly)
        #expect(first.payloadTypes == [0, 8, 97])
        #expect(first.rtpmaps == [
            0: RTPMap(encoding: "PCMU", clockRate: 8000),
            8: RTPMap(encoding: "PCMA", clockRate: 8000),
            97: RTPMap(encoding: "iLBC", clockRate: 8000),
        ])
        #expect(first.fmtp == [97: "mode=30"])

        let second = sdp.media[1]
        #expect(second.endpoint?.description == "192.0.2.20:49180")
        #expect(second.direction == .inactive)
        #expect(second.rtpmaps[9] == RTPMap(encoding: "G722", clockRate: 8000))

        let video = sdp.media[2]
        #expect(video.direction == .sendonly)
        #expect(video.rtpmaps[31]?.encoding == "H261")
        #expect(video.rtpmaps[32]?.clockRate == 90000)
        #expect(sdp.audio?.port == 49170)
    }

    @Test func directionDefaultsToSendrecv() throws {
        let sdp = try ParserFixtures.parseSDP("v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 18\na=ptime:20.0\n")
        #expect(sdp.direction == nil)
        #expect(sdp.audio?.direction == .sendrecv)
        #expect(sdp.audio?.rtpmaps[18] == RTPMap(encoding: "G729", clockRate: 8000))
        #expect(sdp.audio?.ptime == 20)
    }

    @Test func rtpmapChannelsAndDynamicTypes() throws {
        let sdp = try ParserFixtures.parseSDP("""
        v=0
        c=IN IP6 2001:db8::1
        m=audio 5004 RTP/AVP 96 97 98 0 101
        a=rtpmap:96 opus/48000/2
        a=rtpmap:97 L16/16000/1
        a=rtpmap:98 AMR-WB/16000
        a=rtpmap:0 PCMU/8000
        a=rtpmap:101 telephone-event/8000
        a=rtpmap:96 G726-32/8000
        a=fmtp:101 0-15
        """)
        let audio = try #require(sdp.audio)
        #expect(audio.endpoint?.description == "[2001:db8::1]:5004")
        #expect(audio.rtpmaps[96] == RTPMap(encoding: "opus", clockRate: 48000, channels: 2))  // first rtpmap wins
        #expect(audio.rtpmaps[97] == RTPMap(encoding: "L16", clockRate: 16000, channels: 1))
        #expect(audio.rtpmaps[98] == RTPMap(encoding: "AMR-WB", clockRate: 16000, channels: 1))
        #expect(audio.rtpmaps[101]?.encoding == "telephone-event")
        #expect(audio.fmtp[101] == "0-15")
    }

    @Test func nonRTPStreams() throws {
        let sdp = try ParserFixtures.parseSDP("""
        v=0
        c=IN IP4 10.35.40.22
        m=audio 0 RTP/AVP 8
        m=image 16756 udptl t38
        a=T38FaxVersion:0
        """)
        #expect(sdp.audio == nil)  // the only audio stream is rejected (port 0)
        #expect(sdp.media[0].endpoint == nil)
        let image = sdp.media[1]
        #expect(image.media == "image")
        #expect(image.transport == "udptl")
        #expect(image.formats == ["t38"])
        #expect(image.payloadTypes.isEmpty)
        #expect(image.rtpmaps.isEmpty)
        #expect(image.endpoint?.description == "10.35.40.22:16756")
    }

    @Test func connectionForms() throws {
        let multicast = try ParserFixtures.parseSDP("v=0\nc=IN IP4 224.2.1.1/127/3\nm=audio 4000 RTP/AVP 0\n")
        #expect(multicast.connection?.description == "224.2.1.1")
        let hold = try ParserFixtures.parseSDP("v=0\nc=IN IP4 0.0.0.0\nm=audio 4000 RTP/AVP 0\n")
        #expect(hold.audio?.connection?.isUnspecified == true)
        #expect(hold.audio?.endpoint?.description == "0.0.0.0:4000")
        // A host name cannot be used without a resolver: skipped, the stream has no address.
        let name = try ParserFixtures.parseSDP("v=0\nc=IN IP4 media.example.com\nm=audio 4000 RTP/AVP 0\n")
        #expect(name.audio?.connection == nil)
        #expect(name.audio?.endpoint == nil)
        // Only a connection, no media (a session being set up): still sensible.
        let onlyConnection = try ParserFixtures.parseSDP("v=0\nc=IN IP4 192.0.2.1\n")
        #expect(onlyConnection.media.isEmpty)
        #expect(onlyConnection.connection?.description == "192.0.2.1")
    }

    @Test func rtcpAttribute() throws {
        let sdp = try ParserFixtures.parseSDP("""
        v=0
        c=IN IP4 192.0.2.1
        m=audio 49170 RTP/AVP 0
        a=rtcp:53020 IN IP6 2001:db8::7
        m=audio 49180 RTP/AVP 0
        a=rtcp:49181
        """)
        #expect(sdp.media[0].rtcpPort == 53020)
        #expect(sdp.media[0].rtcpAddress == IPAddress("2001:db8::7"))
        #expect(!sdp.media[0].rtcpMux)
        #expect(sdp.media[1].rtcpPort == 49181)
        #expect(sdp.media[1].rtcpAddress == nil)
    }

    @Test(arguments: [
        ("m=audio 4000 RTP/SAVP 0", "", true),
        ("m=audio 4000 RTP/SAVPF 0", "", true),
        ("m=audio 4000 UDP/TLS/RTP/SAVP 0", "", true),
        ("m=audio 4000 RTP/AVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", true),
        ("m=audio 4000 RTP/AVP 0", "a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B", true),
        ("m=audio 4000 RTP/AVP 0", "a=zrtp-hash:1.10 fe30efd02423cb054e50efd0248742ac7a52c8f91bc2df881ae642c371ba46df", true),
        ("m=audio 4000 RTP/AVP 0", "a=sendrecv", false),
        ("m=audio 4000 RTP/AVPF 0", "", false),
    ])
    func encryption(mediaLine: String, attribute: String, encrypted: Bool) throws {
        let sdp = try ParserFixtures.parseSDP("v=0\nc=IN IP4 10.0.0.1\n\(mediaLine)\n\(attribute)\n")
        #expect(sdp.audio?.isEncrypted == encrypted)
    }

    @Test func sessionLevelKeyMaterialCoversEveryStream() throws {
        let sdp = try ParserFixtures.parseSDP("""
        v=0
        c=IN IP4 10.0.0.1
        a=zrtp-hash:1.10 fe30efd02423cb054e50efd0248742ac7a52c8f91bc2df881ae642c371ba46df
        m=audio 4000 RTP/AVP 0
        m=video 4002 RTP/AVP 34
        """)
        #expect(sdp.media.allSatisfy { $0.isEncrypted })
    }

    @Test func bareLineFeedsAndStrayWhitespace() throws {
        let crlf = try ParserFixtures.parseSDP(ParserFixtures.crlf("v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 0 8\na=sendonly\n"))
        let lf = try ParserFixtures.parseSDP(Array("v=0\nc=IN  IP4   10.0.0.1\nm=audio  4000 RTP/AVP 0  8\na=sendonly".utf8))
        #expect(crlf == lf)
        #expect(lf.audio?.payloadTypes == [0, 8])
    }
}
