import SIP
import Testing

/// SIP over a plain byte stream: messages cut anywhere, several in one chunk, bodies framed by
/// Content-Length, keep-alives.
@Suite struct SIPStreamFramerTests {
    typealias F = SIPStreamFixtures

    static let stream = F.trying + F.ringing + F.ok + F.bye
    static let expected = [F.trying, F.ringing, F.ok, F.bye]

    @Test func severalMessagesInOneChunk() throws {
        let framer = SIPStreamFramer()
        let framed = F.framed([Self.stream], framer: framer)
        #expect(framed.messages == Self.expected)
        #expect(framed.malformed.isEmpty)
        #expect(framer.messageCount == 4)
        #expect(framer.bufferedBytes == 0)
        #expect(!framer.isWebSocket)
        #expect(try framed.messages.map { try ParserFixtures.parse($0).statusCode } == [100, 180, 200, nil])
    }

    @Test func aStreamSplitAtEveryBytePosition() {
        for cut in 0...Self.stream.count {
            let framed = F.framed([Array(Self.stream[..<cut]), Array(Self.stream[cut...])])
            #expect(framed.messages == Self.expected, "cut at \(cut)")
            #expect(framed.malformed.isEmpty, "cut at \(cut)")
        }
    }

    @Test func oneByteAtATime() {
        let framer = SIPStreamFramer()
        var framed = F.Framed()
        for (index, byte) in Self.stream.enumerated() {
            F.append([byte], to: framer, &framed)
            // Each message comes out with its last byte, not before.
            let ends = Self.expected.reduce(into: [Int]()) { $0.append(($0.last ?? 0) + $1.count) }
            #expect(framed.messages.count == ends.filter { $0 <= index + 1 }.count, "after byte \(index)")
        }
        #expect(framed.messages == Self.expected)
    }

    /// Compact and folded Content-Length, fed a byte at a time: each message still comes out with
    /// its last byte (the framer's shortcut for partial messages must never hold one back).
    @Test func unusualContentLengthsOneByteAtATime() throws {
        let compact = ParserFixtures.crlf("MESSAGE sip:b@h SIP/2.0\nFrom: <sip:a@h>;tag=1\nTo: <sip:b@h>\nCall-ID: c1\nCSeq: 1 MESSAGE\nl: 5\n\nhello")
        let folded = ParserFixtures.crlf("MESSAGE sip:b@h SIP/2.0\nFrom: <sip:a@h>;tag=1\nTo: <sip:b@h>\nCall-ID: c2\nCSeq: 2 MESSAGE\nContent-Length:\n 5\n\nworld")
        let bare = Array("MESSAGE sip:b@h SIP/2.0\nl:3\nCall-ID: c3\n\nabc".utf8)
        let messages = [compact, folded, bare, F.ok]
        let framer = SIPStreamFramer()
        var framed = F.Framed()
        var sent = 0
        for message in messages {
            for (index, byte) in message.enumerated() {
                F.append([byte], to: framer, &framed)
                #expect(framed.messages.count == sent + (index == message.count - 1 ? 1 : 0), "byte \(index)")
            }
            sent += 1
        }
        #expect(framed.messages == messages)
        #expect(try ParserFixtures.parse(folded).body == Array("world".utf8))
    }

    @Test func contentLengthFramesABodyThatLooksLikeMessages() {
        let tricky = F.messageWithTrickyBody
        let stream = tricky + F.bye + tricky
        for cut in 0...stream.count {
            let framed = F.framed([Array(stream[..<cut]), Array(stream[cut...])])
            #expect(framed.messages == [tricky, F.bye, tricky], "cut at \(cut)")
        }
        let message = try? ParserFixtures.parse(tricky)
        #expect(message?.body == Array("SIP/2.0 200 OK\r\n\r\nINVITE sip:x@y SIP/2.0\r\n\r\n".utf8))
        // A large body over many segments, up to the buffer's size.
        let large = F.message(bodyLength: 100_000)
        let chunks = stride(from: 0, to: large.count, by: 1460).map { Array(large[$0..<min(large.count, $0 + 1460)]) }
        #expect(F.framed(chunks + [F.bye]).messages == [large, F.bye])
    }

    @Test func keepAlivesBetweenMessages() {
        let crlf: [UInt8] = [0x0D, 0x0A]
        let framer = SIPStreamFramer()
        // A ping (CRLFCRLF) and a pong (CRLF), alone, before, between and after messages.
        let framed = F.framed([crlf + crlf, crlf, F.trying + crlf + crlf + F.ringing, crlf, crlf + F.bye + crlf], framer: framer)
        #expect(framed.messages == [F.trying, F.ringing, F.bye])
        #expect(framed.malformed.isEmpty)
        #expect(framer.keepAliveCount == 6)
        // Keep-alives are not kept: nothing waits in the buffer.
        #expect(framer.bufferedBytes == 0)
    }

    @Test func messagesWithoutContentLengthHaveNoBody() {
        let ack = ParserFixtures.crlf("ACK sip:b@h SIP/2.0\nFrom: <sip:a@h>;tag=1\nTo: <sip:b@h>;tag=2\nCall-ID: x\nCSeq: 1 ACK\n\n")
        #expect(F.framed([ack + F.bye]).messages == [ack, F.bye])
    }
}
