import Foundation

/// A deliberately small reader of classic pcap files (Ethernet with 802.1Q, Linux SLL; IPv4 and
/// IPv6; UDP only), independent of the recorder's own decoding, so tests can compare what the
/// recorder wrote against the packets themselves.
public struct CaptureFileReader {
    public struct UDPPacket {
        public var nanos: Int64
        public var source: String
        public var destination: String
        public var payload: [UInt8]
    }

    public var packets: [UDPPacket] = []

    public init(path: String) throws {
        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard data.count >= 24 else { throw TestSupportError("\(path): too short") }
        func u32(_ o: Int, _ little: Bool) -> UInt32 {
            let b = data[o..<o + 4].map(UInt32.init)
            return little ? b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24 : b[3] | b[2] << 8 | b[1] << 16 | b[0] << 24
        }
        let magic = u32(0, true)
        let little: Bool, nanoseconds: Bool
        switch magic {
        case 0xA1B2C3D4: little = true; nanoseconds = false
        case 0xA1B23C4D: little = true; nanoseconds = true
        case 0xD4C3B2A1: little = false; nanoseconds = false
        case 0x4D3CB2A1: little = false; nanoseconds = true
        default: throw TestSupportError("\(path): not a classic pcap file")
        }
        let linkType = u32(20, little)
        var o = 24
        while o + 16 <= data.count {
            let seconds = Int64(u32(o, little)), fraction = Int64(u32(o + 4, little))
            let caplen = Int(u32(o + 8, little))
            o += 16
            guard o + caplen <= data.count else { break }
            let frame = Array(data[o..<o + caplen])
            o += caplen
            let nanos = seconds * 1_000_000_000 + (nanoseconds ? fraction : fraction * 1000)
            if let p = Self.udp(frame, linkType: linkType, nanos: nanos) { packets.append(p) }
        }
    }

    private static func udp(_ f: [UInt8], linkType: UInt32, nanos: Int64) -> UDPPacket? {
        var o: Int, type: Int
        switch linkType {
        case 1:
            guard f.count >= 14 else { return nil }
            o = 12
            type = Int(f[o]) << 8 | Int(f[o + 1])
            o += 2
            while type == 0x8100 || type == 0x88A8, f.count >= o + 4 {
                type = Int(f[o + 2]) << 8 | Int(f[o + 3])
                o += 4
            }
        case 113:
            guard f.count >= 16 else { return nil }
            type = Int(f[14]) << 8 | Int(f[15])
            o = 16
        default:
            return nil
        }
        var src = "", dst = "", l4 = 0
        if type == 0x0800, f.count >= o + 20, f[o + 9] == 17 {
            src = f[(o + 12)..<(o + 16)].map(String.init).joined(separator: ".")
            dst = f[(o + 16)..<(o + 20)].map(String.init).joined(separator: ".")
            l4 = o + Int(f[o] & 0x0F) * 4
        } else if type == 0x86DD, f.count >= o + 40, f[o + 6] == 17 {
            func v6(_ at: Int) -> String {
                "[" + stride(from: at, to: at + 16, by: 2).map { String(Int(f[$0]) << 8 | Int(f[$0 + 1]), radix: 16) }.joined(separator: ":") + "]"
            }
            src = v6(o + 8)
            dst = v6(o + 24)
            l4 = o + 40
        } else {
            return nil
        }
        guard f.count >= l4 + 8 else { return nil }
        let sport = Int(f[l4]) << 8 | Int(f[l4 + 1]), dport = Int(f[l4 + 2]) << 8 | Int(f[l4 + 3])
        let length = min(f.count - l4, Int(f[l4 + 4]) << 8 | Int(f[l4 + 5]))
        guard length >= 8 else { return nil }
        return UDPPacket(nanos: nanos, source: "\(src):\(sport)", destination: "\(dst):\(dport)",
                         payload: Array(f[(l4 + 8)..<(l4 + length)]))
    }

    /// The RTP packets of one SSRC from `source` to `destination`.
    public func rtp(source: String, destination: String, ssrc: UInt32) -> [UDPPacket] {
        packets.filter { p in
            p.source == source && p.destination == destination && p.payload.count >= 12
                && (UInt32(p.payload[8]) << 24 | UInt32(p.payload[9]) << 16 | UInt32(p.payload[10]) << 8 | UInt32(p.payload[11])) == ssrc
        }
    }
}
