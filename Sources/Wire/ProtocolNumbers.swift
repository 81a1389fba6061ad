// The numbers Wire dispatches on, named as the IANA registries name them.

/// Ethernet protocol types (also GRE protocol types, Linux SLL protocols).
enum EtherType {
    static let ipv4: UInt16 = 0x0800
    static let ipv6: UInt16 = 0x86DD
    static let vlan: UInt16 = 0x8100
    static let qinq: UInt16 = 0x88A8
    /// Pre-standard QinQ tags some switches still send.
    static let qinqLegacy9100: UInt16 = 0x9100
    static let qinqLegacy9200: UInt16 = 0x9200
    static let mplsUnicast: UInt16 = 0x8847
    static let mplsMulticast: UInt16 = 0x8848
    static let pppoeSession: UInt16 = 0x8864
    static let transparentEthernet: UInt16 = 0x6558
    static let erspanTypeII: UInt16 = 0x88BE
    static let erspanTypeIII: UInt16 = 0x22EB
}

/// IP protocol numbers and IPv6 next-header values.
enum IPProtocolNumber {
    static let hopByHopOptions: UInt8 = 0
    static let ipv4Encapsulation: UInt8 = 4
    static let tcp: UInt8 = 6
    static let udp: UInt8 = 17
    static let ipv6Encapsulation: UInt8 = 41
    static let routing: UInt8 = 43
    static let fragment: UInt8 = 44
    static let gre: UInt8 = 47
    static let authenticationHeader: UInt8 = 51
    static let noNextHeader: UInt8 = 59
    static let destinationOptions: UInt8 = 60
    static let mobility: UInt8 = 135
    static let hostIdentity: UInt8 = 139
    static let shim6: UInt8 = 140
}
