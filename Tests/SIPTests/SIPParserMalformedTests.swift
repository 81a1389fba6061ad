import CalltapTestSupport
import SIP
import Testing

/// Hostile and broken input: fuzzed messages from the PROTOS suite, truncations, random bytes,
/// mutations and pathological sizes. Every outcome is a value or a typed error, never a trap.
@Suite struct SIPParserMalformedTests {
    @Test func protosC07Suite() throws {
        let frames = ParserFixtures.protosC07
        #expect(frames.count == 39)
        var outcomes: [Int: Result<SIPMessage, SIPParseError>] = [:]
        for (frame, payload) in frames {
            outcomes[frame] = ParserFixtures.outcome(payload)
            // The other entry points must hold up on the same bytes.
            _ = try? ParserFixtures.messageLength(payload)
            _ = ParserFixtures.looksLikeSIP(payload)
        }

        func error(_ frame: Int) -> SIPParseError? {
            if case .failure(let error) = outcomes[frame] { return error }
            return nil
        }
        // NetBIOS name service packets.
        #expect(error(1) == .notSIP)
        #expect(error(2) == .notSIP)
        // The unfuzzed reference INVITE.
        let reference = try #require(try? outcomes[3]?.get())
        #expect(reference.method == .invite)
        #expect(reference.callID == "0@localhost")
        #expect(reference.from.tag == "0")
        #expect(reference.sdp?.audio?.endpoint?.description == "127.0.0.1:9876")
        // An empty method, methods of spaces, methods of non-token (Latin-1) bytes.
        for frame in [4] + Array(20...30) + Array(32...39) {
            #expect(error(frame) == .malformedStartLine, "frame \(frame)")
        }
        // Long all-letter methods are legal tokens: unknown methods, parsed in full.
        for frame in 5...15 {
            let message = try #require(try? outcomes[frame]?.get(), "frame \(frame)")
            #expect(message.callID == "\(frame - 3)@localhost")
            guard case .other(let name) = message.method else {
                Issue.record("frame \(frame): method \(String(describing: message.method))")
                continue
            }
            #expect(!name.isEmpty && name.allSatisfy { $0 == "a" })
            #expect(message.sdp?.audio?.port == 9876)
        }
        // Cut at 16000 bytes inside the method: the head never ends.
        for frame in 16...19 {
            #expect(error(frame) == .truncatedHeaders, "frame \(frame)")
        }
        #expect(error(31) == .notSIP)  // cut inside a method of non-token bytes
        #expect(ParserFixtures.looksLikeSIP(frames[2].payload))
        #expect(!ParserFixtures.looksLikeSIP(frames[0].payload))
    }

    @Test func everyPrefixOfAnInvite() throws {
        let invite = ParserFixtures.g711Invite
        let bodyStart = invite.count - 123
        for length in 0...invite.count {
            let prefix = Array(invite[..<length])
            let outcome = ParserFixtures.outcome(prefix)
            let framed = try ParserFixtures.messageLength(prefix)
            if length == 0 {
                #expect(outcome == .failure(.notSIP))
            } else if length < bodyStart {
                #expect(outcome == .failure(.truncatedHeaders), "prefix \(length)")
                #expect(framed == nil)
            } else {
                let message = try outcome.get()
                #expect(message.callID == "1-1966@10.0.2.20")
                #expect(message.body == Array(invite[bodyStart..<length]))
                #expect(message.isBodyTruncated == (length < invite.count))
                #expect(framed == (length == invite.count ? invite.count : nil))
                // Once the m= line is in, the stream is known even though the rest is missing.
                let mediaLineEnd = bodyStart + 89  // after v=, o=, s=, c=, t= and m= with their CRLFs
                if length >= mediaLineEnd {
                    #expect(message.sdp?.audio?.endpoint?.description == "10.0.2.20:6000", "prefix \(length)")
                }
            }
        }
    }

