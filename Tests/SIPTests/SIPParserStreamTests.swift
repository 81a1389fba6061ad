import SIP
import Testing

/// Framing on stream transports with `SIPParser.messageLength`.
@Suite struct SIPParserStreamTests {
    /// Feeds `segments` to a buffer the way a TCP reassembler would, cutting out every message
    /// as soon as `messageLength` says it is complete.
    static func reassemble(_ segments: [[UInt8]]) throws(SIPParseError) -> [SIPMessage] {
        var buffer: [UInt8] = []
        var messages: [SIPMessage] = []
        for segment in segments {
            buffer += segment
            while let length = try ParserFixtures.messageLength(buffer) {
                messages.append(try ParserFixtures.parse(buffer[..<length]))
                buffer.removeFirst(length)
            }
        }
        #expect(buffer.isEmpty)
        return messages
    }

    @Test func realSegmentsFromAvaya() throws {
        let messages = try Self.reassemble(ParserFixtures.avayaStreamSegments)
        #expect(messages.map(\.statusCode) == [100, 180, 200])
        #expect(Set(messages.map(\.callID)) == ["17c0b3b3-dfd2-42ac-9018-6156179021c0"])
        // A UTF-8 display name (Cyrillic) survives.
        #expect(messages.first?.from.displayName == "Псков-5")
        #expect(messages.first?.from.tag == "2B29D9ejt7t8Q")
        #expect(messages[1].to.tag == "80f8aa2a6592e812bb15b37b77600")
        #expect(messages[1].contact?.parameters == ["+avaya-cm-keep-mpro": "no"])
        let audio = try #require(messages.last?.sdp?.audio)
        #expect(audio.endpoint?.description == "10.9.28.194:2876")
        #expect(audio.rtpmaps[18] == RTPMap(encoding: "G729", clockRate: 8000))
        #expect(audio.fmtp[18] == "annexb=no")
    }

    @Test func everySplitPointOfAStream() throws {
        let stream = ParserFixtures.tcpTrying + ParserFixtures.tcpRinging + ParserFixtures.tcpOK + ParserFixtures.tcpBye
        let first = ParserFixtures.tcpTrying.count
        for cut in 0...stream.count {
            let length = try ParserFixtures.messageLength(Array(stream[..<cut]))
            #expect(length == (cut < first ? nil : first), "cut at \(cut)")
        }
        // Two segments split anywhere still give the same four messages.
        for cut in stride(from: 0, through: stream.count, by: 7) {
            let messages = try Self.reassemble([Array(stream[..<cut]), Array(stream[cut...])])
            #expect(messages.map(\.statusCode) == [100, 180, 200, nil])
            #expect(messages.last?.method == .bye)
            #expect(messages[2].sdp?.audio?.endpoint?.description == "10.33.6.101:6050")
        }
    }

    @Test func keepAlivesBeforeAMessage() throws {
        let message = ParserFixtures.tcpBye
        #expect(try ParserFixtures.messageLength(Array("\r\n\r\n".utf8)) == nil)
        #expect(try ParserFixtures.messageLength(Array("\r\n\r\n".utf8) + message) == 4 + message.count)
        #expect(try ParserFixtures.parse(Array("\r\n\r\n".utf8) + message).method == .bye)
        #expect(try ParserFixtures.messageLength([]) == nil)
        // Nothing but keep-alives, without end: refused before the buffer grows without bound.
        let endless = [UInt8](repeating: 0x0A, count: SIPParser.maxHeaderBytes + 1)
        #expect(throws: SIPParseError.tooLarge) { try ParserFixtures.messageLength(endless) }
    }

    @Test func bodyWaitsForContentLength() throws {
        let ok = ParserFixtures.tcpOK
        let headLength = ok.count - 225
        #expect(try ParserFixtures.messageLength(Array(ok[..<headLength])) == nil)
        #expect(try ParserFixtures.messageLength(Array(ok.dropLast())) == nil)
        #expect(try ParserFixtures.messageLength(ok) == ok.count)
        #expect(try ParserFixtures.messageLength(ok + Array("OPTIONS".utf8)) == ok.count)
    }

    @Test func missingContentLengthMeansNoBody() throws {
        let bytes = ParserFixtures.crlf("ACK sip:b@h SIP/2.0\nFrom: <sip:a@h>;tag=1\nTo: <sip:b@h>;tag=2\nCall-ID: x\nCSeq: 1 ACK\n\n")
        #expect(try ParserFixtures.messageLength(bytes + Array("SIP/2.0 2".utf8)) == bytes.count)
    }

    @Test func refusesWhatCannotBeFramed() throws {
        // Not SIP: refused as soon as the first line shows it, or even before it is complete.
        #expect(throws: SIPParseError.notSIP) { try ParserFixtures.messageLength(Array("GET / HTTP/1.1\r\n".utf8)) }
        #expect(throws: SIPParseError.notSIP) { try ParserFixtures.messageLength([0x16, 0x03, 0x01, 0x02, 0x00]) }
        #expect(throws: SIPParseError.malformedStartLine) {
            try ParserFixtures.messageLength(Array("SIP/2.0 OK\r\n".utf8))
        }
        // Beginnings that may still become SIP wait for more.
        #expect(try ParserFixtures.messageLength(Array("INVI".utf8)) == nil)
        #expect(try ParserFixtures.messageLength(Array("SIP/2.0 18".utf8)) == nil)

        let head = "MESSAGE sip:b@h SIP/2.0\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: x\r\nCSeq: 1 MESSAGE\r\n"
        #expect(throws: SIPParseError.badContentLength) {
            try ParserFixtures.messageLength(Array((head + "Content-Length: ten\r\n\r\n").utf8))
        }
        #expect(throws: SIPParseError.tooLarge) {
            try ParserFixtures.messageLength(Array((head + "Content-Length: 2000000\r\n\r\n").utf8))
        }
        // Headers that never end.
        var endless = Array(head.utf8)
        while endless.count <= SIPParser.maxHeaderBytes { endless += Array("X-Padding: 0123456789abcdef\r\n".utf8) }
        #expect(throws: SIPParseError.tooLarge) { try ParserFixtures.messageLength(endless) }
        #expect(throws: SIPParseError.tooLarge) { try ParserFixtures.parse(endless) }
        // A first line that never ends.
        let longLine = Array("INVITE sip:".utf8) + [UInt8](repeating: 0x61, count: SIPParser.maxHeaderBytes + 1)
        #expect(throws: SIPParseError.tooLarge) { try ParserFixtures.messageLength(longLine) }
    }
}
