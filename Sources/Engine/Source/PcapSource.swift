import CPcap
import Foundation
import Wire

/// Frames of a capture file (pcap or pcapng), read as fast as the engine takes them. Timestamps
/// are read at nanosecond precision whatever the file holds. libpcap opens every file; a classic
/// pcap file is then read by `ClassicPcapFile`, with one copy a frame instead of libpcap's two.
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
    /// libpcap's reader, nil when `classic` reads the file.
    private let handle: OpaquePointer?
    /// The stream's buffer, given to stdio and freed after `pcap_close` has closed the stream.
    private let buffer: UnsafeMutablePointer<CChar>?
    private var classic: ClassicPcapFile?

    /// Bytes read from the file at a time: a replay of 2,000 calls read 1.4 GB through stdio's
    /// default 4 KiB, a system call every 17 packets.
    static let bufferBytes = 256 << 10

    private init(handle: OpaquePointer?, buffer: UnsafeMutablePointer<CChar>?, classic: consuming ClassicPcapFile?,
                 linkType: LinkType, linkTypeName: String) {
        self.handle = handle
        self.buffer = buffer
        self.classic = classic
        self.linkType = linkType
        self.linkTypeName = linkTypeName
    }

    deinit {
        if let handle { pcap_close(handle) }
        buffer?.deallocate()
    }

    /// Whether frames are read by `ClassicPcapFile` rather than by libpcap.
    public var readsWithoutLibpcap: Bool { classic != nil }

    public static func open(file path: String) throws(CaptureError) -> PcapSource {
        guard FileManager.default.isReadableFile(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            throw .cannotOpen(path: path, reason: reason)
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw .cannotOpen(path: path, reason: "it is a directory")
        }
        guard let stream = fopen(path, "rb") else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        // One thread reads the file: libpcap's two reads a packet need not take the stream's
        // lock (an atomic exchange each, which waits for the thread's stores to the rings).
        __fsetlocking(stream, Int32(FSETLOCKING_BYCALLER))
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bufferBytes)
        setvbuf(stream, buffer, _IOFBF, bufferBytes)
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let h = pcap_fopen_offline_with_tstamp_precision(stream, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf) else {
            fclose(stream)
            buffer.deallocate()
            let reason = String(decoding: errbuf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .notACapture(path: path, reason: reason.isEmpty ? "unknown format" : reason)
        }
        let dlt = pcap_datalink(h)
        let name = pcap_datalink_val_to_name(dlt).map { String(cString: $0) } ?? "DLT \(dlt)"
        guard let linkType = LinkType(dlt: dlt) else {
            pcap_close(h)
            buffer.deallocate()
            throw .unsupportedLinkType(path: path, linkType: "\(name) (\(dlt))")
        }
        if let classic = ClassicPcapFile(path: path) {
            pcap_close(h)
            buffer.deallocate()
            return PcapSource(handle: nil, buffer: nil, classic: classic, linkType: linkType, linkTypeName: name)
        }
        return PcapSource(handle: h, buffer: buffer, classic: nil, linkType: linkType, linkTypeName: name)
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
        if classic != nil { return classic!.read() }
        return readThroughLibpcap(handle!)
    }

    private func readThroughLibpcap(_ handle: OpaquePointer) -> Read {
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
