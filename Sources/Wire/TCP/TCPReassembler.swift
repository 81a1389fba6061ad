/// Reassembles the byte streams of TCP connections seen passively, per direction: in-order delivery
/// despite out-of-order segments, retransmissions and overlaps (first bytes seen win), bounded memory
/// per stream and in total, and gaps (a segment lost by the mirror port) skipped after a bound so the
/// stream goes on. Capture time only (no wall clock). Single-threaded (the capture thread).
///
/// A passive observer cannot ask for a lost segment again, so a hole is skipped as soon as there is
/// evidence it will never be filled: the receiver acknowledged the missing bytes (it got them, so
/// nobody will resend them), bytes behind it waited `gapTimeoutNanos`, or they outgrew
/// `maxBufferedBytesPerStream`. The consumer is told through `gap` and must resynchronise.
///
/// Not reentrant: `deliver` and `gap` must not call back into the reassembler.
public final class TCPReassembler {
    public typealias Deliver = (StreamKey, UnsafeRawBufferPointer) -> Void
    public typealias Gap = (StreamKey, Int) -> Void

    public let limits: Limits
    public private(set) var counters = Counters()
    /// Out-of-order bytes held, in all streams.
    public private(set) var heldBytes = 0
    /// Directions being followed.
    public var streamCount: Int { index.count }

    /// A sequence number further than this from the stream's is not believed: no TCP window of a
    /// signalling connection comes near it, while random or stale segments land there almost surely.
    static let plausibleDistance: Int64 = 1 << 26
    /// After this many implausible segments in a row the stream is followed from the last one: the
    /// peer has moved on (a new connection whose SYN was not seen), not the other way round.
    static let outOfWindowRestart = 4
    /// Pieces one stream may hold; a hostile pattern of tiny segments with holes between them would
    /// otherwise make each insertion cost more and more.
    static let maxPiecesPerStream = 1024
    /// How long an acknowledged hole waits before it is skipped: a mirror port that merges two links
    /// can show the receiver's ACK a moment before the data it acknowledges.
    static let acknowledgedGapGraceNanos: Int64 = 10_000_000

    private var index: [StreamKey: Int32] = [:]
    /// Streams live in slots, linked by slot number into a recency list, so that evicting the least
    /// recently active one costs O(1) and iteration order (hence output) is deterministic.
    private var slots: [Stream] = []
    private var freeSlots: [Int32] = []
    private var newest: Int32 = -1
    private var oldest: Int32 = -1
    /// Streams evicted since the last `expire`, reported by it.
    private var evictedKeys: [StreamKey] = []

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    // MARK: - Segments

