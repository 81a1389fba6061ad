import SIP
import Testing
import Wire

/// Messages from real captures: every field a call tracker reads.
@Suite struct SIPParserCaptureTests {
    @Test func inviteWithSDP() throws {
        let message = try ParserFixtures.parse(ParserFixtures.g711Invite)
        #expect(message.isRequest)
        #expect(message.method == .invite)
        #expect(message.statusCode == nil)
        let uri = try #require(message.requestURI)
        #expect(uri == SIPURI(scheme: "sip", user: "test", host: "10.0.2.15", port: 5060))
        #expect(message.callID == "1-1966@10.0.2.20")
        #expect(message.from.displayName == "PCMU/8000")
        #expect(message.from.uri.user == "sipp")
        #expect(message.from.uri.port == 5060)
        #expect(message.from.tag == "1")
        #expect(message.to.displayName == "test")
        #expect(message.to.tag == nil)
        #expect(message.cseq == CSeq(number: 1, method: .invite))
        #expect(message.via == ["SIP/2.0/UDP 10.0.2.20:5060;branch=z9hG4bK-1966-1-0"])
        // A bare addr-spec Contact.
        #expect(message.contact?.uri == SIPURI(scheme: "sip", user: "sipp", host: "10.0.2.20", port: 5060))
        #expect(message.contentType == "application/sdp")
        #expect(message.body.count == 123)
        #expect(!message.isBodyTruncated)
        #expect(message.header("Max-Forwards") == "70")

        let sdp = try #require(message.sdp)
        #expect(sdp.origin == SDPOrigin(username: "-", sessionID: "42", version: "42", address: "10.0.2.20"))
        #expect(sdp.connection == IPAddress("10.0.2.20"))
        let audio = try #require(sdp.audio)
        #expect(audio.endpoint == Endpoint(address: try #require(IPAddress("10.0.2.20")), port: 6000))
        #expect(audio.transport == "RTP/AVP")
        #expect(audio.formats == ["0"])
        #expect(audio.payloadTypes == [0])
        #expect(audio.rtpmaps == [0: RTPMap(encoding: "PCMU", clockRate: 8000, channels: 1)])
        #expect(audio.direction == .recvonly)
        #expect(!audio.isEncrypted)
    }

    @Test func okWithSDP() throws {
        let message = try ParserFixtures.parse(ParserFixtures.g711OK)
        #expect(!message.isRequest)
        #expect(message.method == nil)
        #expect(message.statusCode == 200)
        #expect(message.startLine == .response(status: 200, reason: "OK"))
        #expect(message.cseq == CSeq(number: 1, method: .invite))
        #expect(message.from.tag == "1")
        #expect(message.to.tag == "QvN92t713vSZK")
        #expect(message.contact?.uri.parameters == ["transport": "udp"])
        #expect(message.header("remote-party-id") == #""test" <sip:test@10.0.2.15>;party=calling;privacy=off;screen=no"#)
        #expect(message.header("Supported") == "timer, path, replaces")
        #expect(message.header("k") == "timer, path, replaces")
        #expect(message.body.count == 226)

        let audio = try #require(message.sdp?.audio)
        #expect(audio.endpoint?.description == "10.0.2.15:27942")
        #expect(audio.payloadTypes == [0, 101])
        #expect(audio.rtpmaps[0] == RTPMap(encoding: "PCMU", clockRate: 8000))
        #expect(audio.rtpmaps[101] == RTPMap(encoding: "telephone-event", clockRate: 8000))
        #expect(audio.fmtp == [101: "0-16"])
        #expect(audio.direction == .sendonly)
        #expect(audio.ptime == 20)
        #expect(message.sdp?.origin?.version == "1480144038")
    }

    @Test func bye() throws {
        let message = try ParserFixtures.parse(ParserFixtures.g711Bye)
        #expect(message.method == .bye)
        #expect(message.requestURI?.user == "sipp")
        #expect(message.callID == "1-1966@10.0.2.20")
        #expect(message.cseq == CSeq(number: 99_749_930, method: .bye))
        // The callee hangs up: From and To are swapped relative to the INVITE.
        #expect(message.from.tag == "QvN92t713vSZK")
        #expect(message.to.tag == "1")
        #expect(message.to.displayName == "PCMU/8000")
        #expect(message.via == ["SIP/2.0/UDP 10.0.2.15;rport;branch=z9hG4bKj14v7jcDQN1Kj"])
        #expect(message.header("Reason") == #"Q.850;cause=16;text="NORMAL_CLEARING""#)
        #expect(message.body.isEmpty)
        #expect(message.contentType == nil)
        #expect(message.sdp == nil)
        #expect(message.sdpError == nil)
    }

