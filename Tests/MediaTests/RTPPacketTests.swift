import CalltapTestSupport
import Testing
@testable import Media

@Suite struct RTPPacketTests {
    static func packet(pt: UInt8 = 0, seq: UInt16 = 1, ts: UInt32 = 160, ssrc: UInt32 = 0xDEADBEEF,
                       csrc: Int = 0, extensionWords: Int? = nil, padding: Int = 0, payload: [UInt8] = [1, 2, 3]) -> [UInt8] {
        var b: [UInt8] = [0x80 | UInt8(csrc) | (extensionWords != nil ? 0x10 : 0) | (padding > 0 ? 0x20 : 0), pt,
                          UInt8(seq >> 8), UInt8(seq & 0xFF),
                          UInt8(ts >> 24), UInt8((ts >> 16) & 0xFF), UInt8((ts >> 8) & 0xFF), UInt8(ts & 0xFF),
                          UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xFF), UInt8((ssrc >> 8) & 0xFF), UInt8(ssrc & 0xFF)]
        b += [UInt8](repeating: 9, count: csrc * 4)
        if let words = extensionWords { b += [0xBE, 0xDE, 0, UInt8(words)] + [UInt8](repeating: 0, count: words * 4) }
        b += payload
        if padding > 0 { b += [UInt8](repeating: 0, count: padding - 1) + [UInt8(padding)] }
        return b
    }

    @Test func parsesHeaderAndPayload() throws {
        let bytes = Self.packet(pt: 8 | 0x80, seq: 0xFFFE, ts: 0x01020304, csrc: 2, extensionWords: 1, padding: 3)
        let p = try #require(bytes.withUnsafeBytes { RTPPacket.parse($0).map { ($0.payloadType, $0.marker, $0.sequenceNumber, $0.timestamp, $0.ssrc, Array($0.payload)) } })
        #expect(p.0 == 8)
        #expect(p.1 == true)
        #expect(p.2 == 0xFFFE)
        #expect(p.3 == 0x01020304)
        #expect(p.4 == 0xDEADBEEF)
        #expect(p.5 == [1, 2, 3])
    }

    @Test func rejectsWhatIsNotRTP() {
        let valid = Self.packet()
        // Every truncation of the header, a wrong version, RTCP, bad padding: nil, never a trap.
        for n in 0..<12 {
            #expect(Array(valid.prefix(n)).withUnsafeBytes { RTPPacket.parse($0) } == nil)
        }
        var v1 = valid; v1[0] = 0x40
        #expect(v1.withUnsafeBytes { RTPPacket.parse($0) } == nil)
        var rtcp = valid; rtcp[1] = 200
        #expect(rtcp.withUnsafeBytes { RTPPacket.parse($0) } == nil)
        #expect(rtcp.withUnsafeBytes { RTPPacket.isRTCP($0) })
        var badPadding = valid; badPadding[0] |= 0x20; badPadding[badPadding.count - 1] = 200
        #expect(badPadding.withUnsafeBytes { RTPPacket.parse($0) } == nil)
        var csrcTooMany = valid; csrcTooMany[0] |= 0x0F
        #expect(csrcTooMany.withUnsafeBytes { RTPPacket.parse($0) } == nil)
    }

    @Test func randomBytesNeverTrapAndViewsStayInside() {
        var rng = SeededGenerator(seed: 0x52_54_50)
        var parsed = 0
        for _ in 0..<5000 {
            let n = Int.random(in: 0..<64, using: &rng)
            var bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Half of them start like RTP, so that the length checks behind the version are reached.
            if n > 0, Bool.random(using: &rng) { bytes[0] = 0x80 | (bytes[0] & 0x3F) }
            bytes.withUnsafeBytes { buffer in
                guard let p = RTPPacket.parse(buffer) else { return }
                parsed += 1
                // The payload view lies inside the packet, after the 12-byte header.
                let offset = p.payload.baseAddress.map { $0 - buffer.baseAddress! } ?? 12
                #expect(offset >= 12 && offset + p.payload.count <= buffer.count)
            }
        }
        #expect(parsed > 0)
    }
}
