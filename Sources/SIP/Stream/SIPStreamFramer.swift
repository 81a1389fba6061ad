/// Splits one direction's byte stream (SIP over TCP or TLS-decrypted, or SIP over WebSocket) into
/// SIP messages: buffers partial messages, frames them with ``SIPParser/messageLength(_:)``,
/// resynchronises after a gap or garbage by scanning for the next start line, within a bounded
/// buffer. An HTTP `GET … Upgrade: websocket` with `Sec-WebSocket-Protocol: sip` (or its 101
/// answer) switches the stream to WebSocket frames (RFC 6455), each text or binary message being
/// one SIP message (RFC 7118); so do WebSocket frames carrying SIP met without a handshake, as on a
/// connection that was open before the capture started.
///
/// Not reentrant: `message` and `malformed` must not call back into the framer.
public final class SIPStreamFramer {
    public typealias Message = (UnsafeRawBufferPointer) -> Void
    public typealias Malformed = (String) -> Void

    enum Mode {
        case sip
        case webSocket
        /// A WebSocket for another subprotocol: nothing on it is SIP.
        case opaque
    }

    /// What a resynchronisation scan found at a position.
    enum Candidate {
        /// A SIP start line, or an HTTP upgrade request or answer (handled in `.sip` mode).
        case startLine
        case webSocketFrame
    }

    /// Bytes held at most: a partial SIP message, a WebSocket frame or a fragmented WebSocket message.
    public let maxBuffer: Int
    /// Complete SIP messages handed to `message`.
    public internal(set) var messageCount = 0
    /// Bytes skipped as garbage, lost with a partial message, or in frames that could not be used.
    public internal(set) var skippedBytes = 0
    /// CRLF keep-alives (RFC 5626) between messages, and WebSocket messages that held nothing else.
    public internal(set) var keepAliveCount = 0

    /// True once the stream carries SIP in WebSocket frames.
    public var isWebSocket: Bool { mode == .webSocket }

    /// Bytes held: a partial message or frame, and the parts of a fragmented WebSocket message.
    public var bufferedBytes: Int { buffer.count + fragments.count }

    var mode = Mode.sip
    /// Bytes not yet framed.
    private var buffer: [UInt8] = []
    var resynchronising = false
    /// Whether the first byte a resynchronisation scan looks at begins a line.
    var scanStartsLine = false

    /// What the partial SIP message at the start of `buffer` waits for, so that appends too small
    /// to complete it do not re-run `messageLength` over it: with segments of a few bytes, as a
    /// hostile peer can send, that would cost time quadratic in the message size.
    enum Wait {
        /// The first line is incomplete: no line end in the first `scanned` bytes. When it ends,
        /// `messageLength` must judge it.
        case firstLine(scanned: Int)
        /// The head is incomplete: no empty line in the first `scanned` bytes; its first line is
        /// complete and was found sound.
        case head(scanned: Int)
        /// The head is complete and declares the message this long.
        case length(Int)
    }

    var waiting: Wait?

    // WebSocket state.
    /// Payload of a fragmented message being joined, unmasked.
    var fragments: [UInt8] = []
    var fragmentedMessageOpen = false
    /// The rest of a message is being dropped (its first part could not be used).
    var droppingMessage = false
    /// Payload bytes of an unusable frame still to be skipped.
    var skipRemaining = 0
    /// Unmasked payload of the message at hand.
    var scratch: [UInt8] = []

    /// An HTTP head longer than this is not a WebSocket handshake.
    static let maxHandshakeBytes = 16 << 10
    /// A start line is judged within this many bytes (real ones are far shorter). While it looks for
    /// the next message, the framer holds at most this many bytes, so ``bufferedBytes`` never exceeds
    /// `maxBuffer` + this.
    public static let maxStartLineBytes = 2100

    /// `maxBuffer` is raised to 1024 if smaller: a SIP head must fit.
    public init(maxBuffer: Int = 128 << 10) {
        self.maxBuffer = max(maxBuffer, 1024)
    }

    /// Appends bytes; calls `message` with each complete SIP message's bytes (view valid during the
    /// call; leading keep-alives removed) and `malformed` with a reason for bytes that had to be
    /// skipped (once per run of garbage, not per byte).
    public func append(_ bytes: UnsafeRawBufferPointer, message: Message, malformed: Malformed) {
        guard !bytes.isEmpty else { return }
        if buffer.isEmpty {
            // The common case: whole messages in one segment are framed where they lie, uncopied.
            let consumed = consume(bytes, message: message, malformed: malformed)
            if consumed < bytes.count { buffer.append(contentsOf: bytes[consumed...]) }
        } else {
            buffer.append(contentsOf: bytes)
            if stillWaiting() { return }
            let consumed = buffer.withUnsafeBytes { consume($0, message: message, malformed: malformed) }
            buffer.removeFirst(consumed)
        }
    }

