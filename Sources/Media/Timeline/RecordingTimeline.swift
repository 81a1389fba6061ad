import CPrefetch

/// The audio of one recording that is placed but not yet written, held for the commit delay so
/// that late and reordered packets, and later gate decisions, still land in place; what it hands
/// to the writer is final. Positions are frames from the start of the file.
///
/// Each channel is held in a ring of its own, as compactly as its audio allows: G.711 as its
/// one-byte codes, expanded only when written, with the stretches no packet filled kept as a
/// short list (an A-law code is never silence, so the codes alone cannot say); anything else as
/// 16-bit samples. A channel that gets audio of another kind, or more gaps than the list holds,
/// changes to 16-bit samples once. With the default 2 s delay, a two-channel G.711 call holds
/// 2.75 s (`CallRecording` sizes the rings) in 43 KiB instead of 86 KiB, which is most of what a
/// live call costs.
public final class RecordingTimeline {
    // What placing a packet reads comes first, together (with thousands of recordings open,
    // each cache line of a timeline that a packet touches is a cache miss); what commits, the
    // journal and the gate read comes after.
    public let capacity: Int
    /// Frames already handed to the writer.
    public private(set) var committed: Int64 = 0
    /// One past the last frame that received audio (or was claimed by a packet).
    public private(set) var highest: Int64 = 0
    private let planes: UnsafeMutablePointer<ChannelPlane>
    /// Where held audio is journaled for a crash (live recordings), and how far: frames from
    /// `committed` up to `journaled` are in it as they were at the last tick, except from
    /// `changedFrom` on, where a late packet or a gate decision changed them since.
    private var journaled: Int64 = 0
    private var changedFrom = Int64.max
    private let journal: HeldAudioJournal?

    public let channels: Int
    private let output: RecordingOutput
    /// Stretches written as silence whatever was placed there (pause, blackout): frame ranges,
    /// the end `Int64.max` while open. Applied as audio is committed, so a decision reaches
    /// every sample placed before or after it.
    private var silenced: [(id: Int, start: Int64, end: Int64)] = []
    private var nextSilence = 0

    /// Where the rings' memory comes from.
    private let pool: HeldAudioPool

    public init(channels: Int, capacityFrames: Int, output: RecordingOutput, journal: HeldAudioJournal? = nil,
                pool: HeldAudioPool = .shared) {
        self.channels = channels
        self.pool = pool
        self.journal = journal
        capacity = max(capacityFrames, 1024)
        planes = .allocate(capacity: max(channels, 1))
        planes.initialize(repeating: ChannelPlane(), count: max(channels, 1))
        self.output = output
    }

    deinit {
        for c in 0..<max(channels, 1) { planes[c].release(capacity: capacity, to: pool) }
        planes.deallocate()
    }

    /// Places G.711 `codes` (expanded through `table`) in `channel` from `position`; frames
    /// before the committed position are skipped. Returns how many frames were too late to place.
    @inline(__always)
    public func placeCodes(channel: Int, at position: Int64, codes: UnsafeRawBufferPointer,
                           table: UnsafePointer<Int16>) throws(SoundFileError) -> Int {
        let plane = planes + channel
        if plane.pointee.linear == nil && (plane.pointee.codes == nil || plane.pointee.table == table) {
            if plane.pointee.codes == nil { plane.pointee.makeCodes(capacity: capacity, table: table, from: committed, pool: pool) }
            if plane.pointee.gapsFull { plane.pointee.makeLinear(capacity: capacity, committed: committed, pool: pool) }
        }
        if let target = plane.pointee.codes, plane.pointee.table == table {
            let late = try place(at: position, count: codes.count) { offset, slot, run in
                (target + slot).update(from: codes.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset, count: run)
            }
            let end = position + Int64(codes.count)
            if end > committed { plane.pointee.filled(from: max(position, committed), to: end) }
            if end > plane.pointee.placedEnd { plane.pointee.placedEnd = end }
            return late
        }
        return try place(channel: channel, at: position, count: codes.count) { offset, destination, count in
            G711.expand(UnsafeRawBufferPointer(rebasing: codes[offset..<(offset + count)]), table: table,
                        into: destination, stride: 1)
        }
    }

