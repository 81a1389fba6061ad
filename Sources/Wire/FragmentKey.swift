/// Which datagram a fragment belongs to: source, destination and identification, plus the protocol
/// for IPv4 (RFC 791); IPv6 keys (RFC 8200) carry `FragmentKey.ipv6` there instead.
struct FragmentKey: Hashable {
    var source: IPAddress
    var destination: IPAddress
    var identification: UInt32
    /// The IPv4 protocol number, or `FragmentKey.ipv6`, which no IPv4 protocol number can equal.
    var protocolNumber: UInt16

    static let ipv6: UInt16 = 0x100
}
