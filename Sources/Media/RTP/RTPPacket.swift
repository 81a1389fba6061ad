/// The fixed header of an RTP packet (RFC 3550 §5.1) and a view of its payload.
public struct RTPPacket {
    public var payloadType: UInt8
    public var marker: Bool
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    /// The payload after CSRCs and header extension, with padding removed.
    public var payload: UnsafeRawBufferPointer

    /// Parses an RTP packet; nil when the bytes are not RTP version 2 or their lengths do not add up.
    /// RTCP (payload types 72–76 once the marker bit is folded in, i.e. packet types 200–204) is not RTP.
    @inline(__always)
    public static func parse(_ bytes: UnsafeRawBufferPointer) -> RTPPacket? {
        guard bytes.count >= 12 else { return nil }
        let b0 = bytes[0], b1 = bytes[1]
        guard b0 >> 6 == 2 else { return nil }
        let pt = b1 & 0x7F
        guard !(72...76).contains(pt) else { return nil }
        var offset = 12 + Int(b0 & 0x0F) * 4
        guard offset <= bytes.count else { return nil }
        if b0 & 0x10 != 0 {
            guard offset + 4 <= bytes.count else { return nil }
            let words = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            offset += 4 + words * 4
            guard offset <= bytes.count else { return nil }
        }
        var end = bytes.count
        if b0 & 0x20 != 0 {
            let padding = Int(bytes[end - 1])
            guard padding > 0, end - padding >= offset else { return nil }
            end -= padding
        }
        return RTPPacket(
            payloadType: pt,
            marker: b1 & 0x80 != 0,
            sequenceNumber: UInt16(bytes[2]) << 8 | UInt16(bytes[3]),
            timestamp: UInt32(bytes[4]) << 24 | UInt32(bytes[5]) << 16 | UInt32(bytes[6]) << 8 | UInt32(bytes[7]),
            ssrc: ssrc(of: bytes),
            payload: UnsafeRawBufferPointer(rebasing: bytes[offset..<end])
        )
    }

    /// The SSRC of a packet of at least 12 bytes: in clear also in SRTP, whose payload is not.
    @inline(__always)
    public static func ssrc(of bytes: UnsafeRawBufferPointer) -> UInt32 {
        UInt32(bytes[8]) << 24 | UInt32(bytes[9]) << 16 | UInt32(bytes[10]) << 8 | UInt32(bytes[11])
    }

    /// True for an RTCP packet (version 2, packet type SR, RR, SDES, BYE or APP).
    @inline(__always)
    public static func isRTCP(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 8 && bytes[0] >> 6 == 2 && (200...204).contains(bytes[1])
    }

    /// True for a ZRTP message (RFC 6189 §5): version bits 0b0001, magic cookie `ZRTP` at offset 4.
    public static func isZRTP(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 12 && bytes[0] == 0x10 && bytes[4] == 0x5A && bytes[5] == 0x52 && bytes[6] == 0x54 && bytes[7] == 0x50
    }

    /// True when the bytes could be RTP (version 2, sane lengths): used to count media that no call claims.
    public static func looksLikeRTP(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let p = parse(bytes) else { return false }
        return p.payloadType < 35 || p.payloadType >= 96
    }
}