    /// Feeds one segment; calls `deliver` zero or more times with contiguous in-order bytes of that
    /// direction (views valid only during the call), and `gap` with the number of bytes skipped when
    /// bytes were lost (0 when unknown: a new connection on the same addresses, or a stream that
    /// jumped), after which the consumer must resynchronise.
    public func process(_ segment: TCPSegment, nanos: Int64, deliver: Deliver, gap: Gap) {
        let key = StreamKey(source: segment.source, destination: segment.destination)
        let flags = segment.flags
        let payload = segment.payload

        // What this side acknowledges tells about the other direction's holes.
        if flags & TCPSegment.ack != 0, let reverse = index[key.reversed] {
            noteAcknowledgement(segment.acknowledgementNumber, slot: reverse, now: nanos, deliver: deliver, gap: gap)
        }
        if flags & TCPSegment.rst != 0 {
            // A reset ends both directions; data in a RST segment is a diagnostic, not stream data.
            if let slot = index[key] { close(slot, now: nanos) }
            if let reverse = index[key.reversed] { close(reverse, now: nanos) }
            return
        }
        let isSYN = flags & TCPSegment.syn != 0
        let isFIN = flags & TCPSegment.fin != 0
        guard isSYN || isFIN || !payload.isEmpty else {
            if let slot = index[key] { touch(slot, now: nanos) }
            return
        }
        counters.segments += 1
        // The SYN takes one sequence number; data starts after it.
        let sequence = isSYN ? segment.sequenceNumber &+ 1 : segment.sequenceNumber

        let slot: Int32
        if let existing = index[key] {
            slot = existing
            if isSYN, !isSameConnection(slots[Int(existing)], synSequence: sequence) {
                restart(&slots[Int(existing)], at: sequence, sawSYN: true, gap: gap)
            }
        } else {
            // A FIN alone says nothing worth a stream.
            guard isSYN || !payload.isEmpty, let created = create(key, at: sequence, sawSYN: isSYN, now: nanos)
            else { return }
            slot = created
        }
        touch(slot, now: nanos)

        let i = Int(slot)
        var believed = true
        if !payload.isEmpty {
            believed = accept(payload, at: sequence, &slots[i], now: nanos, deliver: deliver, gap: gap)
        }
        if isFIN, believed {
            slots[i].finOffset = slots[i].offset(of: sequence &+ UInt32(truncatingIfNeeded: payload.count))
        }
        if !slots[i].pieces.isEmpty {
            skipAcknowledgedHoles(&slots[i], now: nanos, deliver: deliver, gap: gap)
            if !slots[i].pieces.isEmpty, elapsed(from: slots[i].holeSince, to: nanos) >= limits.gapTimeoutNanos {
                skipHole(&slots[i], now: nanos, deliver: deliver, gap: gap)
            }
        }
        noteClosed(&slots[i], now: nanos)
        if heldBytes > limits.maxTotalBytes { relieveMemory(now: nanos, deliver: deliver, gap: gap) }
    }

    // MARK: - Expiry

    /// Drops streams idle longer than the timeout, and FIN/RST-closed ones once their linger is over;
    /// returns the keys dropped (and those evicted since the last call) so consumers can forget their
    /// state. Bytes still held by a dropped stream are counted in `abandonedBytes`: prefer
    /// ``expire(now:deliver:gap:)``, which delivers them and skips timed-out holes of live streams.
    public func expire(now: Int64) -> [StreamKey] {
        expireStreams(now: now, flush: false, deliver: { _, _ in }, gap: { _, _ in })
    }

    /// Like ``expire(now:)``, and first skips the holes that have waited `gapTimeoutNanos` (or that the
    /// receiver acknowledged), delivering what was held behind them, also in streams that have gone
    /// quiet. Call it periodically (every capture second, say) so that the last message before a
    /// pause is not held until the next segment.
    public func expire(now: Int64, deliver: Deliver, gap: Gap) -> [StreamKey] {
        expireStreams(now: now, flush: true, deliver: deliver, gap: gap)
    }

    private func expireStreams(now: Int64, flush: Bool, deliver: Deliver, gap: Gap) -> [StreamKey] {
        var dropped = evictedKeys
        evictedKeys.removeAll()
        for i in slots.indices where slots[i].isLive {
            if flush, !slots[i].pieces.isEmpty {
                skipAcknowledgedHoles(&slots[i], now: now, deliver: deliver, gap: gap)
                while !slots[i].pieces.isEmpty, elapsed(from: slots[i].holeSince, to: now) >= limits.gapTimeoutNanos {
                    skipHole(&slots[i], now: now, deliver: deliver, gap: gap)
                }
                noteClosed(&slots[i], now: now)
            }
            let idle = elapsed(from: slots[i].lastSeen, to: now) > limits.idleTimeoutNanos
            let closedLongEnough = slots[i].closedAt.map { elapsed(from: $0, to: now) >= limits.closedLingerNanos } ?? false
            guard idle || closedLongEnough else { continue }
            if flush {
                // Nothing will fill these holes any more.
                while !slots[i].pieces.isEmpty { skipHole(&slots[i], now: now, deliver: deliver, gap: gap) }
            } else {
                counters.abandonedBytes += slots[i].heldBytes
            }
            dropped.append(slots[i].key)
            remove(Int32(i))
        }
        return dropped
    }

