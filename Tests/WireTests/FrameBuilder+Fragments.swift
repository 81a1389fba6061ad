extension FrameBuilder {
    /// Splits `transport` (a UDP or TCP header and payload) into IPv4 fragments carrying `chunk`
    /// bytes each (a multiple of 8), in order.
    static func ipv4Fragments(
        _ transport: [UInt8], protocol number: UInt8 = 17, identification: UInt16, chunk: Int,
        source: String = "10.0.0.1", destination: String = "10.0.0.2"
    ) -> [[UInt8]] {
        precondition(chunk % 8 == 0)
        return stride(from: 0, to: transport.count, by: chunk).map { start in
            let end = min(start + chunk, transport.count)
            return ipv4(source, destination, protocol: number, Array(transport[start..<end]),
                        identification: identification, fragmentOffset: start, moreFragments: end < transport.count)
        }
    }

    /// Splits `fragmentable` into IPv6 fragments of `chunk` bytes each, in order; `unfragmentable`
    /// extension headers (whose chain must end in 44) go before each fragment header.
    static func ipv6Fragments(
        _ fragmentable: [UInt8], nextHeader: UInt8 = 17, identification: UInt32, chunk: Int,
        unfragmentable: [UInt8] = [], firstHeader: UInt8 = 44,
        source: String = "2001:db8::1", destination: String = "2001:db8::2"
    ) -> [[UInt8]] {
        precondition(chunk % 8 == 0)
        return stride(from: 0, to: fragmentable.count, by: chunk).map { start in
            let end = min(start + chunk, fragmentable.count)
            let header = ipv6Fragment(nextHeader: nextHeader, offset: start, moreFragments: end < fragmentable.count,
                                      identification: identification)
            return ipv6(source, destination, nextHeader: firstHeader, unfragmentable + header + Array(fragmentable[start..<end]))
        }
    }

    /// A SIP message long enough to need fragments: 1783 bytes, so 1791 with its UDP header.
    static let longSIP: [UInt8] = {
        var text = "INVITE sip:agent-42@pbx.example.com SIP/2.0\r\n"
        for i in 0..<31 { text += "X-Padding-\(i): \(String(repeating: "abcdefghij", count: 4))\r\n" }
        return Array((text + "\r\n").utf8)
    }()
}
