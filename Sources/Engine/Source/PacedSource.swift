import Atomics
import Foundation
import Wire

/// A capture file replayed at its own pace: each packet is handed over when as much wall time has
/// passed since the start as capture time since the first packet. While it waits it answers
/// `.idle` with the capture time that wall time maps to, so that commands sent meanwhile (over
/// HTTP) are stamped on the capture's clock.
public final class PacedSource: PacketSource, @unchecked Sendable {
    private let file: PcapSource
    private var held: (bytes: UnsafeRawBufferPointer, nanos: Int64)?
    private var offset: Int64?
    /// The offset for other threads (the API shows wall-clock times); `Int64.min` until known.
    private let publishedOffset = ManagedAtomic<Int64>(Int64.min)
    public var linkTypes: [LinkType] { file.linkTypes }
    /// Longest single wait, so that commands and the stop flag are seen promptly.
    static let stepNanos: Int64 = 20_000_000

    public init(_ file: PcapSource) {
        self.file = file
    }

    /// Wall time minus capture time: fixed when the first packet is read. Any thread may ask.
    public var wallOffsetNanos: Int64? {
        let value = publishedOffset.load(ordering: .acquiring)
        return value == Int64.min ? nil : value
    }

    public func next() -> SourceRead {
        if held == nil {
            switch file.read() {
            case .packet(let bytes, let nanos): held = (bytes, nanos)
            case .end: return .end
            case .truncated(let reason): return .truncated(reason)
            }
        }
        let packet = held!
        let now = LiveCapture.wallNanos()
        if offset == nil, packet.nanos != Int64.min {
            offset = now - packet.nanos
            publishedOffset.store(now - packet.nanos, ordering: .releasing)
        }
        guard let offset, packet.nanos != Int64.min else {
            held = nil
            return .packet(packet.bytes, nanos: packet.nanos, link: 0)
        }
        let wait = packet.nanos + offset - now
        if wait <= 0 {
            held = nil
            return .packet(packet.bytes, nanos: packet.nanos, link: 0)
        }
        var ts = timespec(tv_sec: 0, tv_nsec: Int(min(wait, Self.stepNanos)))
        nanosleep(&ts, nil)
        // Never past the packet waiting: it must not read as going back in time.
        return .idle(nanos: min(LiveCapture.wallNanos() - offset, packet.nanos))
    }
}
