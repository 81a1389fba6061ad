import CalltapTestSupport
import SIP
import Testing

/// SIP over WebSocket (RFC 7118): the handshake, masked and unmasked frames, the three length
/// encodings, fragmented messages, control frames, and frames that cannot be used.
@Suite struct SIPStreamWebSocketTests {
    typealias F = SIPStreamFixtures
    static let maskA: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
    static let maskB: [UInt8] = [0x01, 0x80, 0xFF, 0x5A]

    @Test func clientHandshakeAndMaskedFrames() {
        let stream = F.upgradeRequest + F.frame(F.trying, mask: Self.maskA) + F.frame(F.bye, mask: Self.maskB)
        for cut in 0...stream.count {
            let framer = SIPStreamFramer()
            let framed = F.framed([Array(stream[..<cut]), Array(stream[cut...])], framer: framer)
            #expect(framed.messages == [F.trying, F.bye], "cut at \(cut)")
            #expect(framed.malformed.isEmpty, "cut at \(cut)")
            #expect(framer.isWebSocket)
        }
    }

    @Test func serverAnswerAndTheThreeLengthEncodings() throws {
        let short = Array("\r\n".utf8)  // a keep-alive message: 7-bit length
        let big = F.message(bodyLength: 70_000)  // 64-bit length
        let stream = F.upgradeAnswer + F.frame(short) + F.frame(F.ok) + F.frame(F.bye, longLength: true) + F.frame(big)
        #expect(F.frame(F.ok)[1] == 126)
        #expect(F.frame(big)[1] == 127)
        let framer = SIPStreamFramer()
        let chunks = stride(from: 0, to: stream.count, by: 1448).map { Array(stream[$0..<min(stream.count, $0 + 1448)]) }
        let framed = F.framed(chunks, framer: framer)
        #expect(framed.messages == [F.ok, F.bye, big])
        #expect(framed.malformed.isEmpty)
        #expect(framer.keepAliveCount == 1)
        #expect(try ParserFixtures.parse(framed.messages[0]).sdp?.audio != nil)
    }

    @Test func fragmentedMessagesAreJoinedAroundControlFrames() {
        let message = F.ok
        let parts = [Array(message[..<100]), Array(message[100..<101]), Array(message[101...])]
        let ping = F.frame(Array("ping".utf8), opcode: 0x9, mask: Self.maskA)
        let stream = F.upgradeRequest
            + F.frame(parts[0], opcode: 1, final: false, mask: Self.maskA)
            + ping  // control frames may come between the fragments of a message
            + F.frame(parts[1], opcode: 0, final: false, mask: Self.maskB)
            + F.frame(parts[2], opcode: 0, final: true, mask: Self.maskA)
            + F.frame([], opcode: 0xA, mask: Self.maskB)  // pong
            + F.frame(F.bye, opcode: 2, mask: Self.maskB)  // binary
            + F.frame([0x03, 0xE8], opcode: 0x8, mask: Self.maskA)  // close
        for cut in stride(from: 0, through: stream.count, by: 3) {
            let framer = SIPStreamFramer()
            let framed = F.framed([Array(stream[..<cut]), Array(stream[cut...])], framer: framer)
            #expect(framed.messages == [message, F.bye], "cut at \(cut)")
            #expect(framed.malformed.isEmpty, "cut at \(cut)")
            #expect(framer.bufferedBytes == 0)
        }
    }

    @Test func anUpgradeForAnotherSubprotocolIsIgnored() {
        var request = String(decoding: F.upgradeRequest, as: UTF8.self)
        request = request.replacingOccurrences(of: "Sec-WebSocket-Protocol: sip", with: "Sec-WebSocket-Protocol: xmpp")
        let framer = SIPStreamFramer()
        let framed = F.framed([Array(request.utf8) + F.frame(F.trying, mask: Self.maskA), F.frame(F.bye, mask: Self.maskA)], framer: framer)
        #expect(framed.messages.isEmpty)
        #expect(framed.malformed.count == 1)
        #expect(!framer.isWebSocket)
    }

    @Test func framesMetWithoutTheirHandshake() {
        // A connection opened before the capture started: the first bytes seen are frames.
        let framer = SIPStreamFramer()
        let framed = F.framed([F.frame(F.trying, mask: Self.maskA) + F.frame(F.bye, mask: Self.maskB)], framer: framer)
        #expect(framed.messages == [F.trying, F.bye])
        #expect(framed.malformed.isEmpty)
        #expect(framer.isWebSocket)
        // The same from the server side, unmasked, entered after a gap in the middle of a frame.
        let server = SIPStreamFramer()
        var resumed = F.Framed()
        F.append(Array(F.frame(F.ok)[..<300]), to: server, &resumed)
        server.resynchronise()
        F.append(Array(F.frame(F.ok)[500...]) + F.frame(F.ringing) + F.frame(F.bye), to: server, &resumed)
        #expect(resumed.messages == [F.ringing, F.bye])
        #expect(server.isWebSocket)
    }