    /// Calls `fill` with the channel's storage for `count` 16-bit samples from `position`, in at
    /// most two contiguous runs (the ring wraps); frames before the committed position are
    /// skipped. Returns how many frames were too late to place.
    @inline(__always)
    public func place(channel: Int, at position: Int64, count: Int,
                      _ fill: (_ sourceOffset: Int, _ destination: UnsafeMutablePointer<Int16>, _ count: Int) -> Void) throws(SoundFileError) -> Int {
        let plane = planes + channel
        if plane.pointee.linear == nil { plane.pointee.makeLinear(capacity: capacity, committed: committed, pool: pool) }
        let linear = plane.pointee.linear!
        let late = try place(at: position, count: count) { offset, slot, run in
            fill(offset, linear + slot, run)
        }
        let end = position + Int64(count)
        if end > plane.pointee.placedEnd { plane.pointee.placedEnd = end }
        return late
    }

    // Fetching ahead (`CallRecording.fetchAhead`): each asks for lines, reads only what the
    // stage before asked for, and changes nothing.

    /// The fields that placing a packet reads first.
    @inline(__always)
    func fetchAhead() {
        let object = UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque())
        calltap_prefetch_read(object)
        calltap_prefetch_read(object + 64)
    }

    /// The plane of `channel`.
    @inline(__always)
    func fetchPlane(channel: Int) {
        guard channel >= 0, channel < channels else { return }
        calltap_prefetch_read(planes + channel)
    }

    /// The held audio that `frames` frames placed after the channel's last audio would take
    /// (a packet that follows the one before it), for writing.
    @inline(__always)
    func fetchPlacement(channel: Int, frames: Int) {
        guard channel >= 0, channel < channels, frames > 0 else { return }
        let plane = planes + channel
        let end = plane.pointee.placedEnd
        guard end >= committed else { return }
        let slot = Int(end % Int64(capacity))
        let run = min(frames, capacity - slot)
        if let codes = plane.pointee.codes {
            Self.fetchForWriting(UnsafeRawPointer(codes + slot), bytes: run)
            if run < frames { Self.fetchForWriting(UnsafeRawPointer(codes), bytes: frames - run) }
        } else if let linear = plane.pointee.linear {
            Self.fetchForWriting(UnsafeRawPointer(linear + slot), bytes: 2 * run)
            if run < frames { Self.fetchForWriting(UnsafeRawPointer(linear), bytes: 2 * (frames - run)) }
        }
    }

    /// At most four lines from `start`.
    @inline(__always)
    private static func fetchForWriting(_ start: UnsafeRawPointer, bytes: Int) {
        var line = UInt(bitPattern: start) & ~63
        let end = min(UInt(bitPattern: start) + UInt(bytes), line + 256)
        while line < end {
            calltap_prefetch_write(UnsafeRawPointer(bitPattern: line))
            line += 64
        }
    }

    /// One past the last frame that audio was placed in on `channel`.
    public func placedEnd(channel: Int) -> Int64 {
        planes[channel].placedEnd
    }

    /// Moves the held frames `start ..< end` of `channel` earlier by `distance`: the audio of a
    /// stream that was placed too late (its anchor came late). The frames it moves into must
    /// hold nothing yet and lie at or after the committed position, and `end` must be the last
    /// audio placed in the channel; the frames it leaves are silence.
    public func move(channel: Int, from start: Int64, to end: Int64, by distance: Int64) {
        // The caller's bookkeeping guarantees this; were it wrong, leaving the audio is better than stopping.
        guard distance > 0, start - distance >= committed, end <= committed + Int64(capacity) else {
            assertionFailure("move \(start)..<\(end) by \(distance) with \(committed) committed")
            return
        }
        let plane = planes + channel
        if !plane.pointee.move(from: start, to: end, by: distance, capacity: capacity) {
            // The codes' bookkeeping cannot follow (audio placed after `end`): as 16-bit samples.
            plane.pointee.makeLinear(capacity: capacity, committed: committed, pool: pool)
            _ = plane.pointee.move(from: start, to: end, by: distance, capacity: capacity)
        }
        plane.pointee.placedEnd = max(committed, plane.pointee.placedEnd - distance)
        changed(from: start - distance)
    }

    /// The ring runs (source offset, slot, length) that frames `position ..< position + count` take.
    @inline(__always)
    private func place(at position: Int64, count: Int, _ run: (Int, Int, Int) -> Void) throws(SoundFileError) -> Int {
        guard count > 0 else { return 0 }
        let end = position + Int64(count)
        claim(upTo: end)
        if end <= committed { return count }
        let late = position < committed ? Int(committed - position) : 0
        var first = position + Int64(late)
        // Make room: what lies more than `capacity` behind the end is final now.
        if end - committed > Int64(capacity) {
            try commit(upTo: end - Int64(capacity))
            first = max(first, committed)
        }
        if first < journaled && first < changedFrom { changedFrom = first }
        var offset = Int(first - position)
        while first < end {
            let slot = Int(first % Int64(capacity))
            let length = min(Int(end - first), capacity - slot)
            run(offset, slot, length)
            offset += length
            first += Int64(length)
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
        changed(from: max(start, committed))
        return nextSilence
    }

    /// Closes silent stretch `id` at `end`.
    public func endSilence(_ id: Int, at end: Int64) {
        guard let i = silenced.firstIndex(where: { $0.id == id }) else { return }
        silenced[i].end = max(end, silenced[i].start)
        changed(from: silenced[i].end)
    }

    /// Writes every frame before `position` and clears it in the rings.
    public func commit(upTo position: Int64) throws(SoundFileError) {
        // Interleaved frames on their way to the writer, in this thread's room for them.
        let scratch = ThreadScratch.buffer(.interleaved)
        let scratchFrames = ThreadScratch.samples / max(channels, 1)
        while committed < position {
            let slot = Int(committed % Int64(capacity))
            let run = min(Int(position - committed), capacity - slot, scratchFrames)
            for c in 0..<channels {
                planes[c].take(from: slot, frame: committed, count: run, into: scratch + c, stride: channels)
            }
            if !silenced.isEmpty { applySilence(scratch, from: committed, count: run) }
            try output.write(frames: scratch, count: run)
            committed += Int64(run)
        }
    }

    /// Frames from `frame` on were journaled and have changed since.
    @inline(__always)
    private func changed(from frame: Int64) {
        if journal != nil && frame < journaled && frame < changedFrom { changedFrom = frame }
    }

    /// Appends to the journal the held frames placed or changed since the last call, as the
    /// gate decides them now; starts the journal over when it holds much more than is held.
    public func journalHeld() throws(SoundFileError) {
        guard let journal else { return }
        if journal.bytes > 4 * capacity * channels * 2 + 65536 {
            try journal.reset()
            journaled = committed
            changedFrom = Int64.max
            journalReset = true
        }
        var from = max(committed, min(changedFrom, journaled))
        let to = highest
        changedFrom = Int64.max
        guard to > from else { return }
        let scratch = ThreadScratch.buffer(.interleaved)
        let scratchFrames = ThreadScratch.samples / max(channels, 1)
        while from < to {
            let slot = Int(from % Int64(capacity))
            let run = min(Int(to - from), capacity - slot, scratchFrames)
            for c in 0..<channels {
                planes[c].peek(from: slot, frame: from, count: run, into: scratch + c, stride: channels)
            }
            if !silenced.isEmpty { applySilence(scratch, from: from, count: run, prune: false) }
            try journal.appendAudio(from: from, frames: scratch, count: run)
            from += Int64(run)
        }
        journaled = to
    }

    /// The journal was started over since this was last asked (its checkpoint must be written again).
    public private(set) var journalReset = false

    public func takeJournalReset() -> Bool {
        defer { journalReset = false }
        return journalReset
    }

    /// Gives back the memory of the held audio once everything is committed: a finished
    /// recording places nothing more.
    public func releaseHeld() {
        for c in 0..<max(channels, 1) { planes[c].release(capacity: capacity, to: pool) }
    }

    private func applySilence(_ frames: UnsafeMutablePointer<Int16>, from first: Int64, count: Int, prune: Bool = true) {
        let last = first + Int64(count)
        for (_, start, end) in silenced where start < last && end > first {
            let a = max(start, first), b = min(end, last)
            (frames + Int(a - first) * channels).update(repeating: 0, count: Int(b - a) * channels)
        }
        // Stretches wholly written are done with.
        if prune { silenced.removeAll { $0.end <= last } }
    }
}

