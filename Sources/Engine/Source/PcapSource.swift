import CPcap
import Foundation
import Wire

/// Frames from libpcap: a capture file (pcap or pcapng) read as fast as the engine takes them.
/// Timestamps are read at nanosecond precision whatever the file holds.
public final class PcapSource: PacketSource {
    /// The outcome of one read.
    public enum Read {
        case packet(UnsafeRawBufferPointer, nanos: Int64)
        case end
        /// The file stops in the middle of a packet or block; what came before is good.
        case truncated(String)
    }

    public let linkType: LinkType
    public let linkTypeName: String
    public var linkTypes: [LinkType] { [linkType] }
    private let handle: OpaquePointer

    private init(handle: OpaquePointer, linkType: LinkType, linkTypeName: String) {
        self.handle = handle
        self.linkType = linkType
        self.linkTypeName = linkTypeName
    }

    deinit {
        pcap_close(handle)
    }

    public static func open(file path: String) throws(CaptureError) -> PcapSource {
        guard FileManager.default.isReadableFile(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            throw .cannotOpen(path: path, reason: reason)
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw .cannotOpen(path: path, reason: "it is a directory")
        }
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let h = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf) else {
            let reason = String(decoding: errbuf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .notACapture(path: path, reason: reason.isEmpty ? "unknown format" : reason)
        }
        let dlt = pcap_datalink(h)
        let name = pcap_datalink_val_to_name(dlt).map { String(cString: $0) } ?? "DLT \(dlt)"
        guard let linkType = LinkType(dlt: dlt) else {
            pcap_close(h)
            throw .unsupportedLinkType(path: path, linkType: "\(name) (\(dlt))")
        }
        return PcapSource(handle: h, linkType: linkType, linkTypeName: name)
    }

    @inline(__always)
    public func next() -> SourceRead {
        switch read() {
        case .packet(let bytes, let nanos): .packet(bytes, nanos: nanos, link: 0)
        case .end: .end
        case .truncated(let reason): .truncated(reason)
        }
    }

    /// The next frame; its bytes stay valid until the next call.
    @inline(__always)
    public func read() -> Read {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let status = pcap_next_ex(handle, &header, &data)
        if status == 1, let header, let data {
            let h = header.pointee
            // A timestamp past the year 2262 does not fit: Int64.min says "unknown", and the
            // engine takes the previous packet's time and counts it.
            let (seconds, overflow) = Int64(h.ts.tv_sec).multipliedReportingOverflow(by: 1_000_000_000)
            let (nanos, overflow2) = seconds.addingReportingOverflow(Int64(h.ts.tv_usec))
            return .packet(UnsafeRawBufferPointer(start: data, count: Int(h.caplen)),
                           nanos: overflow || overflow2 || h.ts.tv_sec < 0 ? Int64.min : nanos)
        }
        if status == -2 { return .end }
        return .truncated(String(cString: pcap_geterr(handle)))
    }
}