    // MARK: - Bytes

    /// Places a segment's payload: delivers it if it continues the stream, holds it if it comes
    /// ahead of a hole, ignores what was seen before. False if the segment was not believed.
    private func accept(
        _ payload: UnsafeRawBufferPointer, at sequence: UInt32, _ stream: inout Stream, now: Int64,
        deliver: Deliver, gap: Gap
    ) -> Bool {
        var start = stream.offset(of: sequence)
        let distance = start - stream.nextOffset
        if distance > Self.plausibleDistance || distance < -Self.plausibleDistance {
            counters.outOfWindow += 1
            stream.outOfWindowRun += 1
            guard stream.outOfWindowRun >= Self.outOfWindowRestart else { return false }
            restart(&stream, at: sequence, sawSYN: false, gap: gap)
            start = stream.nextOffset
        }
        stream.outOfWindowRun = 0
        let end = start + Int64(payload.count)
        if stream.closedAt != nil, end > stream.finOffset ?? stream.nextOffset {
            // New bytes after a FIN or RST: it was not the end after all (or it was forged).
            stream.closedAt = nil
            stream.finOffset = nil
        }
        if end <= stream.nextOffset {
            if payload.count == 1, end == stream.nextOffset {
                counters.keepAlives += 1
            } else {
                counters.retransmitted += 1
            }
        } else if start <= stream.nextOffset {
            // Bytes already delivered, or held, are repeated.
            if start < stream.nextOffset || stream.pieces.first.map({ $0.offset < end }) ?? false {
                counters.overlapping += 1
            }
            deliverInOrder(payload, from: start, &stream, deliver: deliver)
        } else {
            hold(payload, from: start, &stream, now: now, deliver: deliver, gap: gap)
        }
        return true
    }

    /// Delivers from `nextOffset` on: held pieces where they start first (first bytes seen win),
    /// `payload` (which starts at `start` ≤ `nextOffset`) in between.
    private func deliverInOrder(
        _ payload: UnsafeRawBufferPointer, from start: Int64, _ stream: inout Stream, deliver: Deliver
    ) {
        let end = start + Int64(payload.count)
        var cursor = stream.nextOffset
        while true {
            if let first = stream.pieces.first, first.offset <= cursor {
                let piece = stream.pieces.removeFirst()
                stream.heldBytes -= piece.bytes.count
                heldBytes -= piece.bytes.count
                if piece.end > cursor {
                    let skip = Int(cursor - piece.offset)
                    piece.bytes.withUnsafeBytes { bytes in
                        deliver(stream.key, UnsafeRawBufferPointer(rebasing: bytes[skip...]))
                    }
                    cursor = piece.end
                }
            } else if cursor < end {
                let stop = min(end, stream.pieces.first?.offset ?? end)
                deliver(stream.key, UnsafeRawBufferPointer(rebasing: payload[Int(cursor - start)..<Int(stop - start)]))
                cursor = stop
            } else {
                break
            }
        }
        advance(&stream, to: cursor)
    }

