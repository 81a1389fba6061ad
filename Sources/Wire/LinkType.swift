/// The link-layer header a capture's frames start with, as named by the pcap link type.
public enum LinkType: Sendable, Equatable {
    /// Ethernet II or 802.3 (`EN10MB`).
    case ethernet
    /// Linux "cooked" capture v1 (`LINUX_SLL`), what `any` gives.
    case linuxSLL
    /// Linux "cooked" capture v2 (`LINUX_SLL2`).
    case linuxSLL2
    /// BSD loopback: a 4-byte address family in the capturing host's byte order.
    case null
    /// OpenBSD loopback: a 4-byte address family in network byte order.
    case loop
    /// Bare IP; the version nibble tells IPv4 from IPv6.
    case raw
    /// Bare IPv4.
    case ipv4
    /// Bare IPv6.
    case ipv6

    /// From a pcap DLT/LINKTYPE number: EN10MB=1, NULL=0, LOOP=108, RAW=12 and 101 (LINKTYPE_RAW),
    /// 14 (DLT_RAW on some BSDs), LINUX_SLL=113, LINUX_SLL2=276, IPV4=228, IPV6=229. nil for anything else.
    public init?(dlt: Int32) {
        switch dlt {
        case 1: self = .ethernet
        case 0: self = .null
        case 108: self = .loop
        case 12, 14, 101: self = .raw
        case 113: self = .linuxSLL
        case 276: self = .linuxSLL2
        case 228: self = .ipv4
        case 229: self = .ipv6
        default: return nil
        }
    }
}
