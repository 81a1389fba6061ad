import Wire

/// Where frames come from: a capture file read flat out or at its own pace, or live interfaces.
/// `next()` may also say that nothing came for a while and what time it is now, so that the
/// engine's clock (and the commands waiting for it) move on without packets.
public protocol PacketSource: AnyObject {
    /// The link type of each input, by its index in `SourceRead.packet`.
    var linkTypes: [LinkType] { get }
    func next() -> SourceRead
    /// The source's own counters (libpcap's on live interfaces), read on the capture thread; nil
    /// for a source that has none.
    func captureStatistics() -> CaptureStatistics?
    /// What another thread calls to end a wait in `next()` at once (which then answers `.idle`):
    /// nil for a source that never waits long.
    var wakeup: SourceWakeup? { get }
}

extension PacketSource {
    public func captureStatistics() -> CaptureStatistics? { nil }
    public var wakeup: SourceWakeup? { nil }
}

/// The outcome of one read.
public enum SourceRead {
    /// A frame of input `link`; its bytes stay valid until the next read.
    case packet(UnsafeRawBufferPointer, nanos: Int64, link: Int)
    /// Nothing for now; the capture clock reads `nanos` (nil: no clock without packets).
    case idle(nanos: Int64?)
    case end
    /// The input stops in the middle of a packet or block; what came before is good.
    case truncated(String)
}