    @Test func aGapInsideAFragmentedMessage() {
        let framer = SIPStreamFramer()
        var framed = F.Framed()
        F.append(F.upgradeRequest + F.frame(Array(F.ok[..<200]), final: false, mask: Self.maskA), to: framer, &framed)
        #expect(framer.bufferedBytes == 200)
        framer.resynchronise()
        let tail = F.frame(Array(F.ok[200...]), opcode: 0, mask: Self.maskB)
        F.append(Array(tail[50...]) + F.frame(F.bye, mask: Self.maskA), to: framer, &framed)
        #expect(framed.messages == [F.bye])
        #expect(framer.isWebSocket)
        #expect(framer.bufferedBytes == 0)
    }

    @Test func compressedAndOversizedFramesAreSkippedExactly() {
        let framer = SIPStreamFramer(maxBuffer: 4096)
        let compressed = F.frame(Array(F.trying.reversed()), mask: Self.maskA, reserved: 0x40)  // RSV1: permessage-deflate
        let oversized = F.frame([UInt8](repeating: 0x41, count: 10_000), final: false, mask: Self.maskB)
        let continuation = F.frame([UInt8](repeating: 0x42, count: 100), opcode: 0, mask: Self.maskA)
        let stream = F.upgradeRequest + compressed + F.frame(F.ringing, mask: Self.maskA) + oversized + continuation
            + F.frame(F.bye, mask: Self.maskB)
        var framed = F.Framed()
        for start in stride(from: 0, to: stream.count, by: 700) {
            F.append(Array(stream[start..<min(stream.count, start + 700)]), to: framer, &framed)
            #expect(framer.bufferedBytes <= 4096 + 14)
        }
        #expect(framed.messages == [F.ringing, F.bye])
        #expect(framed.malformed.count == 2)
        #expect(framed.malformed.first?.contains("compressed") == true)
    }

    @Test func brokenFramesResynchroniseOnTheNextFrame() {
        // Opcode 3 is reserved: not a frame; the next real frame is found by its SIP payload.
        let framer = SIPStreamFramer()
        let framed = F.framed([F.upgradeAnswer + [0x83, 0x05, 1, 2, 3, 4, 5] + F.frame(F.ringing) + F.frame(F.bye)], framer: framer)
        #expect(framed.messages == [F.ringing, F.bye])
        #expect(framed.malformed.count == 1)
        #expect(framed.malformed.first?.contains("reserved opcode") == true)
        #expect(framer.isWebSocket)
        // A continuation without a message to continue.
        let orphan = F.framed([F.upgradeRequest + F.frame(Array("x".utf8), opcode: 0, mask: Self.maskA) + F.frame(F.bye, mask: Self.maskA)])
        #expect(orphan.messages == [F.bye])
        #expect(orphan.malformed.count == 1)
    }

    @Test func randomFramesNeverTrapAndStayBounded() {
        var random = SeededGenerator(seed: 0x6455)
        let clean = F.upgradeRequest + F.frame(F.trying, mask: Self.maskA)
            + F.frame(Array(F.ok[..<150]), final: false, mask: Self.maskB) + F.frame(Array(F.ok[150...]), opcode: 0, mask: Self.maskA)
            + F.frame(F.bye, longLength: true)
        for _ in 0..<500 {
            var stream = clean
            for _ in 0..<Int.random(in: 1...10, using: &random) {
                stream[Int.random(in: F.upgradeRequest.count..<stream.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            let framer = SIPStreamFramer(maxBuffer: 2048)
            var framed = F.Framed()
            var start = 0
            while start < stream.count {
                let end = min(stream.count, start + Int.random(in: 1...400, using: &random))
                F.append(Array(stream[start..<end]), to: framer, &framed)
                start = end
                #expect(framer.bufferedBytes <= 2048 + SIPStreamFramer.maxStartLineBytes)
            }
            #expect(framer.isWebSocket)
            // After a resynchronisation a clean frame is always found.
            framer.resynchronise()
            let before = framed.messages.count
            F.append(F.frame(F.bye, mask: Self.maskB), to: framer, &framed)
            #expect(framed.messages.count == before + 1 && framed.messages.last == F.bye)
        }
    }
}
