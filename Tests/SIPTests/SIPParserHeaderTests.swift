import SIP
import Testing

/// Header syntax: compact forms, folding, list splitting, name-addr and URI forms, required
/// headers, Content-Length framing of datagrams.
@Suite struct SIPParserHeaderTests {
    static let compactInvite = ParserFixtures.crlf(#"""
INVITE sip:bob@biloxi.example.com SIP/2.0
v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8 , SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bK2;x="a,b"
f: "Alice \"Al\" Liddell" <sip:alice%40home@atlanta.example.com>;tag=1928301774
t: Bob <sip:bob@biloxi.example.com>
i: a84b4c76e66710@pc33.atlanta.example.com
CSeq: 314159 INVITE
m: <sip:alice@[2001:db8::10]:5070;transport=tcp>;expires=60, <sip:alice@backup.example.com>
c: Application/SDP; charset=utf-8
s: Lunch
   at noon,
	today
X-Custom: 1
x-custom: 2
l: 44

v=0
c=IN IP4 192.0.2.7
m=audio 0 RTP/AVP

"""#)

    @Test func compactFormsAndFolding() throws {
        let message = try ParserFixtures.parse(Self.compactInvite)
        #expect(message.callID == "a84b4c76e66710@pc33.atlanta.example.com")
        #expect(message.header("Call-ID") == message.callID)
        #expect(message.header("i") == message.callID)
        #expect(message.header("CALL-ID") == message.callID)
        // The comma inside the quoted parameter does not split the Via value.
        #expect(message.via == [
            "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8",
            #"SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bK2;x="a,b""#,
        ])
        #expect(message.from.displayName == #"Alice "Al" Liddell"#)
        #expect(message.from.uri.user == "alice@home")  // %40 unescaped
        #expect(message.from.uri.host == "atlanta.example.com")
        #expect(message.from.tag == "1928301774")
        #expect(message.to.displayName == "Bob")
        #expect(message.to.tag == nil)
        let contact = try #require(message.contact)
        #expect(contact.uri.host == "2001:db8::10")
        #expect(contact.uri.port == 5070)
        #expect(contact.uri.parameters == ["transport": "tcp"])
        #expect(contact.parameters == ["expires": "60"])
        #expect(message.contentType == "application/sdp")
        #expect(message.header("Subject") == "Lunch at noon, today")
        #expect(message.headers("X-CUSTOM") == ["1", "2"])
        #expect(message.header("Content-Length") == "44")
        #expect(message.header("Nope") == nil)
        #expect(message.headers("Nope").isEmpty)
        #expect(message.headerFields.map(\.name) == ["v", "f", "t", "i", "CSeq", "m", "c", "s", "X-Custom", "x-custom", "l"])
        #expect(message.body.count == 44)
        // An m= line without formats still gives a (rejected) stream.
        #expect(message.sdp?.connection?.description == "192.0.2.7")
        #expect(message.sdp?.media.first?.port == 0)
        #expect(message.sdp?.audio == nil)
    }

    @Test func bareLineFeedsParseLikeCRLF() throws {
        let crlf = try ParserFixtures.parse(ParserFixtures.g711OK)
        let lf = try ParserFixtures.parse(ParserFixtures.lineFeedsOnly(ParserFixtures.g711OK))
        #expect(lf.callID == crlf.callID)
        #expect(lf.to == crlf.to)
        #expect(lf.via == crlf.via)
        #expect(lf.sdp?.audio?.endpoint == crlf.sdp?.audio?.endpoint)
        #expect(lf.sdp?.audio?.rtpmaps == crlf.sdp?.audio?.rtpmaps)
        #expect(lf.sdp?.audio?.direction == .sendonly)
    }

    @Test func addrSpecParametersBelongToTheHeader() throws {
        let message = try ParserFixtures.parse(ParserFixtures.crlf("""
        BYE sip:alice@192.0.2.4 SIP/2.0
        From: sip:carol@chicago.example.com;tag=887s;user=phone
        To: <tel:+1-555-123-4567;phone-context=example.com>;tag=a6c85cf
        Call-ID: 1
        CSeq: 2 BYE
        Contact: *
        P-Asserted-Identity: "Carol" <sip:+15551230000@example.com;user=phone>
        P-Asserted-Identity: <tel:+15551230000>, <broken


        """))
        #expect(message.from.uri.parameters.isEmpty)
        #expect(message.from.tag == "887s")
        #expect(message.from.parameters == ["tag": "887s", "user": "phone"])
        #expect(message.to.uri.scheme == "tel")
        #expect(message.to.uri.user == "+1-555-123-4567")
        #expect(message.to.uri.host == "")
        #expect(message.to.uri.parameters == ["phone-context": "example.com"])
        #expect(message.to.tag == "a6c85cf")
        #expect(message.contact == nil)
        #expect(message.via.isEmpty)  // missing Via does not fail the parse
        #expect(message.pAssertedIdentity.map(\.uri.user) == ["+15551230000", "+15551230000"])
        #expect(message.pAssertedIdentity.map(\.uri.scheme) == ["sip", "tel"])
        #expect(message.pAssertedIdentity.first?.displayName == "Carol")
        #expect(message.body.isEmpty)
    }

    @Test func requiredHeaders() {
        func message(without name: String) -> [UInt8] {
            let lines = ["Via: SIP/2.0/UDP h", "From: <sip:a@h>;tag=1", "To: <sip:b@h>", "Call-ID: x", "CSeq: 1 OPTIONS"]
            let kept = lines.filter { !$0.hasPrefix(name + ":") }
            return ParserFixtures.crlf((["OPTIONS sip:b@h SIP/2.0"] + kept + ["", ""]).joined(separator: "\n"))
        }
        #expect(throws: SIPParseError.missingHeader("Call-ID")) { try ParserFixtures.parse(message(without: "Call-ID")) }
        #expect(throws: SIPParseError.missingHeader("From")) { try ParserFixtures.parse(message(without: "From")) }
        #expect(throws: SIPParseError.missingHeader("To")) { try ParserFixtures.parse(message(without: "To")) }
        #expect(throws: SIPParseError.missingHeader("CSeq")) { try ParserFixtures.parse(message(without: "CSeq")) }
        #expect((try? ParserFixtures.parse(message(without: "Via")))?.via == [])
    }

    @Test(arguments: [
        ("From: sip:", SIPParseError.malformedHeader("From")),
        (#"From: "unclosed <sip:a@h>"#, .malformedHeader("From")),
        ("From: <sip:a@h", .malformedHeader("From")),
        ("From: <sip:a@h:99999>", .malformedHeader("From")),
        ("From: <sip:a@h:5o60>", .malformedHeader("From")),
        ("From: <sip:a@[2001:db8::1>", .malformedHeader("From")),
        ("From: Bob", .malformedHeader("From")),
        ("To: <>", .malformedHeader("To")),
        ("CSeq: INVITE", .malformedHeader("CSeq")),
        ("CSeq: 4294967296 INVITE", .malformedHeader("CSeq")),
        ("CSeq: -1 INVITE", .malformedHeader("CSeq")),
        ("CSeq: 1 INVITE extra", .malformedHeader("CSeq")),
        ("Call-ID:", .missingHeader("Call-ID")),
        ("Content-Length: 12a", .badContentLength),
        ("Content-Length: -1", .badContentLength),
        ("Content-Length: 99999999999999999999999", .badContentLength),
    ])
    func malformedHeader(line: String, error: SIPParseError) {
        let name = line.prefix { $0 != ":" }
        let base = ["From: <sip:a@h>;tag=1", "To: <sip:b@h>", "Call-ID: x", "CSeq: 1 INVITE"]
        let lines = base.filter { !$0.hasPrefix(name + ":") } + [line]
        let bytes = ParserFixtures.crlf((["INVITE sip:b@h SIP/2.0"] + lines + ["", ""]).joined(separator: "\n"))
        #expect(throws: error) { try ParserFixtures.parse(bytes) }
        #expect(!error.message.isEmpty)
    }

    @Test func contentLengthFramesTheDatagramBody() throws {
        let head = "MESSAGE sip:b@h SIP/2.0\nFrom: <sip:a@h>;tag=1\nTo: <sip:b@h>\nCall-ID: x\nCSeq: 1 MESSAGE\n"
        // Shorter than the datagram: the rest is not body.
        let short = try ParserFixtures.parse(ParserFixtures.crlf(head + "Content-Length: 5\n\nhello world"))
        #expect(short.body == Array("hello".utf8))
        #expect(!short.isBodyTruncated)
        // Longer: what is there is kept and flagged.
        let long = try ParserFixtures.parse(ParserFixtures.crlf(head + "Content-Length: 500\n\nhello"))
        #expect(long.body == Array("hello".utf8))
        #expect(long.isBodyTruncated)
        // Absent: the rest of the datagram.
        let absent = try ParserFixtures.parse(ParserFixtures.crlf(head + "\nhello world"))
        #expect(absent.body == Array("hello world".utf8))
        #expect(!absent.isBodyTruncated)
        #expect(absent.method == .message)
    }

    @Test func truncatedSDPBodyStillGivesTheStreamsItHas() throws {
        let full = ParserFixtures.g711OK
        let cut = Array(full.dropLast(40))  // loses the last attribute lines
        let message = try ParserFixtures.parse(cut)
        #expect(message.isBodyTruncated)
        #expect(message.body.count == 226 - 40)
        #expect(message.sdp?.audio?.endpoint?.description == "10.0.2.15:27942")
        #expect(message.sdp?.audio?.rtpmaps[0]?.encoding == "PCMU")
    }

    @Test func startLines() throws {
        func startLine(_ line: String) -> Result<SIPMessage.StartLine, SIPParseError> {
            let bytes = ParserFixtures.crlf(line + "\nFrom: <sip:a@h>;tag=1\nTo: <sip:b@h>\nCall-ID: x\nCSeq: 1 INVITE\n\n")
            return ParserFixtures.outcome(bytes).map(\.startLine)
        }
        #expect(try startLine("SIP/2.0 183 Session Progress").get() == .response(status: 183, reason: "Session Progress"))
        #expect(try startLine("sip/2.0 486").get() == .response(status: 486, reason: ""))
        #expect(try startLine("invite sip:b@h SIP/2.0").get()
            == .request(method: .other("invite"), uri: SIPURI(scheme: "sip", user: "b", host: "h")))
        #expect(try startLine("INVITE tel:+4930123 SIP/2.0").get()
            == .request(method: .invite, uri: SIPURI(scheme: "tel", user: "+4930123", host: "")))
        #expect(try startLine("INVITE sips:[2001:db8::1]:5061;transport=tls SIP/2.0").get()
            == .request(method: .invite, uri: SIPURI(scheme: "sips", host: "2001:db8::1", port: 5061,
                                                      parameters: ["transport": "tls"])))
        #expect(try startLine("FOO-BAR sip:b@h SIP/2.0").get()
            == .request(method: .other("FOO-BAR"), uri: SIPURI(scheme: "sip", user: "b", host: "h")))

        #expect(startLine("SIP/2.0 99 Too Low") == .failure(.malformedStartLine))
        #expect(startLine("SIP/2.0 700 Too High") == .failure(.malformedStartLine))
        #expect(startLine("SIP/2.0 2000 OK") == .failure(.malformedStartLine))
        #expect(startLine("SIP/3.0 200 OK") == .failure(.malformedStartLine))
        #expect(startLine("SIP/2.0") == .failure(.malformedStartLine))
        #expect(startLine("INVITE sip:b@h extra SIP/2.0") == .failure(.malformedStartLine))
        #expect(startLine("INVITE sip: SIP/2.0") == .failure(.malformedStartLine))
        #expect(startLine("IN(VITE sip:b@h SIP/2.0") == .failure(.malformedStartLine))
        #expect(startLine("HELLO") == .failure(.notSIP))
        #expect(startLine("GET / HTTP/1.1") == .failure(.notSIP))
        #expect(startLine("INVITE sip:b@h SIP/3.0") == .failure(.notSIP))
    }

    @Test func methods() {
        let all: [SIPMethod] = [.invite, .ack, .bye, .cancel, .register, .options, .info, .prack, .update, .refer,
                                .notify, .subscribe, .message, .publish]
        for method in all {
            #expect(SIPMethod(method.name) == method)
        }
        #expect(SIPMethod("Invite") == .other("Invite"))
        #expect(SIPMethod("X-FOO").name == "X-FOO")
        #expect(Set(all.map(\.name)).count == all.count)
    }

    @Test func looksLikeSIP() {
        #expect(ParserFixtures.looksLikeSIP(ParserFixtures.g711Invite))
        #expect(ParserFixtures.looksLikeSIP(ParserFixtures.g711OK))
        #expect(ParserFixtures.looksLikeSIP(ParserFixtures.ipv6Invite))
        #expect(ParserFixtures.looksLikeSIP(ParserFixtures.multipartInvite))
        #expect(ParserFixtures.looksLikeSIP(Array("OPTIONS tel:+1555 SIP/2.0\n".utf8)))
        #expect(ParserFixtures.looksLikeSIP(Array("SIP/2.0 100 Trying".utf8)))
        #expect(!ParserFixtures.looksLikeSIP(Array("SIP/2.0 1x0 Trying".utf8)))
        #expect(!ParserFixtures.looksLikeSIP(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)))
        #expect(!ParserFixtures.looksLikeSIP(Array("INVITE http://x SIP/2.0\r\n".utf8)))
        #expect(!ParserFixtures.looksLikeSIP(Array("INVITE sip:b@h SIP/2.1\r\n".utf8)))
        #expect(!ParserFixtures.looksLikeSIP([0x80, 0x00, 0x12, 0x34] + [UInt8](repeating: 0, count: 168)))
        #expect(!ParserFixtures.looksLikeSIP([]))
    }
}
