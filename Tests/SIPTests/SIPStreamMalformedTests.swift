import CalltapTestSupport
import SIP
import Testing

/// Garbage, gaps, broken framing and oversized messages: the framer skips what it must, says so,
/// stays within its buffer and finds the next message.
@Suite struct SIPStreamMalformedTests {
    typealias F = SIPStreamFixtures

    static let garbage = [UInt8]([0x16, 0x03, 0x01, 0x00, 0xA5, 0x81, 0x7E, 0xFF]) + Array("\r\nnot sip at all\r\nGET".utf8)
        + [0x00, 0x0A]

    @Test func garbageThenAMessage() {
        let framer = SIPStreamFramer()
        let framed = F.framed([Self.garbage + F.trying + F.bye], framer: framer)
        #expect(framed.messages == [F.trying, F.bye])
        #expect(framed.malformed.count == 1)
        #expect(framed.malformed.first?.contains("does not start with a SIP request line") == true)
        #expect(framer.skippedBytes == Self.garbage.count)
    }

    @Test func garbageThenAMessageSplitAnywhere() {
        let stream = F.ok + Self.garbage + F.trying
        for cut in 0...stream.count {
            let framed = F.framed([Array(stream[..<cut]), Array(stream[cut...])])
            #expect(framed.messages == [F.ok, F.trying], "cut at \(cut)")
            #expect(framed.malformed.count == 1, "cut at \(cut)")
        }
    }

    @Test func aGapInsideAMessageLosesOnlyThatMessage() {
        let framer = SIPStreamFramer()
        var framed = F.Framed()
        F.append(Array(F.ok[..<200]), to: framer, &framed)
        framer.resynchronise()
        #expect(framer.bufferedBytes == 0)
        // The stream resumes inside the body of the lost message, then the next one follows.
        F.append(Array(F.ok[(F.ok.count - 100)...]) + F.bye, to: framer, &framed)
        #expect(framed.messages == [F.bye])
        #expect(framed.malformed.isEmpty, "a gap is the reassembler's news, not malformed data")
        #expect(framer.skippedBytes == 300)
    }

    @Test func aGapThatEndsBetweenMessages() {
        let framer = SIPStreamFramer()
        var framed = F.Framed()
        F.append(Array(F.ok[..<200]), to: framer, &framed)
        framer.resynchronise()
        F.append(F.trying, to: framer, &framed)
        F.append(F.bye, to: framer, &framed)
        #expect(framed.messages == [F.trying, F.bye])
    }

    @Test func aBrokenContentLengthSkipsToTheNextMessage() {
        let broken = ParserFixtures.crlf("""
            MESSAGE sip:b@h SIP/2.0
            From: <sip:a@h>;tag=1
            To: <sip:b@h>
            Call-ID: broken
            CSeq: 1 MESSAGE
            Content-Length: twelve

            hello world!
            """)
        let framed = F.framed([broken + [0x0D, 0x0A] + F.bye])
        #expect(framed.messages == [F.bye])
        #expect(framed.malformed.count == 1)
        #expect(framed.malformed.first?.contains("Content-Length") == true)
    }

    @Test func aMessageLargerThanTheBufferIsSkipped() {
        let framer = SIPStreamFramer(maxBuffer: 4096)
        let large = F.message(bodyLength: 10_000)
        let stream = large + F.trying
        var framed = F.Framed()
        for start in stride(from: 0, to: stream.count, by: 1000) {
            F.append(Array(stream[start..<min(stream.count, start + 1000)]), to: framer, &framed)
            #expect(framer.bufferedBytes <= 4096 + SIPStreamFramer.maxStartLineBytes)
        }
        #expect(framed.messages == [F.trying])
        #expect(framed.malformed.count == 1)
        #expect(framed.malformed.first?.contains("buffer") == true)
        #expect(framer.skippedBytes == large.count)
        // A head that never ends within the buffer: skipped as garbage, found again at the next line.
        let endless = Array("MESSAGE sip:b@h SIP/2.0\r\n".utf8)
            + Array(repeating: Array("X-Padding: 0123456789abcdef\r\n".utf8), count: 200).flatMap { $0 }
        let again = F.framed(stride(from: 0, to: endless.count, by: 1000).map { Array(endless[$0..<min(endless.count, $0 + 1000)]) }
            + [F.trying], framer: SIPStreamFramer(maxBuffer: 4096))
        #expect(again.messages == [F.trying])
        #expect(again.malformed.count == 1)
    }

    @Test func httpThatIsNotAnUpgradeIsSkipped() {
        let http = Array("GET /status HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        let framer = SIPStreamFramer()
        let framed = F.framed([http + F.bye], framer: framer)
        #expect(framed.messages == [F.bye])
        #expect(framed.malformed.count == 1)
        #expect(!framer.isWebSocket)
    }

    @Test func randomGarbageBetweenMessagesNeverHidesTheNext() {
        var random = SeededGenerator(seed: 0x51F)
        for round in 0..<300 {
            let garbage = (0..<Int.random(in: 1...600, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            // Garbage ends where a line ends: the next message starts a line, as after any real message.
            let stream = F.trying + garbage + [0x0D, 0x0A] + F.bye
            let framer = SIPStreamFramer()
            var framed = F.Framed()
            var start = 0
            while start < stream.count {
                let end = min(stream.count, start + Int.random(in: 1...700, using: &random))
                F.append(Array(stream[start..<end]), to: framer, &framed)
                start = end
            }
            #expect(framed.messages == [F.trying, F.bye], "round \(round)")
            #expect(framed.malformed.count <= 2, "round \(round): one report per run of garbage")
            #expect(framer.bufferedBytes == 0)
        }
    }

    static func contains(_ stream: [UInt8], _ run: [UInt8]) -> Bool {
        guard run.count <= stream.count else { return false }
        return (0...(stream.count - run.count)).contains { stream[$0..<($0 + run.count)].elementsEqual(run) }
    }

    @Test func mutatedStreamsNeverTrapAndStayBounded() {
        var random = SeededGenerator(seed: 0xBAD)
        let clean = F.trying + F.ok + F.messageWithTrickyBody + F.bye
        for _ in 0..<500 {
            var stream = clean
            for _ in 0..<Int.random(in: 1...20, using: &random) {
                stream[Int.random(in: 0..<stream.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            if Bool.random(using: &random) { stream = Array(stream[..<Int.random(in: 0..<stream.count, using: &random)]) }
            let framer = SIPStreamFramer(maxBuffer: 2048)
            var framed = F.Framed()
            var start = 0
            while start < stream.count {
                let end = min(stream.count, start + Int.random(in: 1...300, using: &random))
                F.append(Array(stream[start..<end]), to: framer, &framed)
                start = end
                #expect(framer.bufferedBytes <= 2048 + SIPStreamFramer.maxStartLineBytes)
            }
            // Whatever came out is what was sent: a run of the stream's bytes.
            for message in framed.messages { #expect(Self.contains(stream, message)) }
            // After a resynchronisation a clean message is always found.
            framer.resynchronise()
            let before = framed.messages.count
            F.append([0x0D, 0x0A] + F.bye, to: framer, &framed)
            #expect(framed.messages.count == before + 1 && framed.messages.last == F.bye)
        }
    }
}
