import CalltapTestSupport
import Foundation
import SIP
import Testing
import Wire

/// Real captures of SIP over TCP and WebSocket, through Wire's decoder, TCP reassembly and stream
/// framing: the messages must be those tshark 4.0.17 finds, no more (retransmissions) and no fewer
/// (segmented messages, several messages in a segment).
@Suite struct SIPStreamCaptureTests {
    typealias F = SIPStreamFixtures

    /// `tshark -r captures/sip-over-tcp.pcap -q -z sip,stat`
    @Test func sipOverTCP() throws {
        let pcap = [UInt8](try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.capture("sip-over-tcp.pcap"))))
        let replay = try F.replay(pcap)
        #expect(replay.tally == ["INVITE": 1, "ACK": 1, "BYE": 1, "100": 1, "180": 1, "200": 2])
        #expect(replay.parseErrors.isEmpty && replay.malformed.isEmpty && replay.gaps == 0)
        #expect(Set(replay.messages.map(\.message.callID)).count == 1)
        // The INVITE's offer and the answer came through whole.
        let invite = try #require(replay.messages.first { $0.message.method == .invite }?.message)
        #expect(invite.sdp?.audio != nil)
        #expect(!invite.isBodyTruncated)
        let answer = try #require(replay.messages.first { $0.message.statusCode == 200 && $0.message.cseq.method == .invite })
        #expect(answer.message.sdp?.audio?.endpoint != nil)
    }

    /// `tshark -r sip_ipv4_tcp_fragmented.pcap -d tcp.port==6060,sip -q -z sip,stat`: 406 messages.
    @Test func segmentedMessagesOnPort6060() throws {
        let replay = try F.replay(try F.capture("sip_ipv4_tcp_fragmented.pcap"))
        #expect(replay.tally == [
            "INVITE": 37, "ACK": 37, "OPTIONS": 5, "PRACK": 5, "UPDATE": 63, "BYE": 34, "CANCEL": 2,
            "100": 36, "180": 33, "182": 2, "183": 6, "200": 142, "403": 1, "486": 1, "487": 2,
        ])
        #expect(replay.messages.count == 406)
        #expect(replay.parseErrors.isEmpty)
        #expect(replay.malformed.isEmpty)
        #expect(replay.gaps == 0)
        // Every message that announced a body got all of it.
        #expect(replay.messages.allSatisfy { !$0.message.isBodyTruncated })
        #expect(replay.messages.filter { $0.message.sdp != nil }.count > 37)
        // Four connections, both directions, all followed from mid-connection (no SYN in the file).
        #expect(Set(replay.messages.map(\.key)).count == 8)
    }

    /// The same capture as a poor mirror port would show it: frames delayed by up to 2 ms (past
    /// later ones: the capture's median spacing is 0.5 ms) and one in ten shown twice, up to 20 ms
    /// later. Reassembly must undo it all: the same 406 messages, byte for byte. The first 100
    /// frames, where all eight directions begin, stay in order: a direction first seen mid-connection
    /// starts at the first segment seen, so one overtaken there would be lost.
    @Test(arguments: [UInt64(1), 2, 3])
    func segmentedMessagesReorderedAndRepeated(seed: UInt64) throws {
        let pcap = try F.capture("sip_ipv4_tcp_fragmented.pcap")
        let clean = try F.replay(pcap)
        var random = SeededGenerator(seed: seed)
        let replay = try F.replay(pcap) { frames in
            var shown = frames.enumerated().map { index, frame in
                var late = frame
                if index >= 100 { late.nanos += Int64.random(in: 0...2_000_000, using: &random) }
                return late
            }
            for _ in 0..<(frames.count / 10) {
                var copy = frames[Int.random(in: 0..<frames.count, using: &random)]
                copy.nanos += Int64.random(in: 1...20_000_000, using: &random)
                shown.append(copy)
            }
            return shown.enumerated().sorted { ($0.element.nanos, $0.offset) < ($1.element.nanos, $1.offset) }.map(\.element)
        }
        #expect(replay.tally == clean.tally)
        #expect(Self.multiset(replay.framedBytes) == Self.multiset(clean.framedBytes))
        #expect(replay.gaps == 0)
        #expect(replay.malformed.isEmpty)
        #expect(replay.counters.outOfOrder > 0 && replay.counters.retransmitted > 0)
    }

    /// The same capture with one frame in 40 lost: the messages those carried are lost, but every
    /// message that comes out is one that was sent, whole and once, and the streams go on after
    /// each gap.
    @Test(arguments: [UInt64(7), 8, 9])
    func segmentedMessagesWithLoss(seed: UInt64) throws {
        let pcap = try F.capture("sip_ipv4_tcp_fragmented.pcap")
        let clean = try F.replay(pcap)
        var random = SeededGenerator(seed: seed)
        let replay = try F.replay(pcap) { frames in frames.filter { _ in Int.random(in: 0..<40, using: &random) != 0 } }
        let sent = Self.multiset(clean.framedBytes)
        for (message, count) in Self.multiset(replay.framedBytes) {
            #expect(count <= sent[message] ?? 0, "\(String(decoding: message.prefix(60), as: UTF8.self))")
        }
        #expect(replay.gaps > 0)
        #expect(replay.messages.count < 406 && replay.messages.count > 406 * 3 / 4)
        #expect(replay.parseErrors.isEmpty)
    }

    static func multiset(_ messages: [[UInt8]]) -> [[UInt8]: Int] {
        messages.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    /// `tshark -r sip_ipv4_tcp_retrans.pcap -Y tcp -q -z sip,stat`: the 4 TCP messages (the 4
    /// others are over UDP); the retransmitted 200 OK (frame 38) is not a fifth.
    @Test func retransmissionsAreNotRepeated() throws {
        let replay = try F.replay(try F.capture("sip_ipv4_tcp_retrans.pcap"))
        #expect(replay.tally == ["REGISTER": 2, "401": 1, "200": 1])
        #expect(replay.counters.retransmitted >= 1)
        #expect(replay.parseErrors.isEmpty)
        #expect(replay.gaps == 0)
        let register = replay.messages.filter { $0.message.method == .register }.map(\.message.cseq.number)
        #expect(register.count == 2 && Set(register).count == 2)
        // SSH and TLS on the same capture give no SIP; their bytes are reported as malformed.
        #expect(Set(replay.messages.map { $0.key.destination.port == 5060 || $0.key.source.port == 5060 }) == [true])
        #expect(!replay.malformed.isEmpty)
        #expect(replay.webSocketStreams.isEmpty)
    }

    /// `tshark -r sip_tcp_websocket.pcap -Y tcp -q -z sip,stat`: 11 messages over WebSocket (the
    /// 28 others in the file are over UDP), masked from the client, unmasked from the server.
    @Test func sipOverWebSocket() throws {
        let replay = try F.replay(try F.capture("sip_tcp_websocket.pcap"))
        #expect(replay.tally == ["INVITE": 2, "ACK": 2, "BYE": 1, "100": 1, "180": 1, "183": 1, "200": 2, "407": 1])
        #expect(replay.messages.count == 11)
        #expect(replay.parseErrors.isEmpty && replay.malformed.isEmpty && replay.gaps == 0)
        #expect(replay.webSocketStreams.count == 2)
        // Client frames were unmasked: the INVITEs' headers and SDP read as sent.
        let invites = replay.messages.filter { $0.message.method == .invite }.map(\.message)
        #expect(invites.map(\.cseq.number) == [2206, 2207])
        #expect(invites.allSatisfy { $0.sdp?.audio != nil })
        #expect(invites.first?.requestURI?.user == "+12263382742")
    }
}