    @Test func holdReinviteSendonly() throws {
        let message = try ParserFixtures.parse(ParserFixtures.holdReinvite)
        #expect(message.method == .invite)
        #expect(message.requestURI?.host == "192.168.1.222")
        #expect(message.requestURI?.user == nil)
        #expect(message.requestURI?.port == 5260)
        #expect(message.callID == "cdfef7c7647e97e4ff66fbf504c524e4@192.168.1.191")
        #expect(message.cseq.number == 22_366_471)
        #expect(message.from.displayName == "test")
        #expect(message.from.uri.user == "20008909")
        #expect(message.from.uri.parameters == ["user": "phone"])
        #expect(message.from.tag == "ef4dbb386aab14b51d06e13cc3b3b0f0")
        #expect(message.to.tag == "1EA15777-5AF5017B0004863A-EFCFC700")
        #expect(message.to.uri.user == "20008910")
        #expect(message.contact?.uri.parameters["transport"] == "UDP")
        #expect(message.header("Session-Expires") == "900;refresher=uac")
        #expect(message.header("x") == "900;refresher=uac")

        let sdp = try #require(message.sdp)
        #expect(sdp.origin?.version == "1526006381")
        let audio = try #require(sdp.audio)
        #expect(audio.direction == .sendonly)
        #expect(audio.endpoint?.description == "192.168.1.53:32620")
        #expect(audio.payloadTypes == [8, 101])
        #expect(audio.rtpmaps[8]?.encoding == "PCMA")
        #expect(audio.ptime == 20)
    }

    @Test func holdWithUnspecifiedAddress() throws {
        let message = try ParserFixtures.parse(ParserFixtures.holdReinviteZeroAddress)
        // `"test"<sip:…>`: no space between the quoted name and the URI.
        #expect(message.to.displayName == "test")
        #expect(message.to.uri.user == "20008777")
        #expect(message.via.first?.hasPrefix("SIP/2.0/UDP 192.168.8.53:5860;rport;") == true)
        #expect(message.header("User-Agent") == "Alcatel-Lucent 8001 DeskPhone V4.2.0.0 11273")

        let audio = try #require(message.sdp?.audio)
        let connection = try #require(audio.connection)
        #expect(connection.isUnspecified)
        #expect(connection.isIPv4)
        #expect(audio.endpoint?.description == "0.0.0.0:10012")
        #expect(audio.direction == .sendonly)
        #expect(audio.payloadTypes == [8, 0, 18, 4, 101])
        #expect(audio.rtpmaps[18] == RTPMap(encoding: "G729", clockRate: 8000))
        #expect(audio.rtpmaps[4] == RTPMap(encoding: "G723", clockRate: 8000))
        #expect(audio.fmtp[18] == "annexb=no")
        #expect(audio.fmtp[101] == "0-15")
    }

    @Test func ipv6HostsWithoutBrackets() throws {
        let message = try ParserFixtures.parse(ParserFixtures.ipv6Invite)
        let uri = try #require(message.requestURI)
        #expect(uri.user == "4321")
        #expect(uri.host == "fec0:0:0:0:216:d3ff:fe0d:22c")
        #expect(uri.port == 5060)
        #expect(message.from.uri.host == "fe80:0:0:0:21a:a0ff:fe07:32e0")
        #expect(message.from.uri.port == nil)
        #expect(message.from.tag == "a3bhg")
        #expect(message.contact?.uri.port == 5060)
        #expect(message.callID == "c3eF6f58-363323Cd-8058EB88-10300252@fe80:0:0:0:21a:a0ff:fe07:32e0")

        let sdp = try #require(message.sdp)
        #expect(sdp.connection == IPAddress("fe80::21a:a0ff:fe07:32e0"))
        #expect(sdp.origin?.address == "fe80:0:0:0:21a:a0ff:fe07:32e0")
        let audio = try #require(sdp.audio)
        #expect(audio.endpoint?.description == "[fe80::21a:a0ff:fe07:32e0]:5008")
        #expect(audio.rtpmaps[0] == RTPMap(encoding: "pcmu", clockRate: 8000, channels: 1))
    }

    @Test func sdpBodyWithoutContentType() throws {
        let message = try ParserFixtures.parse(ParserFixtures.ipv6OK)
        #expect(message.statusCode == 200)
        #expect(message.contentType == nil)
        #expect(message.to.tag == "a3bhg")
        #expect(message.sdp?.audio?.endpoint?.description == "[fec0::216:d3ff:fe0d:22c]:5008")
    }