    /// Whether the partial message in `buffer` cannot be complete yet, judged from what it waits
    /// for and only the bytes just appended.
    private func stillWaiting() -> Bool {
        guard let wait = waiting, mode == .sip, !resynchronising, skipRemaining == 0, buffer.count <= maxBuffer
        else { return false }
        switch wait {
        case .length(let total):
            return buffer.count < total
        case .firstLine(let scanned):
            guard buffer.count <= SIPParser.maxHeaderBytes,
                  !buffer[scanned...].contains(ASCII.lf) else { return false }
            waiting = .firstLine(scanned: buffer.count)
            return true
        case .head(let scanned):
            // A head past the parser's bound must reach it, to be refused.
            guard buffer.count <= SIPParser.maxHeaderBytes else { return false }
            // The empty line may begin in bytes already scanned: look back two.
            var index = max(0, scanned - 2)
            while index < buffer.count {
                if buffer[index] == ASCII.lf {
                    if index + 1 < buffer.count, buffer[index + 1] == ASCII.lf { return false }
                    if index + 2 < buffer.count, buffer[index + 1] == ASCII.cr, buffer[index + 2] == ASCII.lf { return false }
                }
                index += 1
            }
            waiting = .head(scanned: buffer.count)
            return true
        }
    }

    /// After a TCP gap: drop the partial message and look for the next start line (or WebSocket frame).
    public func resynchronise() {
        skippedBytes += buffer.count
        buffer.removeAll(keepingCapacity: true)
        forgetMessage()
        skipRemaining = 0
        waiting = nil
        guard mode != .opaque else { return }
        resynchronising = true
        // The gap may have ended just before a message.
        scanStartsLine = true
    }

    // MARK: - Framing

    enum Step {
        case advanced(to: Int)
        case needMore
        /// The bytes at the position cannot be framed: skip them and resynchronise.
        case garbage(String)
    }

    /// Frames what it can of `bytes`; returns how many bytes were used up. The rest must be kept
    /// and offered again with more; it is bounded by `maxBuffer` (plus a frame header).
    private func consume(_ bytes: UnsafeRawBufferPointer, message: Message, malformed: Malformed) -> Int {
        waiting = nil
        var position = 0
        while position < bytes.count {
            if skipRemaining > 0 {
                let skipped = min(skipRemaining, bytes.count - position)
                skipRemaining -= skipped
                skippedBytes += skipped
                position += skipped
                continue
            }
            if resynchronising {
                switch scan(bytes, from: position) {
                case .found(let at, let candidate):
                    skippedBytes += at - position
                    position = at
                    resynchronising = false
                    forgetMessage()
                    switch candidate {
                    case .startLine: mode = .sip
                    case .webSocketFrame: mode = .webSocket
                    }
                case .needMore(let at, let startsLine):
                    skippedBytes += at - position
                    scanStartsLine = startsLine
                    return at
                case .nothing(let endsLine):
                    skippedBytes += bytes.count - position
                    scanStartsLine = endsLine
                    return bytes.count
                }
            }
            let step: Step
            switch mode {
            case .opaque:
                skippedBytes += bytes.count - position
                return bytes.count
            case .sip:
                step = frameSIP(bytes, at: position, message: message, malformed: malformed)
            case .webSocket:
                step = frameWebSocket(bytes, at: position, message: message, malformed: malformed)
            }
            switch step {
            case .advanced(let next):
                position = next
            case .needMore:
                return position
            case .garbage(let reason):
                malformed(reason)
                forgetMessage()
                // Past the first byte, so that the scan does not find the same start again.
                skippedBytes += 1
                position += 1
                resynchronising = true
                scanStartsLine = false
            }
        }
        return position
    }

    private func frameSIP(
        _ bytes: UnsafeRawBufferPointer, at position: Int, message: Message, malformed: Malformed
    ) -> Step {
        var start = position
        while start < bytes.count, bytes[start] == ASCII.cr || bytes[start] == ASCII.lf { start += 1 }
        if start > position {
            keepAliveCount += 1
            return .advanced(to: start)
        }
        let rest = UnsafeRawBufferPointer(rebasing: bytes[start...])
        switch Self.httpStart(rest) {
        case .some(true): return handshake(bytes, at: start, malformed: malformed)
        case .none: return .needMore
        case .some(false): break
        }
        let length: Int?
        do {
            length = try SIPParser.messageLength(rest)
        } catch {
            // Frames carrying SIP, met without their handshake: the connection predates the capture.
            switch probeWebSocketFrame(rest, at: 0) {
            case .yes:
                mode = .webSocket
                return .advanced(to: start)
            case .needMore:
                return .needMore
            case .no:
                return .garbage("SIP stream: \(error.message) Skipping to the next message.")
            }
        }
        guard let length else {
            let wait = Self.wait(for: rest)
            guard rest.count > maxBuffer else {
                waiting = wait
                return .needMore
            }
            if case .length(let declared) = wait {
                // The head is whole and says how long the message is: skip exactly that, and the
                // stream stays in step even if the body does not end with a line end.
                malformed("SIP stream: a message of \(declared) bytes, beyond the \(maxBuffer)-byte buffer, skipped.")
                skipRemaining = declared
                return .advanced(to: start)
            }
            return .garbage("SIP stream: a message head longer than the \(maxBuffer)-byte buffer. Skipping to the next message.")
        }
        messageCount += 1
        message(UnsafeRawBufferPointer(rebasing: rest[..<length]))
        return .advanced(to: start + length)
    }

