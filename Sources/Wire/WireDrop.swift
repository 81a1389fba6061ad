/// Why a frame gave no payload. `name` is a stable lowerCamelCase key used in summaries and metrics.
///
/// The raw values are dense from 0, so a counter table can be a fixed array indexed by `rawValue`.
public enum WireDrop: Int, CaseIterable, Sendable {
    /// Truncated or inconsistent headers, bad lengths, encapsulation nested too deep.
    case malformed
    /// ARP, LLDP, STP and other non-IP ethertypes or address families.
    case notIP
    /// ICMP, SCTP, ESP, No Next Header and other IP protocols.
    case unsupportedTransport
    /// Fragments whose datagram never completed within the timeout (counted when evicted).
    case fragmentExpired
    /// Fragments dropped because the reassembly memory bound was hit, or a datagram would exceed 65535.
    case fragmentOverflow

    public var name: String {
        switch self {
        case .malformed: "malformed"
        case .notIP: "notIP"
        case .unsupportedTransport: "unsupportedTransport"
        case .fragmentExpired: "fragmentExpired"
        case .fragmentOverflow: "fragmentOverflow"
        }
    }
}
