import Foundation

/// The records of a classic pcap file (either byte order, micro- or nanosecond timestamps), read
/// with `read(2)` into a buffer of its own and handed out where they lie in it. Through libpcap
/// each frame is copied twice, by the kernel into stdio's buffer and by stdio into libpcap's;
/// here the kernel's copy is the only one. In a replay of 2,000 calls the capture thread's perf
/// samples per million packets fell from 536 to 485 (medians of three alternating runs).
///
/// `PcapSource` opens every file with libpcap first (which checks its header and names its link
/// type) and takes this reader for a regular file with a version 2.4 header. It reads as libpcap
/// 1.10 does: its times (below), a frame longer than the file's snapshot length cut to it, one
/// longer than 262,144 bytes a corrupt file, and libpcap's words for a cut. (libpcap also swaps
/// the CAN identifiers of Linux cooked frames from a machine of the other byte order; calltap
/// has no use for CAN frames.) Older versions' quirks (swapped lengths) are left to libpcap.
struct ClassicPcapFile: ~Copyable {
    private let descriptor: Int32
    private let buffer: UnsafeMutableRawPointer
    /// Where the next record starts in `buffer`, and where the bytes read so far end.
    private var next = 0
    private var end = 0
    private var atEnd = false
    /// Why a read failed, for the truncation it causes.
    private var readError: String?
    private let swapped: Bool
    private let nanosecondResolution: Bool
    /// The longest frame handed out, from the file's header as libpcap takes it.
    private let snapshotLength: Int

    static let globalHeaderBytes = 24
    static let recordHeaderBytes = 16
    /// libpcap's largest frame in a file (`MAXIMUM_SNAPLEN`): a longer one is a corrupt header.
    static let maximumCaptureLength = 262_144
    /// Bytes asked of the kernel at a time: a replay of 2,000 calls reads 1.4 GB.
    static let readBytes = 256 << 10
    /// Room for a read besides the largest record left over from the one before.
    static let capacity = readBytes + recordHeaderBytes + maximumCaptureLength

    /// A reader of `path` if it is a regular file with a classic version 2.4 pcap header; nil
    /// otherwise (pcapng, an old version, a pipe that libpcap has read from), for libpcap to read.
    init?(path: String) {
        // Asked before opening: opening a FIFO would wait for a writer.
        var status = stat()
        guard stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var header = (UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0))
        guard fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG,
              withUnsafeMutableBytes(of: &header, { pread(fd, $0.baseAddress, Self.globalHeaderBytes, 0) })
              == Self.globalHeaderBytes
        else {
            close(fd)
            return nil
        }
        let order: (swapped: Bool, nanoseconds: Bool)
        switch header.0 {
        case 0xA1B2_C3D4: order = (false, false)
        case 0xD4C3_B2A1: order = (true, false)
        case 0xA1B2_3C4D: order = (false, true)
        case 0x4D3C_B2A1: order = (true, true)
        default:
            close(fd)
            return nil
        }
        func word(_ w: UInt32) -> UInt32 { order.swapped ? w.byteSwapped : w }
        let version = withUnsafeBytes(of: header.1) { bytes in
            let (major, minor) = (bytes.load(as: UInt16.self), bytes.load(fromByteOffset: 2, as: UInt16.self))
            return order.swapped ? (major.byteSwapped, minor.byteSwapped) : (major, minor)
        }
        let snapshot = Int(word(header.4))
        guard version == (2, 4), lseek(fd, off_t(Self.globalHeaderBytes), SEEK_SET) == off_t(Self.globalHeaderBytes) else {
            close(fd)
            return nil
        }
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        (swapped, nanosecondResolution) = order
        snapshotLength = snapshot == 0 || snapshot > Self.maximumCaptureLength ? Self.maximumCaptureLength : snapshot
        descriptor = fd
        buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.capacity, alignment: 64)
    }

    deinit {
        close(descriptor)
        buffer.deallocate()
    }

    /// The next record; its bytes stay valid until the next call.
    @inline(__always)
    mutating func read() -> PcapSource.Read {
        if end - next < Self.recordHeaderBytes {
            fill(atLeast: Self.recordHeaderBytes)
            if end == next { return readError.map { .truncated($0) } ?? .end }
            if end - next < Self.recordHeaderBytes {
                return .truncated(readError ?? "truncated dump file; tried to read \(Self.recordHeaderBytes) header bytes, "
                                  + "only got \(end - next)")
            }
        }
        let seconds = field(0)
        let fraction = field(4)
        let captured = Int(field(8))
        guard captured <= Self.maximumCaptureLength else {
            return .truncated("invalid packet capture length \(captured), bigger than snaplen of \(snapshotLength)")
        }
        if end - next - Self.recordHeaderBytes < captured {
            fill(atLeast: Self.recordHeaderBytes + captured)
            let got = end - next - Self.recordHeaderBytes
            if got < captured {
                let tried = got < snapshotLength ? min(captured, snapshotLength) : captured
                return .truncated(readError ?? "truncated dump file; tried to read \(tried) captured bytes, only got \(got)")
            }
        }
        let frame = UnsafeRawBufferPointer(start: buffer + next + Self.recordHeaderBytes,
                                           count: min(captured, snapshotLength))
        next += Self.recordHeaderBytes + captured
        // libpcap takes a record's times as signed from a file in this machine's byte order and
        // as unsigned from one in the other: the same time past 2038 is unknown in the one (a
        // time before 1970, `Int64.min` as `PcapSource` says it) and read in the other.
        let (whole, part) = swapped ? (Int64(seconds), Int64(fraction))
            : (Int64(Int32(bitPattern: seconds)), Int64(Int32(bitPattern: fraction)))
        guard whole >= 0 else { return .packet(frame, nanos: Int64.min) }
        return .packet(frame, nanos: whole * 1_000_000_000 + part * (nanosecondResolution ? 1 : 1000))
    }

    /// A header field of the next record, in the machine's byte order.
    @inline(__always)
    private func field(_ at: Int) -> UInt32 {
        let value = buffer.loadUnaligned(fromByteOffset: next + at, as: UInt32.self)
        return swapped ? value.byteSwapped : value
    }

    /// Reads until `count` bytes from `next` are in the buffer, or the file ends or fails.
    private mutating func fill(atLeast count: Int) {
        if next > 0 {
            (buffer + 0).copyMemory(from: buffer + next, byteCount: end - next)
            end -= next
            next = 0
        }
        while end < count, !atEnd {
            let n = Foundation.read(descriptor, buffer + end, min(Self.readBytes, Self.capacity - end))
            if n > 0 {
                end += n
            } else if n == 0 {
                atEnd = true
            } else if errno != EINTR {
                readError = "error reading dump file: " + String(cString: strerror(errno))
                atEnd = true
            }
        }
    }
}