    /// Keeps the bytes of a segment that came ahead of a hole, those no held piece has yet.
    private func hold(
        _ payload: UnsafeRawBufferPointer, from start: Int64, _ stream: inout Stream, now: Int64,
        deliver: Deliver, gap: Gap
    ) {
        let end = start + Int64(payload.count)
        var index = 0
        var cursor = start
        var added = 0
        while cursor < end {
            while index < stream.pieces.count, stream.pieces[index].end <= cursor { index += 1 }
            let holeEnd = index < stream.pieces.count ? min(stream.pieces[index].offset, end) : end
            if holeEnd > cursor {
                let bytes = [UInt8](payload[Int(cursor - start)..<Int(holeEnd - start)])
                if stream.pieces.isEmpty { stream.holeSince = now }
                stream.pieces.insert(Piece(offset: cursor, bytes: bytes), at: index)
                added += bytes.count
                index += 1
                cursor = holeEnd
            } else {
                cursor = stream.pieces[index].end
                index += 1
            }
        }
        guard added > 0 else {
            counters.retransmitted += 1
            return
        }
        counters.outOfOrder += 1
        if added < payload.count { counters.overlapping += 1 }
        stream.heldBytes += added
        heldBytes += added
        while !stream.pieces.isEmpty,
              stream.heldBytes > limits.maxBufferedBytesPerStream || stream.pieces.count > Self.maxPiecesPerStream {
            skipHole(&stream, now: now, deliver: deliver, gap: gap)
        }
    }

    /// Gives up on the first hole: reports it, then delivers what was held behind it.
    private func skipHole(_ stream: inout Stream, now: Int64, deliver: Deliver, gap: Gap) {
        guard let first = stream.pieces.first else { return }
        let hole = first.offset - stream.nextOffset
        if hole > 0 {
            counters.gaps += 1
            counters.skippedBytes += Int(hole)
            gap(stream.key, Int(hole))
            advance(&stream, to: first.offset)
        }
        deliverInOrder(UnsafeRawBufferPointer(start: nil, count: 0), from: stream.nextOffset, &stream, deliver: deliver)
        if !stream.pieces.isEmpty { stream.holeSince = now }
    }

    private func advance(_ stream: inout Stream, to offset: Int64) {
        guard offset > stream.nextOffset else { return }
        stream.nextSequence &+= UInt32(truncatingIfNeeded: offset - stream.nextOffset)
        stream.nextOffset = offset
    }

    // MARK: - Acknowledgements and holes

    private func noteAcknowledgement(
        _ acknowledgement: UInt32, slot: Int32, now: Int64, deliver: Deliver, gap: Gap
    ) {
        let i = Int(slot)
        if let known = slots[i].peerAcknowledgement, Int32(bitPattern: acknowledgement &- known) <= 0 { return }
        slots[i].peerAcknowledgement = acknowledgement
        if !slots[i].pieces.isEmpty {
            skipAcknowledgedHoles(&slots[i], now: now, deliver: deliver, gap: gap)
            noteClosed(&slots[i], now: now)
        }
    }

    /// Skips the holes the receiver has acknowledged: it has those bytes, so nobody will send them
    /// again, and only the mirror port lost them.
    private func skipAcknowledgedHoles(_ stream: inout Stream, now: Int64, deliver: Deliver, gap: Gap) {
        guard let acknowledgement = stream.peerAcknowledgement, !stream.pieces.isEmpty,
              elapsed(from: stream.holeSince, to: now) >= Self.acknowledgedGapGraceNanos
        else { return }
        let acknowledged = stream.offset(of: acknowledgement)
        while let first = stream.pieces.first, first.offset <= acknowledged {
            skipHole(&stream, now: now, deliver: deliver, gap: gap)
        }
    }

    /// Flushes the streams that hold most until the total is within bounds again. Nothing is lost
    /// that was received: only holes are given up early.
    private func relieveMemory(now: Int64, deliver: Deliver, gap: Gap) {
        while heldBytes > limits.maxTotalBytes {
            var largest = -1
            for i in slots.indices where slots[i].isLive && slots[i].heldBytes > 0 {
                if largest < 0 || slots[i].heldBytes > slots[largest].heldBytes { largest = i }
            }
            guard largest >= 0 else { return }
            while !slots[largest].pieces.isEmpty { skipHole(&slots[largest], now: now, deliver: deliver, gap: gap) }
            noteClosed(&slots[largest], now: now)
        }
    }

    // MARK: - Connections

