import CalltapTestSupport
import Foundation
import SIP
import Wire

/// SIP over TCP and WebSocket for the stream tests: message and frame builders, and a replay of
/// capture files through the path the capture loop uses (WireDecoder → TCPReassembler →
/// SIPStreamFramer → SIPParser), so that counts can be compared with tshark's.
enum SIPStreamFixtures {
    // MARK: - Messages

    static let trying = ParserFixtures.tcpTrying
    static let ringing = ParserFixtures.tcpRinging
    static let ok = ParserFixtures.tcpOK
    static let bye = ParserFixtures.tcpBye

    /// A MESSAGE whose body holds an empty line and lines that look like SIP start lines, so that
    /// only Content-Length can frame it.
    static let messageWithTrickyBody: [UInt8] = {
        let body = Array("SIP/2.0 200 OK\r\n\r\nINVITE sip:x@y SIP/2.0\r\n\r\n".utf8)
        return ParserFixtures.crlf("""
            MESSAGE sip:bob@example.com SIP/2.0
            Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK-1
            From: <sip:alice@example.com>;tag=a1
            To: <sip:bob@example.com>
            Call-ID: tricky-body@10.0.0.1
            CSeq: 7 MESSAGE
            Content-Type: message/sipfrag
            Content-Length: \(body.count)


            """) + body
    }()

    /// A MESSAGE with a body of `count` bytes.
    static func message(bodyLength count: Int, callID: String = "big@10.0.0.1") -> [UInt8] {
        ParserFixtures.crlf("""
            MESSAGE sip:bob@example.com SIP/2.0
            Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK-2
            From: <sip:alice@example.com>;tag=a2
            To: <sip:bob@example.com>
            Call-ID: \(callID)
            CSeq: 8 MESSAGE
            Content-Type: text/plain
            Content-Length: \(count)


            """) + [UInt8](repeating: 0x78, count: count)
    }

    // MARK: - WebSocket

    static let upgradeRequest = ParserFixtures.crlf("""
        GET / HTTP/1.1
        Host: 10.243.0.157:8080
        Connection: Upgrade
        Upgrade: websocket
        Sec-WebSocket-Version: 13
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
        Sec-WebSocket-Protocol: sip


        """)

    static let upgradeAnswer = ParserFixtures.crlf("""
        HTTP/1.1 101 Switching Protocols
        Upgrade: websocket
        Connection: Upgrade
        Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
        Sec-WebSocket-Protocol: sip


        """)