/// One channel's held audio: nothing yet, G.711 codes with the gaps no packet filled, or 16-bit
/// samples. Slot `p % capacity` holds frame `p`.
struct ChannelPlane {
    var codes: UnsafeMutablePointer<UInt8>?
    var table: UnsafePointer<Int16>?
    var linear: UnsafeMutablePointer<Int16>?
    /// One past the last frame that audio was placed in.
    var placedEnd: Int64 = 0
    /// With codes: frames from the committed position up to here were placed, but for `gaps`.
    private var filledUpTo: Int64 = 0
    /// With codes: frame ranges below `filledUpTo` that no packet filled (loss, reordering), in order.
    private var gaps: UnsafeMutablePointer<(start: Int64, end: Int64)>?
    private var gapCount = 0
    /// More gaps than this in what is held (2.75 s by default: about a fifth of the packets lost)
    /// and the channel is held as 16-bit samples instead.
    static let maxGaps = 32

    var gapsFull: Bool { gapCount >= Self.maxGaps - 1 }

    mutating func makeCodes(capacity: Int, table: UnsafePointer<Int16>, from committed: Int64, pool: HeldAudioPool) {
        codes = pool.take(bytes: capacity).bindMemory(to: UInt8.self, capacity: capacity)
        gaps = .allocate(capacity: Self.maxGaps)
        gapCount = 0
        filledUpTo = committed
        self.table = table
    }