    @Test(arguments: [
        ParserFixtures.multipartInvite, ParserFixtures.ipv6Invite, ParserFixtures.webRTCInvite,
        ParserFixtures.holdReinvite,
    ])
    func everyPrefixAndSuffixOfOtherMessages(message: [UInt8]) throws {
        let full = try ParserFixtures.parse(message)
        let methodLength = full.method?.name.utf8.count ?? 0
        var parsed = 0
        for length in 0...message.count {
            let prefix = Array(message[..<length])
            if let partial = try? ParserFixtures.parse(prefix) {
                #expect(partial.callID == full.callID)
                #expect(partial.body == Array(full.body.prefix(partial.body.count)))
                parsed += 1
            }
            _ = try? ParserFixtures.messageLength(prefix)
            // Suffixes start mid-message, as after a lost TCP segment: only those that still
            // begin inside the method (`NVITE sip:…`) read as a request.
            let offset = message.count - length
            if case .success = ParserFixtures.outcome(Array(message[offset...])) {
                #expect(offset < methodLength, "suffix from \(offset)")
            }
        }
        #expect(parsed == full.body.count + 1)
    }

    @Test func randomBytes() {
        var generator = SeededGenerator(seed: 0x5EED_CA11)
        for _ in 0..<3000 {
            let count = Int.random(in: 0...1500, using: &generator)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let outcome = ParserFixtures.outcome(bytes)
            switch outcome {
            case .success:
                Issue.record("random bytes parsed as SIP: \(bytes.prefix(40))")
            case .failure(let error):
                #expect(error == .notSIP || error == .truncatedHeaders || error == .malformedStartLine)
            }
            #expect(!ParserFixtures.looksLikeSIP(bytes))
            _ = try? ParserFixtures.messageLength(bytes)
        }
    }

