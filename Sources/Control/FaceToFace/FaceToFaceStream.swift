import Media
import Wire

/// One RTP stream the desk application declares on start (`Streams`): which of its devices it
/// carries, the address it is sent to (`HOST:PORT`, IPv6 in brackets) and its codec.
public struct FaceToFaceStream: Sendable, Equatable, Codable {
    /// The desk device whose audio the stream carries; it names the recording's channel.
    public enum Source: String, Sendable, Codable, CaseIterable {
        case microphone = "Microphone"
        case speaker = "Speaker"

        /// The channel role in the sidecar (`Audio.ChannelRoles`).
        public var channelRole: String { rawValue.lowercased() }

        public init?(name: String) {
            guard let value = Self.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(name) == .orderedSame }) else { return nil }
            self = value
        }
    }

    public var source: Source
    /// As given, for the API's answers.
    public var address: String
    public var codec: String

    /// Checks the address and codec. Codecs: `opus/48000/2` (or `opus/48000`), `PCMU/8000`,
    /// `PCMA/8000`, `G722/8000`, without regard to case.
    public init(source: Source, address: String, codec: String) throws(ControlError) {
        guard Self.endpoint(address) != nil else {
            throw ControlError(.badRequest, "stream address '\(address)' must be HOST:PORT with an IPv4 or [IPv6] host and a port from 1 to 65535")
        }
        guard Self.codec(codec) != nil else {
            throw ControlError(.badRequest, "stream codec '\(codec)' must be one of opus/48000/2, opus/48000, PCMU/8000, PCMA/8000, G722/8000")
        }
        self.source = source
        self.address = address
        self.codec = codec
    }

    /// Where the stream is sent.
    public var destination: Endpoint { Self.endpoint(address)! }
    /// How its payloads decode.
    public var decodedCodec: Codec { Self.codec(codec)! }

    static func endpoint(_ text: String) -> Endpoint? {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port > 0 else { return nil }
        var host = Substring(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = host.dropFirst().dropLast()
        } else if host.contains(":") {
            return nil
        }
        guard !host.isEmpty, let address = IPAddress(host) else { return nil }
        return Endpoint(address: address, port: port)
    }

    static func codec(_ text: String) -> Codec? {
        switch text.lowercased() {
        case "opus/48000/2", "opus/48000": .opus
        case "pcmu/8000": .pcmu
        case "pcma/8000": .pcma
        case "g722/8000": .g722
        default: nil
        }
    }
}