    @Test func webRTCOffer() throws {
        let message = try ParserFixtures.parse(ParserFixtures.webRTCInvite)
        #expect(message.via == [
            "SIP/2.0/UDP 10.243.0.157:5060;branch=z9hG4bK795e.06dd5233.0;i=a2125b45",
            "SIP/2.0/WSS 1jon8lkj09s0.invalid;received=10.243.17.55;branch=z9hG4bK5699446",
        ])
        #expect(message.to.uri.user == "+12263382742")
        #expect(message.to.uri.host == "dev-mike.tncp.textnow.com")
        #expect(message.from.tag == "8pamukqsoe")
        #expect(message.contact?.uri.parameters == ["transport": "ws", "ob": ""])
        #expect(message.headers("Record-Route").count == 2)
        #expect(message.cseq == CSeq(number: 2207, method: .invite))

        let sdp = try #require(message.sdp)
        #expect(sdp.connection == nil)
        #expect(sdp.media.count == 1)
        let audio = try #require(sdp.audio)
        #expect(audio.transport == "UDP/TLS/RTP/SAVPF")
        #expect(audio.isEncrypted)
        #expect(audio.endpoint?.description == "10.243.17.55:55695")
        #expect(audio.rtcpPort == 9)
        #expect(audio.rtcpAddress == IPAddress("0.0.0.0"))
        #expect(audio.rtcpMux)
        #expect(audio.direction == .sendrecv)
        #expect(audio.payloadTypes == [111, 103, 104, 9, 0, 8, 106, 105, 13, 110, 112, 113, 126])
        #expect(audio.rtpmaps[111] == RTPMap(encoding: "opus", clockRate: 48000, channels: 2))
        #expect(audio.rtpmaps[9] == RTPMap(encoding: "G722", clockRate: 8000))
        #expect(audio.rtpmaps[126] == RTPMap(encoding: "telephone-event", clockRate: 8000))
        #expect(audio.rtpmaps.count == 13)
        #expect(audio.fmtp[111] == "minptime=10;useinbandfec=1")
    }

    @Test func multipartBodyWithSDPAndISUP() throws {
        let message = try ParserFixtures.parse(ParserFixtures.multipartInvite)
        #expect(message.method == .invite)
        #expect(message.requestURI?.user == "9275890000")
        #expect(message.requestURI?.host == "VMSSM")
        #expect(message.contentType == "multipart/mixed")
        #expect(message.body.count == 657)
        #expect(message.via.first?.hasPrefix("SIP/2.0/SCTP 10.249.30.11:5060;") == true)
        #expect(message.callID == "717B2539AD2002C9152DC497@0870ffffffff")

        #expect(message.pAssertedIdentity.count == 2)
        #expect(message.pAssertedIdentity.first?.uri.scheme == "sip")
        #expect(message.pAssertedIdentity.first?.uri.user == "9171969136")
        #expect(message.pAssertedIdentity.first?.uri.host == "astrakhan.megafonvolga.ru")
        #expect(message.pAssertedIdentity.last?.uri == SIPURI(
            scheme: "tel", user: "9171969136", host: "", parameters: ["phone-context": "+7"]))

        let audio = try #require(message.sdp?.audio)
        #expect(audio.endpoint?.description == "10.249.30.145:38060")
        #expect(audio.rtpmaps[8] == RTPMap(encoding: "PCMA", clockRate: 8000))
        #expect(audio.rtpmaps[13] == RTPMap(encoding: "CN", clockRate: 8000))
        #expect(audio.rtpmaps[96] == RTPMap(encoding: "telephone-event", clockRate: 8000))
        #expect(audio.ptime == 20)
    }

    @Test func tcpMessages() throws {
        let ok = try ParserFixtures.parse(ParserFixtures.tcpOK)
        #expect(ok.statusCode == 200)
        #expect(ok.via == ["SIP/2.0/TCP 10.33.6.100;branch=z9hG4bKac1589375893;alias"])
        #expect(ok.to.uri.parameters == ["user": "phone"])
        #expect(ok.to.tag == "1c342958875")
        #expect(ok.sdp?.audio?.endpoint?.description == "10.33.6.101:6050")
        #expect(ok.sdp?.audio?.rtpmaps[13] == RTPMap(encoding: "CN", clockRate: 8000))  // static, no rtpmap line
        #expect(ok.sdp?.audio?.fmtp[101] == "0-15,16")

        let bye = try ParserFixtures.parse(ParserFixtures.tcpBye)
        #expect(bye.method == .bye)
        #expect(bye.requestURI?.parameters["transport"] == "tcp")
    }
}
