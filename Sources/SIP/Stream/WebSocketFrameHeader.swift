/// The header of one WebSocket frame (RFC 6455 §5.2): FIN, reserved bits, opcode, mask and the
/// 7-, 16- or 64-bit payload length.
struct WebSocketFrameHeader {
    var isFinal: Bool
    /// RSV1-3; non-zero only with an extension (permessage-deflate sets RSV1).
    var reservedBits: UInt8
    var opcode: UInt8
    /// The masking key as it appears on the wire; nil for an unmasked (server) frame.
    var maskingKey: (UInt8, UInt8, UInt8, UInt8)?
    var payloadLength: UInt64
    /// Bytes from the first header byte to the first payload byte: 2 to 14.
    var headerLength: Int

    static let continuation: UInt8 = 0x0
    static let text: UInt8 = 0x1
    static let binary: UInt8 = 0x2
    static let close: UInt8 = 0x8

    var isControl: Bool { opcode & 0x8 != 0 }

    enum Reading {
        case needMore
        case invalid(String)
        case header(WebSocketFrameHeader)
    }

    /// Reads the header at `offset`; bytes after it are not looked at.
    static func read(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Reading {
        let available = bytes.count - offset
        guard available >= 2 else { return .needMore }
        let first = bytes[offset], second = bytes[offset + 1]
        let opcode = first & 0x0F
        // 3-7 and 11-15 are reserved: the bytes are not a frame.
        guard opcode <= 2 || (opcode >= 8 && opcode <= 10) else { return .invalid("reserved opcode \(opcode)") }
        let isFinal = first & 0x80 != 0
        let masked = second & 0x80 != 0
        var length = UInt64(second & 0x7F)
        var headerLength = 2
        if length == 126 {
            guard available >= 4 else { return .needMore }
            length = UInt64(bytes[offset + 2]) << 8 | UInt64(bytes[offset + 3])
            headerLength = 4
        } else if length == 127 {
            guard available >= 10 else { return .needMore }
            length = 0
            for index in 0..<8 { length = length << 8 | UInt64(bytes[offset + 2 + index]) }
            // The most significant bit must be 0; such a length is garbage, not a huge frame.
            guard length >> 63 == 0 else { return .invalid("payload length with its top bit set") }
            headerLength = 10
        }
        if opcode >= 8 {
            // Control frames are never fragmented and carry at most 125 bytes.
            guard isFinal, length <= 125 else { return .invalid("fragmented or oversized control frame") }
        }
        var maskingKey: (UInt8, UInt8, UInt8, UInt8)?
        if masked {
            guard available >= headerLength + 4 else { return .needMore }
            let at = offset + headerLength
            maskingKey = (bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3])
            headerLength += 4
        }
        return .header(WebSocketFrameHeader(
            isFinal: isFinal, reservedBits: first & 0x70, opcode: opcode, maskingKey: maskingKey,
            payloadLength: length, headerLength: headerLength))
    }

    /// Appends `payload` to `output`, unmasked. `payload` starts at the frame's first payload byte.
    func appendUnmasked(_ payload: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        guard let key = maskingKey else {
            output.append(contentsOf: payload)
            return
        }
        let word = UInt32(key.0) << 24 | UInt32(key.1) << 16 | UInt32(key.2) << 8 | UInt32(key.3)
        output.reserveCapacity(output.count + payload.count)
        for index in 0..<payload.count {
            output.append(payload[index] ^ UInt8(truncatingIfNeeded: word >> UInt32(24 - 8 * (index & 3))))
        }
    }
}
