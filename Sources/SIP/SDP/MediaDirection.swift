/// Which way a media stream flows, from the point of view of the side that wrote the SDP
/// (RFC 8866 §6.7). `sendonly` and `inactive` are how a party puts a call on hold.
public enum MediaDirection: String, Hashable, Sendable {
    case sendrecv, sendonly, recvonly, inactive
}
