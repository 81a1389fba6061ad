/// Turns captured link-layer frames into UDP/TCP payload views: link layer, VLAN tags, tunnels,
/// IPv4/IPv6 with fragment reassembly. Owned by one thread (the capture thread); not thread-safe.
///
/// For an unfragmented packet `decode` allocates nothing: it reads headers in place and returns
/// views into the frame. Only fragments allocate, to store pieces until their datagram completes.
public final class WireDecoder {
    public let linkType: LinkType
    public let fragmentLimits: FragmentLimits
    /// UDP destination ports whose payload is decoded as VXLAN.
    public let vxlanPorts: Set<UInt16>

    /// A bit per port: a `Set` lookup hashes, and this test runs for every UDP datagram.
    let vxlanPortBits: UnsafeMutablePointer<UInt64>
    let hasVXLANPorts: Bool
    let reassembler: FragmentReassembler

    /// Tunnels (GRE, ERSPAN, IP-in-IP, VXLAN, MPLS pseudowires) nest at most this deep, so that a
    /// hostile packet cannot make decoding recurse without end.
    public static let maxEncapsulationDepth = 8
    /// VLAN tags stacked deeper than this make the frame malformed.
    public static let maxVLANTags = 8

    public init(linkType: LinkType, fragmentLimits: FragmentLimits = FragmentLimits(), vxlanPorts: Set<UInt16> = [4789]) {
        self.linkType = linkType
        self.fragmentLimits = fragmentLimits
        self.vxlanPorts = vxlanPorts
        let words = 65536 / 64
        vxlanPortBits = .allocate(capacity: words)
        vxlanPortBits.initialize(repeating: 0, count: words)
        for port in vxlanPorts {
            vxlanPortBits[Int(port >> 6)] |= 1 << UInt64(port & 63)
        }
        hasVXLANPorts = !vxlanPorts.isEmpty
        reassembler = FragmentReassembler(limits: fragmentLimits)
    }

    deinit {
        vxlanPortBits.deallocate()
    }

    /// Decodes one frame. timestampNanos is the capture time (used only for fragment timeouts — never read the wall clock).
    /// The payload of a reassembled datagram points into storage the decoder owns and stays valid until the next call to decode.
    public func decode(_ frame: UnsafeRawBufferPointer, timestampNanos: Int64) -> WireResult {
        reassembler.beginFrame(now: timestampNanos)
        switch linkType {
        case .ethernet:
            return decodeEthernet(frame, depth: 0)
        case .linuxSLL:
            guard frame.count >= 16 else { return .dropped(.malformed) }
            return decodeEtherType(frame.readUInt16(at: 14), frame.dropping(16), depth: 0)
        case .linuxSLL2:
            guard frame.count >= 20 else { return .dropped(.malformed) }
            return decodeEtherType(frame.readUInt16(at: 0), frame.dropping(20), depth: 0)
        case .null, .loop:
            return decodeLoopback(frame)
        case .raw:
            return decodeRawIP(frame, depth: 0)
        case .ipv4:
            return decodeIPv4(frame, depth: 0)
        case .ipv6:
            return decodeIPv6(frame, depth: 0)
        }
    }

    /// Datagrams whose fragments are being held.
    public var heldDatagrams: Int { reassembler.heldDatagrams }

    /// Fragment payload bytes held.
    public var heldBytes: Int { reassembler.heldBytes }

    /// Fragments dropped since the last call without having been returned as `.dropped` from
    /// `decode` (each had been returned as `.held`): those of datagrams that expired, and those of
    /// datagrams evicted to stay within `fragmentLimits`. Returns the counts and resets them.
    public func takeEvictedCounts() -> (expired: Int, overflow: Int) {
        reassembler.takeEvictedCounts()
    }

    /// Drops every datagram still waiting for fragments, counting its fragments as expired: call it at
    /// the end of a capture so that nothing held is lost without being counted.
    public func expireAllFragments() {
        reassembler.expireAll()
    }

    @inline(__always)
    func isVXLANPort(_ port: UInt16) -> Bool {
        hasVXLANPorts && vxlanPortBits[Int(port >> 6)] & (1 << UInt64(port & 63)) != 0
    }
}
