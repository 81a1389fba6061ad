import CPcap
import Foundation
import Wire

/// Frames from live interfaces through libpcap: promiscuous if asked, with the configured kernel
/// buffer and BPF filter, timestamps in nanoseconds. Several interfaces are read in turn; when
/// none has anything for a while, `next()` answers `.idle` with the wall clock, so that the
/// engine's clock, idle timeouts and queued commands move on without traffic.
public final class LiveCapture: PacketSource {
    /// How the interfaces are opened.
    public struct Options: Sendable {
        public var promiscuous = true
        public var bufferMiB = 64
        public var snapLength = 65535
        public var filter = ""
        /// How long `next()` waits for a packet before answering `.idle`.
        public var idleMilliseconds: Int32 = 50

        public init() {}
    }

    public let interfaces: [String]
    public let linkTypes: [LinkType]
    private let handles: [OpaquePointer]
    /// Per input: what one unit of `tv_usec` is in nanoseconds (1, or 1000 where the interface
    /// cannot stamp in nanoseconds and libpcap kept microseconds).
    private let fractionScale: [Int64]
    /// The interfaces' descriptors, then the wakeup's.
    private var fds: [pollfd]
    private var turn = 0
    public let wakeup: SourceWakeup?

    public init(interfaces: [String], options: Options) throws(CaptureError) {
        var handles: [OpaquePointer] = []
        var linkTypes: [LinkType] = []
        var fds: [pollfd] = []
        var scales: [Int64] = []
        func fail(_ interface: String, _ reason: String) -> CaptureError {
            handles.forEach { pcap_close($0) }
            return .liveCapture(interface: interface, reason: reason)
        }
        for interface in interfaces {
            var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
            guard let h = pcap_create(interface, &errbuf) else {
                throw fail(interface, String(decoding: errbuf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            pcap_set_snaplen(h, Int32(options.snapLength))
            pcap_set_promisc(h, options.promiscuous ? 1 : 0)
            pcap_set_buffer_size(h, Int32(clamping: options.bufferMiB * 1024 * 1024))
            pcap_set_timeout(h, options.idleMilliseconds)
            pcap_set_tstamp_precision(h, Int32(PCAP_TSTAMP_PRECISION_NANO))
            let status = pcap_activate(h)
            if status < 0 {
                let reason = status == PCAP_ERROR_PERM_DENIED ? "permission denied (capture needs root or CAP_NET_RAW)"
                    : status == PCAP_ERROR_NO_SUCH_DEVICE ? "no such interface"
                    : String(cString: pcap_geterr(h))
                pcap_close(h)
                throw fail(interface, reason)
            }
            let dlt = pcap_datalink(h)
            guard let linkType = LinkType(dlt: dlt) else {
                let name = pcap_datalink_val_to_name(dlt).map { String(cString: $0) } ?? "DLT \(dlt)"
                pcap_close(h)
                throw fail(interface, "unsupported link type \(name)")
            }
            if !options.filter.isEmpty {
                var program = bpf_program()
                guard pcap_compile(h, &program, options.filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
                    let reason = "bad filter '\(options.filter)': " + String(cString: pcap_geterr(h))
                    pcap_close(h)
                    throw fail(interface, reason)
                }
                let set = pcap_setfilter(h, &program)
                pcap_freecode(&program)
                guard set == 0 else {
                    let reason = String(cString: pcap_geterr(h))
                    pcap_close(h)
                    throw fail(interface, reason)
                }
            }
            var nb = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
            pcap_setnonblock(h, 1, &nb)
            handles.append(h)
            scales.append(pcap_get_tstamp_precision(h) == Int32(PCAP_TSTAMP_PRECISION_NANO) ? 1 : 1000)
            linkTypes.append(linkType)
            fds.append(pollfd(fd: pcap_get_selectable_fd(h), events: Int16(POLLIN), revents: 0))
        }
        let wakeup: SourceWakeup
        do { wakeup = try SourceWakeup() } catch { throw fail(interfaces.first ?? "", "\(error)") }
        fds.append(pollfd(fd: wakeup.fd, events: Int16(POLLIN), revents: 0))
        self.wakeup = wakeup
        self.interfaces = interfaces
        self.handles = handles
        fractionScale = scales
        self.linkTypes = linkTypes
        self.fds = fds
        idleMilliseconds = options.idleMilliseconds
    }

    private let idleMilliseconds: Int32

    deinit {
        handles.forEach { pcap_close($0) }
    }

    public func next() -> SourceRead {
        while true {
            // Each interface in turn, so that a busy one cannot starve another.
            for _ in 0..<handles.count {
                let i = turn
                turn = (turn + 1) % handles.count
                var header: UnsafeMutablePointer<pcap_pkthdr>?
                var data: UnsafePointer<UInt8>?
                let status = pcap_next_ex(handles[i], &header, &data)
                if status == 1, let header, let data {
                    let h = header.pointee
                    let nanos = Int64(h.ts.tv_sec) * 1_000_000_000 + Int64(h.ts.tv_usec) * fractionScale[i]
                    return .packet(UnsafeRawBufferPointer(start: data, count: Int(h.caplen)), nanos: nanos, link: i)
                }
                if status < 0 && status != PCAP_ERROR_BREAK {
                    return .truncated("\(interfaces[i]): " + String(cString: pcap_geterr(handles[i])))
                }
            }
            let ready = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), idleMilliseconds) }
            let woken = ready > 0 && fds[fds.count - 1].revents != 0
            if woken { wakeup?.clear() }
            // The kernel hands packets over in blocks, up to the timeout after it stamped them:
            // the clock read now is held back by that much, so a packet still in a block does not
            // arrive stamped before it.
            if ready <= 0 || woken { return .idle(nanos: Self.wallNanos() - Int64(idleMilliseconds) * 4_000_000) }
        }
    }

    /// libpcap's counters summed over the interfaces: received, dropped by the kernel for lack
    /// of buffer, dropped by the interface. Only on the capture thread: the handles are not shared.
    public func captureStatistics() -> CaptureStatistics? {
        var total = CaptureStatistics(received: 0, dropped: 0, interfaceDropped: 0)
        for h in handles {
            var s = pcap_stat()
            if pcap_stats(h, &s) == 0 {
                total.received += Int(s.ps_recv)
                total.dropped += Int(s.ps_drop)
                total.interfaceDropped += Int(s.ps_ifdrop)
            }
        }
        return total
    }

    /// The wall clock in nanoseconds since 1970: live capture time.
    public static func wallNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