    /// Changes the channel to 16-bit samples, keeping what it holds (frames from `committed`).
    mutating func makeLinear(capacity: Int, committed: Int64, pool: HeldAudioPool) {
        let samples = pool.take(bytes: capacity * 2).bindMemory(to: Int16.self, capacity: capacity)
        samples.initialize(repeating: 0, count: capacity)
        if let codes, let table {
            var frame = committed
            var g = 0
            while frame < filledUpTo {
                if g < gapCount, frame >= gaps![g].start {
                    frame = max(frame, gaps![g].end)
                    g += 1
                    continue
                }
                let stop = g < gapCount ? min(gaps![g].start, filledUpTo) : filledUpTo
                while frame < stop {
                    let slot = Int(frame % Int64(capacity))
                    samples[slot] = table[Int(codes[slot])]
                    frame += 1
                }
            }
        }
        release(capacity: capacity, to: pool)
        linear = samples
    }

    /// Frames `start ..< end` (at or after the committed position) were placed.
    @inline(__always)
    mutating func filled(from start: Int64, to end: Int64) {
        if start >= filledUpTo {
            // The common case: the next packet in order, perhaps after a loss.
            if start > filledUpTo { addGap(filledUpTo, start) }
            filledUpTo = end
            return
        }
        if gapCount > 0 { fillGaps(start, min(end, filledUpTo)) }
        if end > filledUpTo { filledUpTo = end }
    }

    private mutating func addGap(_ start: Int64, _ end: Int64) {
        gaps![gapCount] = (start, end)
        gapCount += 1
    }

    /// A reordered or late packet filled `start ..< end` below `filledUpTo`.
    private mutating func fillGaps(_ start: Int64, _ end: Int64) {
        var i = 0
        while i < gapCount {
            let gap = gaps![i]
            if gap.end <= start || gap.start >= end {
                i += 1
            } else if start <= gap.start && end >= gap.end {
                (gaps! + i).update(from: gaps! + i + 1, count: gapCount - i - 1)
                gapCount -= 1
            } else if start <= gap.start {
                gaps![i].start = end
                i += 1
            } else if end >= gap.end {
                gaps![i].end = start
                i += 1
            } else {
                // Inside the gap: it splits in two (room is kept for that, see `gapsFull`).
                (gaps! + i + 2).update(from: gaps! + i + 1, count: gapCount - i - 1)
                gaps![i + 1] = (end, gap.end)
                gaps![i].end = start
                gapCount += 1
                i += 2
            }
        }
    }

    /// Moves frames `start ..< end` earlier by `distance` (see `RecordingTimeline.move`); false,
    /// moving nothing, when the channel holds codes and audio was placed after `end`.
    mutating func move(from start: Int64, to end: Int64, by distance: Int64, capacity: Int) -> Bool {
        if let linear {
            Self.move(linear, from: start, to: end, by: distance, capacity: capacity)
            Self.runs(from: max(start, end - distance), to: end, capacity: capacity) { slot, _, run in
                (linear + slot).update(repeating: 0, count: run)
            }
            return true
        }
        guard let codes else { return true }
        guard filledUpTo == end else { return false }
        Self.move(codes, from: start, to: end, by: distance, capacity: capacity)
        // Gaps inside move with the audio; the one before it (the room it moves into) shrinks.
        var i = 0
        while i < gapCount {
            if gaps![i].start >= start {
                gaps![i].start -= distance
                gaps![i].end -= distance
            } else if gaps![i].end == start {
                gaps![i].end = start - distance
                if gaps![i].end <= gaps![i].start {
                    (gaps! + i).update(from: gaps! + i + 1, count: gapCount - i - 1)
                    gapCount -= 1
                    continue
                }
            }
            i += 1
        }
        filledUpTo = end - distance
        return true
    }

