import Wire

/// Line-by-line reader behind ``SessionDescription/parse(_:)``.
///
/// SDP arrives from every kind of stack, so a line that cannot be read is skipped rather than
/// failing the whole description; a broken m= line drops its whole section, so that its
/// attributes do not leak into the stream before it.
struct SDPParser {
    /// Far above any real SDP (a WebRTC offer with many candidates is a few kilobytes).
    static let maxBytes = 1024 * 1024

    private var origin: SDPOrigin?
    private var sessionConnection: IPAddress?
    private var sessionDirection: MediaDirection?
    private var sessionEncrypted = false
    private var sessionFingerprint = false
    private var sections: [Section] = []
    /// False after a broken m= line, until the next m= line.
    private var inUsableSection = true
    private var sawLine = false

    /// A media section being read; session defaults are applied when the description is done.
    private struct Section {
        var media: MediaDescription
        var connection: IPAddress?
        var direction: MediaDirection?
        var encrypted: Bool
    }

    static func parse(_ bytes: ArraySlice<UInt8>) throws(SDPParseError) -> SessionDescription {
        guard bytes.count <= maxBytes else { throw .tooLarge }
        guard bytes.contains(where: { !ASCII.isWhitespace($0) && $0 != ASCII.cr && $0 != ASCII.lf }) else {
            throw .empty
        }
        var parser = SDPParser()
        var lineStart = bytes.startIndex
        var index = bytes.startIndex
        while index <= bytes.endIndex {
            if index == bytes.endIndex || bytes[index] == ASCII.lf {
                var line = bytes[lineStart..<index]
                if line.last == ASCII.cr { line = line.dropLast() }
                parser.read(line)
                lineStart = index + 1
            }
            index += 1
        }
        return try parser.finish()
    }

    private mutating func read(_ line: ArraySlice<UInt8>) {
        guard line.count >= 2, line[line.startIndex + 1] == ASCII.equals else { return }
        let type = line[line.startIndex]
        guard type &- 0x61 < 26 else { return }  // a–z
        sawLine = true
        let value = line[(line.startIndex + 2)...]
        switch type {
        case UInt8(ascii: "m"): readMedia(value)
        case _ where !inUsableSection: return
        case UInt8(ascii: "o"): readOrigin(value)
        case UInt8(ascii: "c"): readConnection(value)
        case UInt8(ascii: "a"): readAttribute(value)
        default: return
        }
    }

    private mutating func readOrigin(_ value: ArraySlice<UInt8>) {
        guard sections.isEmpty, origin == nil else { return }
        let fields = value.splitOnWhitespace()
        guard fields.count >= 6 else { return }
        origin = SDPOrigin(username: fields[0].text, sessionID: fields[1].text, version: fields[2].text,
                           address: fields[5].text)
    }

    /// `IN IP4 192.0.2.1`, `IN IP6 2001:db8::1`, multicast `/ttl[/count]` suffixes dropped.
    private mutating func readConnection(_ value: ArraySlice<UInt8>) {
        let fields = value.splitOnWhitespace()
        guard fields.count >= 3, fields[0].equalsIgnoringCase("in"),
              fields[1].equalsIgnoringCase("ip4") || fields[1].equalsIgnoringCase("ip6")
        else { return }
        let addressField = fields[2]
        let addressBytes = addressField[addressField.startIndex..<(addressField.firstIndex(of: ASCII.slash) ?? addressField.endIndex)]
        guard let address = IPAddress(addressBytes.text) else { return }
        if sections.isEmpty {
            if sessionConnection == nil { sessionConnection = address }
        } else if sections[sections.count - 1].connection == nil {
            sections[sections.count - 1].connection = address
        }
    }

    /// `audio 49170[/2] RTP/AVP 0 8 101`.
    private mutating func readMedia(_ value: ArraySlice<UInt8>) {
        let fields = value.splitOnWhitespace()
        guard fields.count >= 3 else { inUsableSection = false; return }
        let portField = fields[1]
        let portBytes = portField[portField.startIndex..<(portField.firstIndex(of: ASCII.slash) ?? portField.endIndex)]
        guard let port = portBytes.decimal(as: UInt16.self) else { inUsableSection = false; return }
        inUsableSection = true

        let transport = fields[2].text
        let formats = fields.dropFirst(3).map(\.text)
        var payloadTypes: [UInt8] = []
        for format in fields.dropFirst(3) {
            if let payloadType = format.decimal(as: UInt8.self), payloadType < 128 { payloadTypes.append(payloadType) }
        }
        let encryptedTransport = transport.uppercased().contains("SAVP")
        sections.append(Section(
            media: MediaDescription(media: fields[0].text, port: port, transport: transport, formats: formats,
                                    payloadTypes: payloadTypes),
            connection: nil, direction: nil, encrypted: encryptedTransport))
    }

