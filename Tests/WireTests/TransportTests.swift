import Testing
import Wire

@Suite struct TransportTests {
    typealias F = FrameBuilder
    let decoder = WireDecoder(linkType: .raw)

    @Test func udpLengthShorterThanIPPayloadTrimsThePayload() {
        let packet = F.ipv4("10.0.0.1", "10.0.0.2", protocol: 17, F.udp(1, 2, [1, 2, 3, 4, 5], length: 8 + 3))
        #expect(decoder.decode(packet) == .udp(source: "10.0.0.1:1", destination: "10.0.0.2:2", payload: [1, 2, 3]))
    }

    @Test func udpLengthLongerThanIPPayloadUsesWhatIsThere() {
        let packet = F.ipv4("10.0.0.1", "10.0.0.2", protocol: 17, F.udp(1, 2, [1, 2, 3], length: 500))
        #expect(decoder.decode(packet) == .udp(source: "10.0.0.1:1", destination: "10.0.0.2:2", payload: [1, 2, 3]))
    }

    @Test(arguments: [0, 7])
    func udpLengthBelowTheHeaderIsMalformed(length: Int) {
        let packet = F.ipv4("10.0.0.1", "10.0.0.2", protocol: 17, F.udp(1, 2, [1, 2, 3], length: length))
        #expect(decoder.decode(packet) == .dropped(.malformed))
    }

    @Test func emptyUDPPayload() {
        #expect(decoder.decode(F.ipv4UDP("10.0.0.1", 9, "10.0.0.2", 9, [])) == .udp(source: "10.0.0.1:9", destination: "10.0.0.2:9", payload: []))
    }

    @Test func udpHeaderCutShortIsMalformed() {
        let packet = F.ipv4("10.0.0.1", "10.0.0.2", protocol: 17, [0x13, 0xC4, 0x13, 0xC4, 0x00])
        #expect(decoder.decode(packet) == .dropped(.malformed))
    }

    @Test func tcpFieldsAndOptionsAreRead() {
        // MSS, SACK permitted, timestamps, NOP, window scale: 20 bytes of options.
        let options: [UInt8] = [2, 4, 0x05, 0xB4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7]
        let segment = F.tcp(5060, 49152, sequence: 0xFFFF_FFF0, acknowledgement: 0x0102_0304, flags: 0x12, options: options, F.sip)
        #expect(decoder.decode(F.ipv4("10.0.0.1", "10.0.0.2", protocol: 6, segment))
            == .tcp(source: "10.0.0.1:5060", destination: "10.0.0.2:49152", sequence: 0xFFFF_FFF0,
                    acknowledgement: 0x0102_0304, flags: TCPSegment.syn | TCPSegment.ack, payload: F.sip))
    }

    @Test func tcpFinRstWithoutPayload() {
        let segment = F.tcp(1, 2, sequence: 5, acknowledgement: 6, flags: TCPSegment.fin | TCPSegment.ack, [])
        #expect(decoder.decode(F.ipv4("10.0.0.1", "10.0.0.2", protocol: 6, segment))
            == .tcp(source: "10.0.0.1:1", destination: "10.0.0.2:2", sequence: 5, acknowledgement: 6, flags: 0x11, payload: []))
    }

    @Test(arguments: [UInt8(0x00), 0x40, 0x60])  // data offset 0, 4 words, 6 words with only 5 present
    func tcpDataOffsetOutOfRangeIsMalformed(offsetByte: UInt8) {
        var segment = F.tcp(1, 2, sequence: 0, acknowledgement: 0, flags: 0x02, [])
        segment[12] = offsetByte
        #expect(decoder.decode(F.ipv4("10.0.0.1", "10.0.0.2", protocol: 6, segment)) == .dropped(.malformed))
    }
}
