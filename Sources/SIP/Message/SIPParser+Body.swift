extension SIPParser {
    /// Nested multiparts deeper than this are not opened: real messages nest once at most.
    static let maxMultipartDepth = 3

    /// Finds the SDP in the body, if there is any to find, and parses it.
    static func readSessionDescription(into message: inout SIPMessage) {
        guard !message.body.isEmpty else { return }
        let contentTypeValue = message.header("content-type").map { Array($0.utf8)[...] }
        let sdpBytes: ArraySlice<UInt8>?
        if let type = message.contentType, let contentTypeValue {
            sdpBytes = sessionDescriptionBytes(type: type, contentTypeValue: contentTypeValue,
                                               content: message.body[...], depth: 0)
        } else if message.contentType == nil, message.body.starts(with: [0x76, ASCII.equals, 0x30]) {
            // Some stacks leave out Content-Type on an SDP answer; `v=0` says what it is.
            sdpBytes = message.body[...]
        } else {
            sdpBytes = nil
        }
        guard let sdpBytes else { return }
        do {
            message.sdp = try SDPParser.parse(sdpBytes)
        } catch {
            message.sdpError = error
        }
    }

    private static func sessionDescriptionBytes(type: String, contentTypeValue: ArraySlice<UInt8>,
                                                content: ArraySlice<UInt8>, depth: Int) -> ArraySlice<UInt8>? {
        if type == "application/sdp" { return content }
        guard type == "multipart/mixed" || type == "multipart/related" || type == "multipart/alternative",
              depth < maxMultipartDepth,
              let boundary = MultipartBody.boundary(contentTypeValue: contentTypeValue)
        else { return nil }
        for part in MultipartBody(body: content, boundary: boundary).parts {
            guard let partType = part.contentType else { continue }
            if let found = sessionDescriptionBytes(type: partType, contentTypeValue: part.contentTypeValue,
                                                   content: part.content, depth: depth + 1) {
                return found
            }
        }
        return nil
    }
}