    /// One frame (RFC 6455 §5.2), masked when a key is given, with the shortest length encoding
    /// unless `longLength` forces the 64-bit one.
    static func frame(
        _ payload: [UInt8], opcode: UInt8 = 1, final: Bool = true, mask: [UInt8]? = nil, longLength: Bool = false,
        reserved: UInt8 = 0
    ) -> [UInt8] {
        var bytes: [UInt8] = [(final ? 0x80 : 0) | reserved | opcode]
        let maskBit: UInt8 = mask == nil ? 0 : 0x80
        if payload.count < 126, !longLength {
            bytes.append(maskBit | UInt8(payload.count))
        } else if payload.count <= 0xFFFF, !longLength {
            bytes += [maskBit | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            bytes.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: payload.count >> shift)) }
        }
        guard let mask else { return bytes + payload }
        bytes += mask
        return bytes + payload.enumerated().map { $0.element ^ mask[$0.offset & 3] }
    }

    // MARK: - Framing

    /// What a framer gave for a series of appends.
    struct Framed {
        var messages: [[UInt8]] = []
        var malformed: [String] = []
    }

    static func framed(_ chunks: [[UInt8]], framer: SIPStreamFramer = SIPStreamFramer()) -> Framed {
        var framed = Framed()
        for chunk in chunks { append(chunk, to: framer, &framed) }
        return framed
    }

    static func append(_ chunk: [UInt8], to framer: SIPStreamFramer, _ framed: inout Framed) {
        chunk.withUnsafeBytes { bytes in
            framer.append(bytes, message: { framed.messages.append(Array($0)) }, malformed: { framed.malformed.append($0) })
        }
    }

    // MARK: - Captures

    struct Frame {
        var nanos: Int64
        var bytes: [UInt8]
    }

    /// The frames of a classic pcap file (either byte order, micro- or nanosecond time stamps).
    static func pcapFrames(_ data: [UInt8]) throws -> (LinkType, [Frame]) {
        guard data.count >= 24 else { throw TestSupportError("pcap: too short") }
        func u32(_ offset: Int, _ little: Bool) -> UInt32 {
            let b = data[offset..<(offset + 4)].map(UInt32.init)
            return little ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24
        }
        let little: Bool, nanoseconds: Bool
        switch u32(0, true) {
        case 0xA1B2_C3D4: (little, nanoseconds) = (true, false)
        case 0xA1B2_3C4D: (little, nanoseconds) = (true, true)
        case 0xD4C3_B2A1: (little, nanoseconds) = (false, false)
        case 0x4D3C_B2A1: (little, nanoseconds) = (false, true)
        default: throw TestSupportError("pcap: not a classic pcap file")
        }
        guard let linkType = LinkType(dlt: Int32(bitPattern: u32(20, little))) else {
            throw TestSupportError("pcap: unknown link type")
        }
        var frames: [Frame] = []
        var offset = 24
        while offset + 16 <= data.count {
            let seconds = Int64(u32(offset, little)), fraction = Int64(u32(offset + 4, little))
            let length = Int(u32(offset + 8, little))
            offset += 16
            guard offset + length <= data.count else { break }
            frames.append(Frame(nanos: seconds * 1_000_000_000 + (nanoseconds ? fraction : fraction * 1000),
                                bytes: Array(data[offset..<(offset + length)])))
            offset += length
        }
        return (linkType, frames)
    }

    /// A capture file of the repository's captures/ (heplify's TCP and WebSocket captures: see
    /// captures/README.md for their provenance).
    static func capture(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.capture(name))))
    }

    /// What a capture gave, per message kind (`INVITE`, `200`, …) and in all.
    struct Replay {
        var messages: [(key: TCPReassembler.StreamKey, message: SIPMessage)] = []
        /// Every framed message's bytes, in the order framed.
        var framedBytes: [[UInt8]] = []
        var parseErrors: [SIPParseError] = []
        var malformed: [String] = []
        var gaps = 0
        var webSocketStreams: Set<TCPReassembler.StreamKey> = []
        var counters = TCPReassembler.Counters()

        /// Requests by method, responses by status code: the lines of tshark's `-z sip,stat`.
        var tally: [String: Int] {
            messages.reduce(into: [:]) { tally, entry in
                tally[entry.message.statusCode.map(String.init) ?? entry.message.method?.description ?? "?", default: 0] += 1
            }
        }
    }

    /// Runs a capture's TCP through reassembly and framing, as the capture loop will, one framer
    /// per direction, forgetting directions the reassembler drops.
    static func replay(_ pcap: [UInt8], reshape: ([Frame]) -> [Frame] = { $0 }) throws -> Replay {
        let (linkType, captured) = try pcapFrames(pcap)
        let frames = reshape(captured)
        let decoder = WireDecoder(linkType: linkType)
        let reassembler = TCPReassembler()
        var framers: [TCPReassembler.StreamKey: SIPStreamFramer] = [:]
        var replay = Replay()

        func deliver(_ key: TCPReassembler.StreamKey, _ bytes: UnsafeRawBufferPointer) {
            let framer = framers[key] ?? SIPStreamFramer()
            framers[key] = framer
            framer.append(bytes, message: { message in
                replay.framedBytes.append(Array(message))
                do throws(SIPParseError) {
                    replay.messages.append((key, try SIPParser.parse(message)))
                } catch {
                    replay.parseErrors.append(error)
                }
            }, malformed: { replay.malformed.append("\(key): \($0)") })
            if framer.isWebSocket { replay.webSocketStreams.insert(key) }
        }
        func gap(_ key: TCPReassembler.StreamKey, _ size: Int) {
            replay.gaps += 1
            framers[key]?.resynchronise()
        }

        var last = Int64.min
        for frame in frames {
            frame.bytes.withUnsafeBytes { bytes in
                if case .tcp(let segment) = decoder.decode(bytes, timestampNanos: frame.nanos) {
                    reassembler.process(segment, nanos: frame.nanos, deliver: deliver, gap: gap)
                }
            }
            last = max(last, frame.nanos)
        }
        for key in reassembler.expire(now: last + 3600 * 1_000_000_000, deliver: deliver, gap: gap) {
            framers[key] = nil
        }
        replay.counters = reassembler.counters
        return replay
    }
}