    /// Random edits drawn from SIP's own punctuation and keywords reach far deeper into the
    /// parser than random bytes do.
    @Test func mutatedMessages() {
        let pieces: [[UInt8]] = [
            "\r\n", "\n", "\r", " ", "\t", ":", ";", ",", "<", ">", "\"", "\\", "@", "[", "]", "%", "%4", "=", "/",
            "sip:", "tel:", "sips:", "SIP/2.0", "Call-ID: ", "From: ", "To: ", "CSeq: ", "Via: ", "l: ",
            "Content-Length: ", "Content-Type: multipart/mixed;boundary=x\r\n", "--x\r\n", "--x--",
            "Content-Type: application/sdp\r\n", "v=0\r\n", "m=audio ", "c=IN IP6 ", "a=rtpmap:", "/", "99999999999",
            "4294967296", "-1", "\u{0}", "\u{FF}", "é", "\r\n ", "\r\n\r\n",
        ].map { Array($0.utf8) }
        let seeds: [[UInt8]] = [
            ParserFixtures.g711Invite, ParserFixtures.multipartInvite, ParserFixtures.ipv6Invite,
            ParserFixtures.webRTCInvite, SIPParserHeaderTests.compactInvite,
        ]
        var generator = SeededGenerator(seed: 42)
        var parsedWithSDP = 0
        for round in 0..<4000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                let position = Int.random(in: 0...bytes.count, using: &generator)
                switch Int.random(in: 0..<4, using: &generator) {
                case 0: bytes.insert(contentsOf: pieces.randomElement(using: &generator)!, at: position)
                case 1: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...20, using: &generator)))
                case 2: if position < bytes.count { bytes[position] = UInt8.random(in: 0...255, using: &generator) }
                default:
                    let piece = pieces.randomElement(using: &generator)!
                    bytes.replaceSubrange(position..<min(bytes.count, position + piece.count), with: piece)
                }
            }
            if case .success(let message) = ParserFixtures.outcome(bytes) {
                #expect(!message.callID.isEmpty)
                #expect(message.body.count <= bytes.count)
                if message.sdp != nil { parsedWithSDP += 1 }
            }
            _ = try? ParserFixtures.messageLength(bytes)
            _ = ParserFixtures.looksLikeSIP(bytes)
        }
        // Most single edits leave a usable message: the fuzzer really exercised the deep paths.
        #expect(parsedWithSDP > 1000)
    }

    /// Pathological shapes at the size limit. They must give the right answer; their time
    /// (linear, not quadratic) is watched by the benchmarks.
    @Test func pathologicalSizes() throws {
        let head = "INVITE sip:b@h SIP/2.0\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n"
        func message(_ extra: String, body: String = "") -> [UInt8] {
            Array((head + extra + "\r\n" + body).utf8)
        }
        // 30 000 empty Via list elements.
        let commas = try ParserFixtures.parse(message("Via: a" + String(repeating: ",", count: 30_000) + "b\r\n"))
        #expect(commas.via == ["a", "b"])
        // An unclosed quote swallows every comma after it.
        let quote = try ParserFixtures.parse(message("Via: \"" + String(repeating: "a,", count: 30_000) + "\r\n"))
        #expect(quote.via.count == 1)
        // 30 000 angle brackets in a Contact.
        let angles = try ParserFixtures.parse(message("Contact: " + String(repeating: "<", count: 30_000) + "\r\n"))
        #expect(angles.contact == nil)
        // 8 000 folded continuation lines.
        let folded = try ParserFixtures.parse(message("Subject: a\r\n" + String(repeating: " b\r\n", count: 8_000)))
        #expect(folded.header("Subject")?.count == 1 + 2 * 8_000)
        // 5 000 header lines.
        let many = try ParserFixtures.parse(message(String(repeating: "X-A: 1\r\n", count: 5_000)))
        #expect(many.headers("x-a").count == 5_000)
        // A multipart body of 20 000 empty parts before the SDP.
        let parts = String(repeating: "--b\r\n\r\n", count: 20_000)
            + "--b\r\nContent-Type: application/sdp\r\n\r\nv=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 4000 RTP/AVP 0\r\n--b--\r\n"
        let multipart = try ParserFixtures.parse(message("Content-Type: multipart/mixed; boundary=\"b\"\r\n", body: parts))
        #expect(multipart.sdp?.audio?.endpoint?.description == "192.0.2.1:4000")
        // Delimiter look-alikes that never match a 70-character boundary.
        let boundary = String(repeating: "z", count: 70)
        let lookalikes = String(repeating: "--" + String(repeating: "z", count: 69) + "\r\n", count: 700)
        let missed = try ParserFixtures.parse(message("Content-Type: multipart/related;boundary=\(boundary)\r\n", body: lookalikes))
        #expect(missed.sdp == nil)
        #expect(missed.sdpError == nil)
    }

    @Test func multipartWithoutSDPOrWithBrokenSDP() throws {
        let head = "INVITE sip:b@h SIP/2.0\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n"
        let noSDP = try ParserFixtures.parse(Array((head + "Content-Type: multipart/mixed;boundary=q\r\n\r\n"
            + "--q\r\nContent-Type: application/isup\r\n\r\n\u{1}\u{2}\r\n--q--\r\n").utf8))
        #expect(noSDP.sdp == nil)
        #expect(noSDP.sdpError == nil)
        let brokenSDP = try ParserFixtures.parse(Array((head + "Content-Type: application/sdp\r\n\r\nnot sdp").utf8))
        #expect(brokenSDP.sdp == nil)
        #expect(brokenSDP.sdpError == .notSDP)
        let noBoundary = try ParserFixtures.parse(Array((head + "Content-Type: multipart/mixed\r\n\r\n--q\r\n").utf8))
        #expect(noBoundary.sdp == nil)
        // A multipart/alternative nested in multipart/mixed, SDP preceded by a preamble.
        let nested = try ParserFixtures.parse(Array((head + "Content-Type: multipart/mixed;boundary=outer\r\n\r\n"
            + "preamble\r\n--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n"
            + "--inner\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
            + "--inner\r\nContent-Type: Application/SDP\r\n\r\nv=0\r\nc=IN IP6 2001:db8::5\r\nm=audio 7078 RTP/AVP 8\r\n"
            + "--inner--\r\n--outer--\r\n").utf8))
        #expect(nested.sdp?.audio?.endpoint?.description == "[2001:db8::5]:7078")
        #expect(nested.sdp?.audio?.rtpmaps[8]?.encoding == "PCMA")
    }
}
