// Finding the way back into a stream after a gap or garbage: the next SIP start line at the start
// of a line, an HTTP upgrade, or a WebSocket frame whose payload starts with a SIP start line.

extension SIPStreamFramer {
    enum Probe {
        case yes
        case no
        /// The bytes so far could begin one; more are needed to tell.
        case needMore
    }

    enum ScanResult {
        case found(Int, Candidate)
        /// A candidate at the position needs more bytes; keep from there.
        case needMore(Int, startsLine: Bool)
        /// Nothing in the bytes; whether they end with a line end (so the next byte starts a line).
        case nothing(endsLine: Bool)
    }

    /// Looks for the first place where framing can start again. Work is linear in the bytes: each
    /// position is looked at once, with a bounded look-ahead.
    func scan(_ bytes: UnsafeRawBufferPointer, from start: Int) -> ScanResult {
        var position = start
        while position < bytes.count {
            let startsLine = position > 0 ? bytes[position - 1] == ASCII.lf : scanStartsLine
            if startsLine {
                switch Self.probeStartLine(bytes, at: position) {
                case .yes: return .found(position, .startLine)
                case .needMore: return .needMore(position, startsLine: true)
                case .no: break
                }
            }
            if Self.mayStartWebSocketMessage(bytes[position]) {
                switch probeWebSocketFrame(bytes, at: position) {
                case .yes: return .found(position, .webSocketFrame)
                case .needMore: return .needMore(position, startsLine: startsLine)
                case .no: break
                }
            }
            position += 1
        }
        return .nothing(endsLine: bytes.count > start ? bytes[bytes.count - 1] == ASCII.lf : scanStartsLine)
    }

    /// Whether a SIP start line (request or status line) or an HTTP upgrade's first line begins at `position`.
    static func probeStartLine(_ bytes: UnsafeRawBufferPointer, at position: Int) -> Probe {
        let limit = min(bytes.count, position + maxStartLineBytes)
        var index = position
        while index < limit, bytes[index] != ASCII.lf {
            if isControlByte(bytes[index]) { return .no }
            index += 1
        }
        guard index < limit else { return limit - position >= maxStartLineBytes ? .no : .needMore }
        let line = UnsafeRawBufferPointer(rebasing: bytes[position...index])
        if SIPParser.looksLikeSIP(line) { return .yes }
        return isHTTPUpgradeLine(line) ? .yes : .no
    }

    /// `GET <target> HTTP/1.x` or `HTTP/1.x 101 …`: the first line of a WebSocket handshake.
    static func isHTTPUpgradeLine(_ line: UnsafeRawBufferPointer) -> Bool {
        let fields = Array(line)[...].trimmingWhitespace.splitOnWhitespace()
        guard fields.count >= 2 else { return false }
        if fields[0].elementsEqual("GET".utf8) {
            return fields.count == 3 && fields[2].hasPrefixIgnoringCase("http/1.")
        }
        return fields[0].hasPrefixIgnoringCase("http/1.") && fields[1].elementsEqual("101".utf8)
    }

    /// Control characters never appear in a start line (CR before its LF and tab aside).
    static func isControlByte(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != ASCII.tab && byte != ASCII.cr && byte != ASCII.lf) || byte == 0x7F
    }
}