    /// A SYN on a direction already followed: its retransmission, or one that the mirror showed late,
    /// belongs to the same connection; any other starts a new connection on the same addresses.
    private func isSameConnection(_ stream: Stream, synSequence: UInt32) -> Bool {
        if synSequence == stream.initialSequence { return true }
        guard stream.closedAt == nil, !stream.sawSYN else { return false }
        // Followed from mid-connection; a SYN a little before where following began is its own.
        let before = Int64(Int32(bitPattern: stream.initialSequence &- synSequence))
        return before > 0 && before <= Self.plausibleDistance
    }

    /// Follows the direction anew from `sequence`, forgetting what it held.
    private func restart(_ stream: inout Stream, at sequence: UInt32, sawSYN: Bool, gap: Gap) {
        let hadBytes = stream.nextOffset > 0 || stream.heldBytes > 0
        counters.abandonedBytes += stream.heldBytes
        heldBytes -= stream.heldBytes
        var fresh = Stream(key: stream.key, sequence: sequence, sawSYN: sawSYN, now: stream.lastSeen)
        fresh.newer = stream.newer
        fresh.older = stream.older
        stream = fresh
        if hadBytes {
            counters.gaps += 1
            gap(stream.key, 0)
        }
    }

    private func close(_ slot: Int32, now: Int64) {
        let i = Int(slot)
        if slots[i].closedAt == nil { slots[i].closedAt = now }
        slots[i].finOffset = nil
        touch(slot, now: now)
    }

    private func noteClosed(_ stream: inout Stream, now: Int64) {
        if stream.closedAt == nil, let fin = stream.finOffset, stream.nextOffset >= fin { stream.closedAt = now }
    }

    // MARK: - Table

    private func create(_ key: StreamKey, at sequence: UInt32, sawSYN: Bool, now: Int64) -> Int32? {
        guard limits.maxStreams > 0 else { return nil }
        while index.count >= limits.maxStreams, oldest >= 0 { evict(oldest) }
        let stream = Stream(key: key, sequence: sequence, sawSYN: sawSYN, now: now)
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            slots[Int(free)] = stream
        } else {
            slot = Int32(slots.count)
            slots.append(stream)
        }
        index[key] = slot
        linkNewest(slot)
        return slot
    }

    private func evict(_ slot: Int32) {
        let i = Int(slot)
        counters.evictedStreams += 1
        counters.droppedForMemory += slots[i].heldBytes
        // Bounded: a flood of new connections between two calls to `expire` must not grow this list
        // without limit. Consumers keyed by stream should bound their own tables as well.
        if evictedKeys.count < limits.maxStreams { evictedKeys.append(slots[i].key) }
        remove(slot)
    }

    private func remove(_ slot: Int32) {
        let i = Int(slot)
        heldBytes -= slots[i].heldBytes
        unlink(slot)
        index[slots[i].key] = nil
        slots[i].pieces = []
        slots[i].heldBytes = 0
        slots[i].isLive = false
        freeSlots.append(slot)
    }

    private func touch(_ slot: Int32, now: Int64) {
        slots[Int(slot)].lastSeen = now
        guard newest != slot else { return }
        unlink(slot)
        linkNewest(slot)
    }

    private func linkNewest(_ slot: Int32) {
        let i = Int(slot)
        slots[i].older = newest
        slots[i].newer = -1
        if newest >= 0 { slots[Int(newest)].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }

    private func unlink(_ slot: Int32) {
        let i = Int(slot)
        let newer = slots[i].newer, older = slots[i].older
        if newer >= 0 { slots[Int(newer)].older = older } else { newest = older }
        if older >= 0 { slots[Int(older)].newer = newer } else { oldest = newer }
        slots[i].newer = -1
        slots[i].older = -1
    }

    /// `to - from`, saturating: capture times from a hostile file can be anything.
    private func elapsed(from: Int64, to: Int64) -> Int64 {
        let (difference, overflow) = to.subtractingReportingOverflow(from)
        if overflow { return to > from ? .max : .min }
        return difference
    }
}