    /// An HTTP head at `position`: a WebSocket upgrade for SIP switches the stream to frames.
    private func handshake(_ bytes: UnsafeRawBufferPointer, at position: Int, malformed: Malformed) -> Step {
        let rest = UnsafeRawBufferPointer(rebasing: bytes[position...])
        let searchEnd = min(rest.count, Self.maxHandshakeBytes)
        var headEnd: Int?
        var index = 0
        while index < searchEnd {
            if rest[index] == ASCII.lf {
                if index + 1 < rest.count, rest[index + 1] == ASCII.lf { headEnd = index + 2; break }
                if index + 2 < rest.count, rest[index + 1] == ASCII.cr, rest[index + 2] == ASCII.lf {
                    headEnd = index + 3
                    break
                }
            }
            index += 1
        }
        guard let headEnd else {
            return rest.count > Self.maxHandshakeBytes ? .garbage("SIP stream: an HTTP head that does not end.") : .needMore
        }
        let head = WebSocketHandshake(head: UnsafeRawBufferPointer(rebasing: rest[..<headEnd]))
        switch (head.kind, head.offersSIP) {
        case (.upgradeRequest, true), (.switchingProtocols, true):
            mode = .webSocket
            forgetMessage()
        case (.upgradeRequest, false), (.switchingProtocols, false):
            malformed("SIP stream: a WebSocket upgrade without the sip subprotocol; the stream is ignored.")
            mode = .opaque
        case (.other, _):
            malformed("SIP stream: an HTTP message that is not a WebSocket upgrade for SIP, skipped.")
            skippedBytes += headEnd
        }
        return .advanced(to: position + headEnd)
    }

    /// true if `bytes` start with `GET ` or `HTTP/`, false if they cannot, nil if too short to tell.
    static func httpStart(_ bytes: UnsafeRawBufferPointer) -> Bool? {
        func prefix(_ literal: StaticString) -> Bool? {
            literal.withUTF8Buffer { literal in
                let count = min(literal.count, bytes.count)
                for index in 0..<count where bytes[index] != literal[index] { return false }
                return count == literal.count ? true : nil
            }
        }
        let get = prefix("GET "), http = prefix("HTTP/")
        if get == true || http == true { return true }
        if get == false && http == false { return false }
        return nil
    }

    /// What a partial message (one `messageLength` found incomplete) waits for: the rest of its
    /// head, or the length its complete head declares. Nil when that cannot be told as surely as
    /// `SIPParser` would tell it (a folded or unreadable Content-Length): then every append is
    /// framed anew.
    static func wait(for bytes: UnsafeRawBufferPointer) -> Wait? {
        var lineStart = 0
        var contentLength: Int?
        for index in 0..<bytes.count where bytes[index] == ASCII.lf {
            var lineEnd = index
            if lineEnd > lineStart, bytes[lineEnd - 1] == ASCII.cr { lineEnd -= 1 }
            if lineEnd == lineStart {
                return contentLength.map { .length(index + 1 + $0) }
            }
            // The first Content-Length (or `l`) line, as SIPParser takes it; continuation lines
            // (starting with white space) are not header lines.
            if lineStart > 0, contentLength == nil, !ASCII.isWhitespace(bytes[lineStart]) {
                let line = Array(UnsafeRawBufferPointer(rebasing: bytes[lineStart..<lineEnd]))[...]
                if let colon = line.firstIndex(of: ASCII.colon) {
                    let name = line[..<colon].trimmingWhitespace
                    if name.equalsIgnoringCase("content-length") || name.equalsIgnoringCase("l") {
                        let value = line[(colon + 1)...].trimmingWhitespace
                        // A continuation line could still add to the value: only a plain number counts.
                        guard value.count <= 9, let length = value.decimal(as: Int.self),
                              index + 1 < bytes.count, !ASCII.isWhitespace(bytes[index + 1])
                        else { return nil }
                        contentLength = length
                    }
                }
            }
            lineStart = index + 1
        }
        return lineStart > 0 ? .head(scanned: bytes.count) : .firstLine(scanned: bytes.count)
    }

    func forgetMessage() {
        skippedBytes += fragments.count
        fragments.removeAll(keepingCapacity: true)
        fragmentedMessageOpen = false
        droppingMessage = false
    }
}
