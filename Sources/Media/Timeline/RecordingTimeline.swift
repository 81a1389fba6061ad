/// The audio of one recording that is placed but not yet written: a ring of interleaved frames
/// from the committed position on. Audio is held here for the commit delay so that late and
/// reordered packets, and later gate decisions, still land in place; what the ring hands to the
/// writer is final. Positions are frames from the start of the file.
public final class RecordingTimeline {
    public let channels: Int
    public let capacity: Int
    /// Frames already handed to the writer.
    public private(set) var committed: Int64 = 0
    /// One past the last frame that received audio (or was claimed by a packet).
    public private(set) var highest: Int64 = 0

    private let ring: UnsafeMutablePointer<Int16>
    private let output: RecordingOutput
    /// Stretches written as silence whatever was placed there (pause, blackout): frame ranges,
    /// the end `Int64.max` while open. Applied as audio is committed, so a decision reaches
    /// every sample placed before or after it.
    private var silenced: [(id: Int, start: Int64, end: Int64)] = []
    private var nextSilence = 0

    public init(channels: Int, capacityFrames: Int, output: RecordingOutput) {
        self.channels = channels
        capacity = max(capacityFrames, 1024)
        ring = .allocate(capacity: capacity * channels)
        ring.initialize(repeating: 0, count: capacity * channels)
        self.output = output
    }

    deinit {
        ring.deallocate()
    }

    /// Calls `fill` with the ring's storage for `count` samples of `channel` from `position`,
    /// in at most two contiguous runs (the ring wraps); frames before the committed position are
    /// skipped. Returns how many frames were too late to place.
    @inline(__always)
    public func place(channel: Int, at position: Int64, count: Int,
                      _ fill: (_ sourceOffset: Int, _ destination: UnsafeMutablePointer<Int16>, _ stride: Int, _ count: Int) -> Void) throws(SoundFileError) -> Int {
        guard count > 0 else { return 0 }
        let end = position + Int64(count)
        claim(upTo: end)
        if end <= committed { return count }
        let late = position < committed ? Int(committed - position) : 0
        var first = position + Int64(late)
        // Make room: what lies more than `capacity` behind the end is final now.
        if end - committed > Int64(capacity) {
            try commit(upTo: end - Int64(capacity))
        }
        var offset = late
        while first < end {
            let slot = Int(first % Int64(capacity))
            let run = min(Int(end - first), capacity - slot)
            fill(offset, ring + slot * channels + channel, channels, run)
            offset += run
            first += Int64(run)
        }
        return late
    }

    /// Marks frames up to `end` as belonging to the recording (audio or silence the sender meant).
    @inline(__always)
    public func claim(upTo end: Int64) {
        if end > highest { highest = end }
    }

    /// Silences frames from `start` on, until `endSilence(_:at:)` closes the stretch; returns
    /// the stretch's number. Frames already written cannot be reached: the stretch starts at the
    /// committed position at the earliest. Stretches may overlap (a pause inside a blackout).
    @discardableResult
    public func silence(from start: Int64) -> Int {
        nextSilence += 1
        silenced.append((nextSilence, max(start, committed), Int64.max))
        return nextSilence
    }

    /// Closes silent stretch `id` at `end`.
    public func endSilence(_ id: Int, at end: Int64) {
        guard let i = silenced.firstIndex(where: { $0.id == id }) else { return }
        silenced[i].end = max(end, silenced[i].start)
    }

    /// Writes every frame before `position` and clears it in the ring.
    public func commit(upTo position: Int64) throws(SoundFileError) {
        while committed < position {
            let slot = Int(committed % Int64(capacity))
            let run = min(Int(position - committed), capacity - slot)
            let start = ring + slot * channels
            if !silenced.isEmpty { applySilence(start, from: committed, count: run) }
            try output.write(frames: start, count: run)
            start.update(repeating: 0, count: run * channels)
            committed += Int64(run)
        }
    }

    private func applySilence(_ frames: UnsafeMutablePointer<Int16>, from first: Int64, count: Int) {
        let last = first + Int64(count)
        for (_, start, end) in silenced where start < last && end > first {
            let a = max(start, first), b = min(end, last)
            (frames + Int(a - first) * channels).update(repeating: 0, count: Int(b - a) * channels)
        }
        // Stretches wholly written are done with.
        silenced.removeAll { $0.end <= last }
    }
}
