import Testing
@testable import Media

/// Reading sender reports and reception report blocks out of compound RTCP.
@Suite struct RTCPPacketTests {
    /// An RR from `from` with one block per (ssrc, fraction lost, cumulative lost, jitter).
    static func receiverReport(from: UInt32, blocks: [(UInt32, UInt8, Int32, UInt32)]) -> [UInt8] {
        var p: [UInt8] = [0x80 | UInt8(blocks.count), 201] + be16(UInt16(1 + 6 * blocks.count)) + be32(from)
        for (ssrc, fraction, lost, jitter) in blocks {
            p += be32(ssrc) + [fraction] + Array(be32(UInt32(bitPattern: lost)).suffix(3))
            p += be32(70_000) + be32(jitter) + be32(0) + be32(0)
        }
        return p
    }

    static func senderReport(from: UInt32, ntp: UInt64, blocks: [(UInt32, UInt8, Int32, UInt32)] = []) -> [UInt8] {
        var p: [UInt8] = [0x80 | UInt8(blocks.count), 200] + be16(UInt16(6 + 6 * blocks.count)) + be32(from)
        p += be32(UInt32(ntp >> 32)) + be32(UInt32(truncatingIfNeeded: ntp)) + be32(1234) + be32(50) + be32(8000)
        for (ssrc, fraction, lost, jitter) in blocks {
            p += be32(ssrc) + [fraction] + Array(be32(UInt32(bitPattern: lost)).suffix(3))
            p += be32(70_000) + be32(jitter) + be32(0xAABB_CCDD) + be32(65536)
        }
        return p
    }

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }

    func read(_ bytes: [UInt8]) -> (senders: [[UInt32]], blocks: [RTCPPacket.ReportBlock]) {
        var senders: [[UInt32]] = []
        var blocks: [RTCPPacket.ReportBlock] = []
        bytes.withUnsafeBytes { RTCPPacket.read($0, senderReport: { senders.append([$0, $1]) }, block: { blocks.append($0) }) }
        return (senders, blocks)
    }

    @Test func aCompoundPacketGivesItsSenderReportAndEveryBlock() {
        let sdes: [UInt8] = [0x81, 202, 0, 2] + Self.be32(0x1111) + [1, 2, 0x41, 0x42]
        let packet = Self.senderReport(from: 0x1111, ntp: 0x0102_0304_0506_0708, blocks: [(0x2222, 64, 17, 40)])
            + sdes + Self.receiverReport(from: 0x1111, blocks: [(0x3333, 0, -2, 7), (0x4444, 255, 0x7F_FFFF, 0)])
        let (senders, blocks) = read(packet)
        #expect(senders == [[0x1111, 0x0304_0506]])
        #expect(blocks.map(\.ssrc) == [0x2222, 0x3333, 0x4444])
        #expect(blocks.map(\.fractionLost) == [64, 0, 255])
        #expect(blocks.map(\.cumulativeLost) == [17, -2, 0x7F_FFFF])
        #expect(blocks.map(\.jitter) == [40, 7, 0])
        #expect(blocks[0].lastSenderReport == 0xAABB_CCDD && blocks[0].delaySinceLastSenderReport == 65536)
        #expect(blocks[0].highestSequence == 70_000)
    }

    @Test func aLengthPastTheEndOrAnotherVersionStopsTheReading() {
        var packet = Self.receiverReport(from: 1, blocks: [(2, 0, 0, 5)]) + Self.receiverReport(from: 1, blocks: [(3, 0, 0, 6)])
        packet.removeLast(4)
        #expect(read(packet).blocks.map(\.ssrc) == [2])
        var other = Self.receiverReport(from: 1, blocks: [(2, 0, 0, 5)])
        other[0] = 0x41
        #expect(read(other).blocks.isEmpty)
        // A count that claims more blocks than the length holds reads only those it holds.
        var short = Self.receiverReport(from: 1, blocks: [(2, 0, 0, 5)])
        short[0] = 0x82
        #expect(read(short).blocks.map(\.ssrc) == [2])
        #expect(read([]).blocks.isEmpty && read([0x80, 201]).blocks.isEmpty)
    }
}
