/// What an HTTP head on a SIP stream says about WebSocket: an upgrade request (`GET … Upgrade:
/// websocket`) or its `101 Switching Protocols` answer, and whether it names the `sip`
/// subprotocol (RFC 7118 §4).
struct WebSocketHandshake {
    enum Kind: Equatable {
        case upgradeRequest
        case switchingProtocols
        /// Any other HTTP message.
        case other
    }

    var kind: Kind
    var offersSIP: Bool

    /// Reads a head: the start line and header lines, up to (not necessarily including) the empty line.
    init(head: UnsafeRawBufferPointer) {
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = 0
        let bytes = Array(head)
        for index in bytes.indices where bytes[index] == ASCII.lf {
            var end = index
            if end > lineStart, bytes[end - 1] == ASCII.cr { end -= 1 }
            lines.append(bytes[lineStart..<end])
            lineStart = index + 1
        }
        if lineStart < bytes.count { lines.append(bytes[lineStart...]) }

        var upgradesToWebSocket = false
        var offersSIP = false
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ASCII.colon) else { continue }
            let name = line[line.startIndex..<colon].trimmingWhitespace
            let values = line[(colon + 1)...].splitOutsideQuotes(separator: ASCII.comma).map(\.trimmingWhitespace)
            if name.equalsIgnoringCase("upgrade") {
                upgradesToWebSocket = upgradesToWebSocket || values.contains { $0.equalsIgnoringCase("websocket") }
            } else if name.equalsIgnoringCase("sec-websocket-protocol") {
                offersSIP = offersSIP || values.contains { $0.equalsIgnoringCase("sip") }
            }
        }
        let startLine = lines.first ?? []
        let fields = startLine.splitOnWhitespace()
        if upgradesToWebSocket, fields.count == 3, fields[0].elementsEqual("GET".utf8),
           fields[2].hasPrefixIgnoringCase("http/1.") {
            kind = .upgradeRequest
        } else if upgradesToWebSocket, fields.count >= 2, fields[0].hasPrefixIgnoringCase("http/1."),
                  fields[1].elementsEqual("101".utf8) {
            kind = .switchingProtocols
        } else {
            kind = .other
        }
        self.offersSIP = offersSIP
    }
}
