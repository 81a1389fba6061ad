import CSndfile

/// A sound file read back whole, one array of samples per channel: what tests assert on.
public struct DecodedAudio: Sendable {
    public var sampleRate: Int
    public var channels: [[Int16]]
    public var frames: Int { channels.first?.count ?? 0 }
    public var durationSeconds: Double { Double(frames) / Double(sampleRate) }

    /// Reads any file libsndfile reads: all of it, or its first `maxFrames` frames.
    public init(path: String, maxFrames: Int? = nil) throws {
        var info = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &info) else {
            throw TestSupportError("cannot read \(path): \(String(cString: sf_strerror(nil)))")
        }
        defer { sf_close(handle) }
        let frames = min(info.frames, sf_count_t(maxFrames ?? Int(info.frames)))
        let count = Int(frames) * Int(info.channels)
        var interleaved = [Int16](repeating: 0, count: count)
        let read = interleaved.withUnsafeMutableBufferPointer { sf_readf_short(handle, $0.baseAddress, frames) }
        guard read == frames else { throw TestSupportError("short read of \(path)") }
        let n = Int(info.channels)
        sampleRate = Int(info.samplerate)
        channels = (0..<n).map { c in stride(from: c, to: count, by: n).map { interleaved[$0] } }
    }

    /// Samples of `channel` between two times in seconds.
    public func slice(channel: Int, from start: Double, to end: Double) -> ArraySlice<Int16> {
        let a = max(0, min(frames, Int(start * Double(sampleRate))))
        let b = max(a, min(frames, Int(end * Double(sampleRate))))
        return channels[channel][a..<b]
    }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
