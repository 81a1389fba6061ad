import Wire

/// One `m=` section of a session description: a stream's kind, transport address, codecs and
/// direction, with session-level defaults (connection, direction, encryption) already applied.
public struct MediaDescription: Hashable, Sendable {
    /// `audio`, `video`, `image`, `application`, … as written.
    public var media: String
    /// 0 means the stream is rejected or disabled.
    public var port: UInt16
    /// `RTP/AVP`, `RTP/SAVP`, `RTP/SAVPF`, `UDP/TLS/RTP/SAVPF`, `udptl`, … as written.
    public var transport: String
    /// The formats of the m= line, as written.
    public var formats: [String]
    /// The numeric formats (0–127), in m= line order.
    public var payloadTypes: [UInt8]
    /// From a=rtpmap, plus the RFC 3551 static types for numeric formats without an rtpmap
    /// (RTP transports only).
    public var rtpmaps: [UInt8: RTPMap]
    /// a=fmtp parameters by payload type, as written.
    public var fmtp: [UInt8: String]
    /// The media-level c= address, else the session-level one.
    public var connection: IPAddress?
    /// The media-level attribute, else the session-level one, else `sendrecv`.
    public var direction: MediaDirection
    /// a=rtcp port (RFC 3605).
    public var rtcpPort: UInt16?
    /// a=rtcp address, when given.
    public var rtcpAddress: IPAddress?
    /// a=rtcp-mux: RTCP shares the RTP port.
    public var rtcpMux: Bool
    /// a=ptime in milliseconds.
    public var ptime: Int?
    /// A SAVP/SAVPF transport, or a=crypto, a=fingerprint or a=zrtp-hash at media or session level:
    /// the RTP payload will be ciphertext, not audio.
    public var isEncrypted: Bool
    /// The SDES keys (`a=crypto`) with which this side encrypts what it sends, in SDP order.
    public var crypto: [SDESCrypto]
    /// An `a=crypto` line that could not be read was present.
    public var unreadableCrypto: Bool
    /// `a=fingerprint` at media or session level: DTLS-SRTP, whose keys are agreed on the media path.
    public var dtlsFingerprint: Bool
    /// `a=zrtp-hash`: ZRTP, whose keys are agreed on the media path.
    public var zrtpHash: Bool

    public init(media: String, port: UInt16, transport: String, formats: [String] = [],
                payloadTypes: [UInt8] = [], rtpmaps: [UInt8: RTPMap] = [:], fmtp: [UInt8: String] = [:],
                connection: IPAddress? = nil, direction: MediaDirection = .sendrecv, rtcpPort: UInt16? = nil,
                rtcpAddress: IPAddress? = nil, rtcpMux: Bool = false, ptime: Int? = nil, isEncrypted: Bool = false,
                crypto: [SDESCrypto] = [], unreadableCrypto: Bool = false, dtlsFingerprint: Bool = false,
                zrtpHash: Bool = false) {
        self.media = media
        self.port = port
        self.transport = transport
        self.formats = formats
        self.payloadTypes = payloadTypes
        self.rtpmaps = rtpmaps
        self.fmtp = fmtp
        self.connection = connection
        self.direction = direction
        self.rtcpPort = rtcpPort
        self.rtcpAddress = rtcpAddress
        self.rtcpMux = rtcpMux
        self.ptime = ptime
        self.isEncrypted = isEncrypted
        self.crypto = crypto
        self.unreadableCrypto = unreadableCrypto
        self.dtlsFingerprint = dtlsFingerprint
        self.zrtpHash = zrtpHash
    }

    /// Where the stream's RTP is to be sent; nil without a connection address or with port 0.
    /// An unspecified address (`0.0.0.0`, old-style hold) is returned as it is.
    public var endpoint: Endpoint? {
        guard let connection, port != 0 else { return nil }
        return Endpoint(address: connection, port: port)
    }
}
