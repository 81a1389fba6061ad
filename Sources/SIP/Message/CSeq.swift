/// The `CSeq` header: the sequence number and method that pair a response with its request.
public struct CSeq: Hashable, Sendable {
    public var number: UInt32
    public var method: SIPMethod

    public init(number: UInt32, method: SIPMethod) {
        self.number = number
        self.method = method
    }

    /// Parses `4711 INVITE`; nil when the number is missing, not decimal or over 32 bits, or the
    /// method is missing or not a token.
    init?(bytes: ArraySlice<UInt8>) {
        let fields = bytes.splitOnWhitespace()
        guard fields.count == 2, let number = fields[0].decimal(as: UInt32.self),
              fields[1].allSatisfy(ASCII.isTokenCharacter)
        else { return nil }
        self.init(number: number, method: SIPMethod(fields[1].text))
    }
}