    /// Frames `start ..< end` of a ring as runs of contiguous slots: (slot, frame, length).
    @inline(__always)
    private static func runs(from start: Int64, to end: Int64, capacity: Int, _ run: (Int, Int64, Int) -> Void) {
        var frame = start
        while frame < end {
            let slot = Int(frame % Int64(capacity))
            let length = min(Int(end - frame), capacity - slot)
            run(slot, frame, length)
            frame += Int64(length)
        }
    }

    /// Copies the ring's frames `start ..< end` to `distance` frames earlier, in runs that are
    /// contiguous at both ends; earlier frames first, so each is read before it is written over
    /// (the span fits the ring: no two of its frames share a slot).
    private static func move<T>(_ ring: UnsafeMutablePointer<T>, from start: Int64, to end: Int64, by distance: Int64,
                                capacity: Int) {
        runs(from: start, to: end, capacity: capacity) { slot, frame, length in
            var source = slot, frame = frame, left = length
            while left > 0 {
                let target = Int((frame - distance) % Int64(capacity))
                let run = min(left, capacity - target)
                (ring + target).update(from: ring + source, count: run)
                source += run
                frame += Int64(run)
                left -= run
            }
        }
    }

    /// Moves slots `slot ..< slot + count`, which hold frames from `frame`, into every
    /// `stride`-th value of `destination` as 16-bit samples (silence where nothing was placed),
    /// and clears them.
    @inline(__always)
    mutating func take(from slot: Int, frame: Int64, count: Int, into destination: UnsafeMutablePointer<Int16>, stride: Int) {
        peek(from: slot, frame: frame, count: count, into: destination, stride: stride)
        if let linear {
            (linear + slot).update(repeating: 0, count: count)
            return
        }
        guard codes != nil else { return }
        // The gaps and the filled mark move past what was taken.
        let end = frame + Int64(count)
        var removed = 0
        for i in 0..<gapCount {
            guard gaps![i].start < end else { break }
            if gaps![i].end <= end { removed += 1 } else { gaps![i].start = end }
        }
        if removed > 0 {
            gaps!.update(from: gaps! + removed, count: gapCount - removed)
            gapCount -= removed
        }
        if filledUpTo < end { filledUpTo = end }
    }

    /// What `take` hands over for slots `slot ..< slot + count` (frames from `frame`), leaving
    /// them held (the journal's copy of audio not yet written).
    @inline(__always)
    func peek(from slot: Int, frame: Int64, count: Int, into destination: UnsafeMutablePointer<Int16>, stride: Int) {
        var d = destination
        if let linear {
            for i in slot..<(slot + count) {
                d.pointee = linear[i]
                d += stride
            }
            return
        }
        guard let codes, let table else {
            for _ in 0..<count {
                d.pointee = 0
                d += stride
            }
            return
        }
        for i in slot..<(slot + count) {
            d.pointee = table[Int(codes[i])]
            d += stride
        }
        let end = frame + Int64(count)
        func silence(_ a: Int64, _ b: Int64) {
            guard b > a else { return }
            var z = destination + Int(a - frame) * stride
            for _ in a..<b {
                z.pointee = 0
                z += stride
            }
        }
        for i in 0..<gapCount {
            let gap = gaps![i]
            guard gap.start < end else { break }
            silence(max(gap.start, frame), min(gap.end, end))
        }
        if filledUpTo < end { silence(max(filledUpTo, frame), end) }
    }

    /// Gives the held audio's blocks back to `pool` (`capacity`: the frames they were taken for).
    mutating func release(capacity: Int, to pool: HeldAudioPool) {
        if let codes { pool.give(UnsafeMutableRawPointer(codes), bytes: capacity) }
        if let linear { pool.give(UnsafeMutableRawPointer(linear), bytes: capacity * 2) }
        gaps?.deallocate()
        codes = nil
        gaps = nil
        linear = nil
        table = nil
        gapCount = 0
    }
}
