// SIP over WebSocket (RFC 7118): frames (RFC 6455) joined into messages, one SIP message each.

extension SIPStreamFramer {
    func frameWebSocket(
        _ bytes: UnsafeRawBufferPointer, at position: Int, message: Message, malformed: Malformed
    ) -> Step {
        let header: WebSocketFrameHeader
        switch WebSocketFrameHeader.read(bytes, at: position) {
        case .needMore: return .needMore
        case .invalid(let reason): return .garbage("SIP over WebSocket: \(reason). Skipping to the next frame.")
        case .header(let read): header = read
        }
        let payloadStart = position + header.headerLength
        if header.isControl {
            // Ping, pong and close carry no SIP; `read` has bounded them to 125 bytes.
            let end = payloadStart + Int(header.payloadLength)
            return end <= bytes.count ? .advanced(to: end) : .needMore
        }
        if header.reservedBits != 0 || header.payloadLength > UInt64(maxBuffer) {
            malformed(header.reservedBits != 0
                ? "SIP over WebSocket: a compressed (permessage-deflate) or extended frame, not decoded."
                : "SIP over WebSocket: a frame of \(header.payloadLength) bytes, beyond the \(maxBuffer)-byte buffer.")
            // The frame's length is known, so the stream stays in step: skip exactly its payload,
            // and the rest of its message.
            forgetMessage()
            droppingMessage = !header.isFinal
            skipRemaining = Int(header.payloadLength)
            return .advanced(to: payloadStart)
        }
        let end = payloadStart + Int(header.payloadLength)
        guard end <= bytes.count else { return .needMore }
        let payload = UnsafeRawBufferPointer(rebasing: bytes[payloadStart..<end])

        if header.opcode == WebSocketFrameHeader.continuation {
            if droppingMessage {
                skippedBytes += payload.count
                if header.isFinal { droppingMessage = false }
                return .advanced(to: end)
            }
            guard fragmentedMessageOpen else {
                malformed("SIP over WebSocket: a continuation frame without a message to continue, skipped.")
                skippedBytes += payload.count
                return .advanced(to: end)
            }
            guard fragments.count + payload.count <= maxBuffer else {
                malformed("SIP over WebSocket: a fragmented message beyond the \(maxBuffer)-byte buffer, skipped.")
                skippedBytes += payload.count
                forgetMessage()
                droppingMessage = !header.isFinal
                return .advanced(to: end)
            }
            header.appendUnmasked(payload, to: &fragments)
            if header.isFinal {
                fragments.withUnsafeBytes { emit($0, message: message) }
                fragments.removeAll(keepingCapacity: true)
                fragmentedMessageOpen = false
            }
            return .advanced(to: end)
        }

        // Text or binary: a new message.
        if fragmentedMessageOpen {
            malformed("SIP over WebSocket: a message began before the previous one ended; the previous one is dropped.")
        }
        forgetMessage()
        if !header.isFinal {
            header.appendUnmasked(payload, to: &fragments)
            fragmentedMessageOpen = true
        } else if header.maskingKey == nil {
            emit(payload, message: message)
        } else {
            scratch.removeAll(keepingCapacity: true)
            header.appendUnmasked(payload, to: &scratch)
            scratch.withUnsafeBytes { emit($0, message: message) }
        }
        return .advanced(to: end)
    }

    /// One WebSocket message: a SIP message, or a keep-alive of CRLFs (as SIP.js and JsSIP send).
    private func emit(_ payload: UnsafeRawBufferPointer, message: Message) {
        if payload.allSatisfy({ $0 == ASCII.cr || $0 == ASCII.lf }) {
            keepAliveCount += 1
            return
        }
        messageCount += 1
        message(payload)
    }

    /// Whether a byte can begin the first frame of a text or binary message.
    static func mayStartWebSocketMessage(_ byte: UInt8) -> Bool {
        // FIN set or not, no reserved bits, opcode text or binary.
        byte & 0x7F == WebSocketFrameHeader.text || byte & 0x7F == WebSocketFrameHeader.binary
    }

    /// Whether a WebSocket frame that starts a message carrying SIP begins at `position`: its header
    /// is sound and its payload, unmasked, starts with a SIP start line.
    func probeWebSocketFrame(_ bytes: UnsafeRawBufferPointer, at position: Int) -> Probe {
        guard position < bytes.count, Self.mayStartWebSocketMessage(bytes[position]) else { return .no }
        let header: WebSocketFrameHeader
        switch WebSocketFrameHeader.read(bytes, at: position) {
        case .needMore: return .needMore
        case .invalid: return .no
        case .header(let read): header = read
        }
        // The shortest SIP message is far longer than 12 bytes.
        guard header.payloadLength >= 12, header.payloadLength <= UInt64(maxBuffer) else { return .no }
        let payloadStart = position + header.headerLength
        let wanted = min(Int(header.payloadLength), Self.maxStartLineBytes)
        let available = min(max(0, bytes.count - payloadStart), wanted)
        scratch.removeAll(keepingCapacity: true)
        header.appendUnmasked(UnsafeRawBufferPointer(rebasing: bytes[payloadStart..<(payloadStart + available)]), to: &scratch)
        if available < wanted, !scratch.contains(ASCII.lf) {
            return scratch.contains(where: Self.isControlByte) ? .no : .needMore
        }
        return scratch.withUnsafeBytes { SIPParser.looksLikeSIP($0) } ? .yes : .no
    }
}
