/// The `o=` line: who created the session and which version of it this is. A changed version
/// in a re-INVITE means the media may have changed.
public struct SDPOrigin: Hashable, Sendable {
    public var username: String
    public var sessionID: String
    /// Kept as text: the RFC only asks for a number, and some stacks exceed 64 bits.
    public var version: String
    /// As written (an address or a host name).
    public var address: String

    public init(username: String, sessionID: String, version: String, address: String) {
        self.username = username
        self.sessionID = sessionID
        self.version = version
        self.address = address
    }
}