    private mutating func readAttribute(_ value: ArraySlice<UInt8>) {
        let colon = value.firstIndex(of: ASCII.colon) ?? value.endIndex
        let name = value[value.startIndex..<colon].trimmingWhitespace
        let argument = colon < value.endIndex ? value[(colon + 1)...].trimmingWhitespace : value[colon..<colon]
        let inMedia = !sections.isEmpty
        let last = sections.count - 1

        if let direction = SDPParser.direction(name) {
            if inMedia {
                if sections[last].direction == nil { sections[last].direction = direction }
            } else if sessionDirection == nil {
                sessionDirection = direction
            }
            return
        }
        if name.equalsIgnoringCase("crypto") || name.equalsIgnoringCase("fingerprint")
            || name.equalsIgnoringCase("zrtp-hash") {
            if inMedia { sections[last].encrypted = true } else { sessionEncrypted = true }
            if name.equalsIgnoringCase("fingerprint") {
                if inMedia { sections[last].media.dtlsFingerprint = true } else { sessionFingerprint = true }
            } else if inMedia, name.equalsIgnoringCase("zrtp-hash") {
                sections[last].media.zrtpHash = true
            } else if inMedia, name.equalsIgnoringCase("crypto") {
                // RFC 4568 allows it at media level only.
                if let crypto = SDESCrypto.parse(argument) {
                    sections[last].media.crypto.append(crypto)
                } else {
                    sections[last].media.unreadableCrypto = true
                }
            }
            return
        }
        guard inMedia else { return }
        if name.equalsIgnoringCase("rtpmap") {
            guard let (payloadType, map) = SDPParser.rtpmap(argument),
                  sections[last].media.rtpmaps[payloadType] == nil
            else { return }
            sections[last].media.rtpmaps[payloadType] = map
        } else if name.equalsIgnoringCase("fmtp") {
            let fields = argument.splitOnWhitespace()
            guard let first = fields.first, let payloadType = first.decimal(as: UInt8.self), payloadType < 128,
                  sections[last].media.fmtp[payloadType] == nil
            else { return }
            sections[last].media.fmtp[payloadType] = argument[first.endIndex...].trimmingWhitespace.text
        } else if name.equalsIgnoringCase("rtcp") {
            let fields = argument.splitOnWhitespace()
            guard let first = fields.first, let port = first.decimal(as: UInt16.self) else { return }
            sections[last].media.rtcpPort = port
            if fields.count >= 4, fields[1].equalsIgnoringCase("in") {
                sections[last].media.rtcpAddress = IPAddress(fields[3].text)
            }
        } else if name.equalsIgnoringCase("rtcp-mux") {
            sections[last].media.rtcpMux = true
        } else if name.equalsIgnoringCase("ptime") {
            sections[last].media.ptime = SDPParser.milliseconds(argument)
        }
    }

    private static func direction(_ name: ArraySlice<UInt8>) -> MediaDirection? {
        if name.equalsIgnoringCase("sendrecv") { return .sendrecv }
        if name.equalsIgnoringCase("sendonly") { return .sendonly }
        if name.equalsIgnoringCase("recvonly") { return .recvonly }
        if name.equalsIgnoringCase("inactive") { return .inactive }
        return nil
    }

    /// `96 opus/48000/2`.
    private static func rtpmap(_ argument: ArraySlice<UInt8>) -> (UInt8, RTPMap)? {
        let fields = argument.splitOnWhitespace()
        guard fields.count >= 2, let payloadType = fields[0].decimal(as: UInt8.self), payloadType < 128 else {
            return nil
        }
        let parts = fields[1].split(separator: ASCII.slash, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts.count <= 3, !parts[0].isEmpty,
              let clockRate = parts[1].decimal(as: Int.self), clockRate > 0
        else { return nil }
        var channels = 1
        if parts.count == 3 {
            guard let written = parts[2].decimal(as: Int.self), written > 0 else { return nil }
            channels = written
        }
        return (payloadType, RTPMap(encoding: parts[0].text, clockRate: clockRate, channels: channels))
    }

    /// `20`, or `20.0` as some stacks write it; nil beyond a minute, which no packet time is.
    private static func milliseconds(_ argument: ArraySlice<UInt8>) -> Int? {
        let dot = argument.firstIndex(of: ASCII.dot) ?? argument.endIndex
        let whole = argument[argument.startIndex..<dot]
        guard let value = whole.decimal(as: Int.self), value > 0, value <= 60_000 else { return nil }
        if dot < argument.endIndex, !argument[(dot + 1)...].allSatisfy(ASCII.isDigit) { return nil }
        return value
    }

    private func finish() throws(SDPParseError) -> SessionDescription {
        guard sawLine else { throw .notSDP }
        guard !sections.isEmpty || sessionConnection != nil else { throw .noMediaOrConnection }
        let media = sections.map { section -> MediaDescription in
            var media = section.media
            media.connection = section.connection ?? sessionConnection
            media.direction = section.direction ?? sessionDirection ?? .sendrecv
            media.isEncrypted = section.encrypted || sessionEncrypted
            media.dtlsFingerprint = media.dtlsFingerprint || sessionFingerprint
            if media.transport.uppercased().contains("RTP") {
                for payloadType in media.payloadTypes where media.rtpmaps[payloadType] == nil {
                    media.rtpmaps[payloadType] = RTPMap.staticPayloadType(payloadType)
                }
            }
            return media
        }
        return SessionDescription(origin: origin, connection: sessionConnection, direction: sessionDirection,
                                  media: media)
    }
}
