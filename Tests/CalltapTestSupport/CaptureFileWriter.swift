import Foundation

/// Writes a classic pcap file (nanosecond timestamps, Ethernet, IPv4/UDP) for tests that need a
/// call the public captures do not have. Checksums are left zero, as a mirror port often shows them.
public struct CaptureFileWriter {
    private var data = Data()
    private var records: [(nanos: Int64, bytes: [UInt8])] = []

    public init() {
        var header = [UInt8]()
        func u32(_ v: UInt32) { header += withUnsafeBytes(of: v.littleEndian, Array.init) }
        func u16(_ v: UInt16) { header += withUnsafeBytes(of: v.littleEndian, Array.init) }
        u32(0xA1B2_3C4D); u16(2); u16(4); u32(0); u32(0); u32(65535); u32(1)
        data.append(contentsOf: header)
    }

    /// One UDP datagram from `source` to `destination` (`"10.0.0.1:5060"`) at `nanos`.
    public mutating func udp(_ nanos: Int64, from source: String, to destination: String, payload: [UInt8]) {
        func endpoint(_ text: String) -> ([UInt8], UInt16) {
            let parts = text.split(separator: ":")
            return (parts[0].split(separator: ".").map { UInt8($0)! }, UInt16(parts[1])!)
        }
        let (sip, sport) = endpoint(source), (dip, dport) = endpoint(destination)
        let udpLength = 8 + payload.count, ipLength = 20 + udpLength
        var frame: [UInt8] = [0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00]
        frame += [0x45, 0, UInt8(ipLength >> 8), UInt8(ipLength & 0xFF), 0, 0, 0x40, 0, 64, 17, 0, 0] + sip + dip
        frame += [UInt8(sport >> 8), UInt8(sport & 0xFF), UInt8(dport >> 8), UInt8(dport & 0xFF),
                  UInt8(udpLength >> 8), UInt8(udpLength & 0xFF), 0, 0] + payload
        var record = [UInt8]()
        func u32(_ v: UInt32) { record += withUnsafeBytes(of: v.littleEndian, Array.init) }
        u32(UInt32(nanos / 1_000_000_000)); u32(UInt32(nanos % 1_000_000_000)); u32(UInt32(frame.count)); u32(UInt32(frame.count))
        records.append((nanos, record + frame))
    }

    /// A SIP message (text with `\n` line ends, turned into CRLF; Content-Length is filled in).
    public mutating func sip(_ nanos: Int64, from source: String, to destination: String, _ text: String, body: String = "") {
        let crlfBody = body.replacingOccurrences(of: "\n", with: "\r\n")
        let head = text.trimmingCharacters(in: .newlines).replacingOccurrences(of: "\n", with: "\r\n")
        let message = head + "\r\nContent-Length: \(crlfBody.utf8.count)\r\n\r\n" + crlfBody
        udp(nanos, from: source, to: destination, payload: Array(message.utf8))
    }

    /// Writes the file, its packets in time order unless `inTimeOrder` is false (to test
    /// captures whose clock goes backwards).
    public func write(to path: String, inTimeOrder: Bool = true) throws {
        var file = data
        let ordered = inTimeOrder ? records.enumerated().sorted { ($0.element.nanos, $0.offset) < ($1.element.nanos, $1.offset) }.map(\.element) : records
        for r in ordered { file.append(contentsOf: r.bytes) }
        try file.write(to: URL(fileURLWithPath: path))
    }
}
