/// A parsed SIP request or response: the headers a call tracker needs, already structured, plus
/// every header line for anything else (metadata, custom `X-` headers).
public struct SIPMessage: Equatable, Sendable {
    /// The request line or the status line.
    public enum StartLine: Sendable, Equatable {
        case request(method: SIPMethod, uri: SIPURI)
        case response(status: Int, reason: String)
    }

    public var startLine: StartLine
    public var callID: String
    public var from: NameAddress
    public var to: NameAddress
    public var cseq: CSeq
    /// Each Via value, top first, comma-separated values split; empty when there is none (a
    /// mirror port sees odd messages, and a missing Via must not hide a call).
    public var via: [String]
    /// The first Contact; nil for `*`, when absent, or when it cannot be parsed.
    public var contact: NameAddress?
    /// Every P-Asserted-Identity value that parses (often one `sip:` and one `tel:`).
    public var pAssertedIdentity: [NameAddress]
    /// The lower-cased media type without parameters, e.g. `application/sdp`.
    public var contentType: String?
    /// `Content-Length` bytes, or the rest of the datagram when there is no Content-Length.
    public var body: [UInt8]
    /// True when Content-Length promised more bytes than the datagram holds; ``body`` then holds
    /// what there was (a capture with a short snap length, or IP fragments lost on the way).
    public var isBodyTruncated: Bool
    /// The session description of an `application/sdp` body, of the first `application/sdp`
    /// part of a multipart body, or of a body without Content-Type that starts with `v=0`.
    public var sdp: SessionDescription?
    /// Why a body that should have held SDP did not give a ``sdp``; nil when it did or when
    /// there was none to read.
    public var sdpError: SDPParseError?
    /// Every header line in order, continuation lines joined.
    public var headerFields: [SIPHeaderField]

    public init(startLine: StartLine, callID: String, from: NameAddress, to: NameAddress, cseq: CSeq,
                via: [String] = [], contact: NameAddress? = nil, pAssertedIdentity: [NameAddress] = [],
                contentType: String? = nil, body: [UInt8] = [], isBodyTruncated: Bool = false,
                sdp: SessionDescription? = nil, sdpError: SDPParseError? = nil,
                headerFields: [SIPHeaderField] = []) {
        self.startLine = startLine
        self.callID = callID
        self.from = from
        self.to = to
        self.cseq = cseq
        self.via = via
        self.contact = contact
        self.pAssertedIdentity = pAssertedIdentity
        self.contentType = contentType
        self.body = body
        self.isBodyTruncated = isBodyTruncated
        self.sdp = sdp
        self.sdpError = sdpError
        self.headerFields = headerFields
    }

    public var isRequest: Bool {
        if case .request = startLine { return true }
        return false
    }

    /// The request method; nil for a response (whose method is in ``cseq``).
    public var method: SIPMethod? {
        if case .request(let method, _) = startLine { return method }
        return nil
    }

    /// The Request-URI; nil for a response.
    public var requestURI: SIPURI? {
        if case .request(_, let uri) = startLine { return uri }
        return nil
    }

    public var statusCode: Int? {
        if case .response(let status, _) = startLine { return status }
        return nil
    }

    /// The first value of a header, by name, case-insensitive, compact forms understood
    /// (`"i"` finds `Call-ID`); nil when absent.
    public func header(_ name: String) -> String? {
        let key = SIPHeaderField.canonicalName(name)
        return headerFields.first { $0.canonicalName == key }?.value
    }

    /// Every value of a header, in order, one per header line (comma lists are not split).
    public func headers(_ name: String) -> [String] {
        let key = SIPHeaderField.canonicalName(name)
        return headerFields.compactMap { $0.canonicalName == key ? $0.value : nil }
    }
}
