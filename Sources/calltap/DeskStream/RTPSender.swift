import Glibc

/// One RTP stream's socket and header: its own UDP source port, a random SSRC and starting
/// sequence number, the marker bit on the first packet (RFC 3550, 5.1). The packet buffer is
/// allocated once; encoders write the payload straight into it after the 12-byte header.
final class RTPSender {
    let ssrc: UInt32
    let payloadType: UInt8
    let timestampStep: UInt32
    /// `ip:port` this stream is sent from and to.
    let source: String
    let destination: String
    private(set) var packets = 0
    /// Sends the kernel refused (an ICMP port unreachable from a receiver not yet listening comes
    /// back as ECONNREFUSED on a connected socket); counted, never fatal: a desk keeps streaming.
    private(set) var failedSends = 0
    /// The kernel's reason for the last refused send.
    private(set) var lastSendError: Int32 = 0

    /// Where the encoder writes; `payloadCapacity` bytes.
    let payload: UnsafeMutablePointer<UInt8>
    static let payloadCapacity = 1500

    private let descriptor: Int32
    private let packet: UnsafeMutablePointer<UInt8>
    private var sequence: UInt16
    private var timestamp: UInt32

    struct SocketFailure: Error, CustomStringConvertible {
        var description: String
    }

    init(to target: UDPDestination, fromPort: Int?, payloadType: UInt8, timestampStep: UInt32, ssrc: UInt32) throws(SocketFailure) {
        let fd = socket(target.family, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw SocketFailure(description: "cannot open a UDP socket: \(String(cString: strerror(errno)))") }
        if let fromPort {
            var local = sockaddr_storage()
            local.ss_family = sa_family_t(target.family)
            let length: socklen_t
            if target.family == AF_INET6 {
                length = socklen_t(MemoryLayout<sockaddr_in6>.size)
                withUnsafeMutablePointer(to: &local) {
                    $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port = UInt16(fromPort).bigEndian }
                }
            } else {
                length = socklen_t(MemoryLayout<sockaddr_in>.size)
                withUnsafeMutablePointer(to: &local) {
                    $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port = UInt16(fromPort).bigEndian }
                }
            }
            let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
            guard bound == 0 else {
                let reason = String(cString: strerror(errno))
                Glibc.close(fd)
                throw SocketFailure(description: "cannot send from port \(fromPort): \(reason)")
            }
        }
        // Connected, so the kernel picks the source address now and getsockname can report it.
        var remote = target.address
        let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, target.length) } }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw SocketFailure(description: "cannot send to \(target.text): \(reason)")
        }
        var local = sockaddr_storage()
        var localLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &localLength) } }

        descriptor = fd
        source = UDPDestination.describe(local)
        destination = UDPDestination.describe(target.address)
        self.ssrc = ssrc
        self.payloadType = payloadType & 0x7F
        self.timestampStep = timestampStep
        sequence = UInt16.random(in: .min ... .max)
        timestamp = UInt32.random(in: .min ... .max)
        packet = .allocate(capacity: 12 + Self.payloadCapacity)
        packet.initialize(repeating: 0, count: 12 + Self.payloadCapacity)
        payload = packet + 12
    }

    deinit {
        Glibc.close(descriptor)
        packet.deallocate()
    }

    /// Sends the header and `payloadLength` bytes of `payload`, then steps sequence and timestamp.
    func send(payloadLength: Int) {
        packet[0] = 0x80
        packet[1] = (packets == 0 ? 0x80 : 0) | payloadType
        packet[2] = UInt8(truncatingIfNeeded: sequence >> 8)
        packet[3] = UInt8(truncatingIfNeeded: sequence)
        packet[4] = UInt8(truncatingIfNeeded: timestamp >> 24)
        packet[5] = UInt8(truncatingIfNeeded: timestamp >> 16)
        packet[6] = UInt8(truncatingIfNeeded: timestamp >> 8)
        packet[7] = UInt8(truncatingIfNeeded: timestamp)
        packet[8] = UInt8(truncatingIfNeeded: ssrc >> 24)
        packet[9] = UInt8(truncatingIfNeeded: ssrc >> 16)
        packet[10] = UInt8(truncatingIfNeeded: ssrc >> 8)
        packet[11] = UInt8(truncatingIfNeeded: ssrc)
        let length = 12 + min(max(0, payloadLength), Self.payloadCapacity)
        var sent: Int
        repeat {
            sent = Glibc.send(descriptor, packet, length, Int32(MSG_NOSIGNAL))
        } while sent < 0 && errno == EINTR
        if sent != length {
            failedSends += 1
            lastSendError = sent < 0 ? errno : EMSGSIZE
        }
        // The stream's clock advances whether or not the kernel took the packet: a receiver sees a
        // loss, not a shift in time.
        packets += 1
        sequence &+= 1
        timestamp &+= timestampStep
    }
}
