import Wire

/// A parsed SDP body (RFC 8866, formerly RFC 4566): session-level defaults and the media streams.
public struct SessionDescription: Hashable, Sendable {
    public var origin: SDPOrigin?
    /// The session-level c= address.
    public var connection: IPAddress?
    /// The session-level direction attribute, if any.
    public var direction: MediaDirection?
    public var media: [MediaDescription]

    public init(origin: SDPOrigin? = nil, connection: IPAddress? = nil, direction: MediaDirection? = nil,
                media: [MediaDescription] = []) {
        self.origin = origin
        self.connection = connection
        self.direction = direction
        self.media = media
    }

    /// Parses an SDP body. Broken lines are skipped; only a body with nothing usable left (no m=
    /// and no c=) is an error.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(SDPParseError) -> SessionDescription {
        try SDPParser.parse(Array(bytes)[...])
    }

    /// The first audio stream with a non-zero port.
    public var audio: MediaDescription? {
        media.first { $0.port != 0 && $0.media.lowercased() == "audio" }
    }
}
