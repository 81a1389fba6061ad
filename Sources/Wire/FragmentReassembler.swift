/// Puts IPv4 and IPv6 fragments back together, within `FragmentLimits`, timed by capture time.
///
/// Each datagram keeps its fragments as pieces sorted by offset that never overlap: a fragment adds
/// only the bytes no earlier fragment covered (first copy wins), so duplicates, which mirror ports
/// produce routinely, and overlaps cost nothing and cannot corrupt what was already received.
/// `heldBytes` counts those pieces, so the memory bound is a bound on real data, whatever offsets a
/// hostile sender picks.
final class FragmentReassembler {
    enum Outcome {
        case held
        case dropped(WireDrop)
        /// The reassembled payload (after the IPv4 header or the IPv6 fragment header) and the protocol
        /// or next header that starts it. Valid until the next `beginFrame`.
        case complete(UnsafeRawBufferPointer, nextHeader: UInt8)
    }

    private struct Piece {
        var offset: Int
        var bytes: [UInt8]
        var end: Int { offset + bytes.count }
    }

    private final class PendingDatagram {
        var pieces: [Piece] = []
        var receivedBytes = 0
        /// Known once the last fragment (MF clear) has come.
        var totalLength: Int?
        /// Known once the first fragment (offset 0) has come, for IPv6; from any fragment for IPv4.
        var nextHeader: UInt8?
        let firstSeen: Int64
        /// Arrival order, for evicting the oldest without trusting timestamps to be monotonic.
        let arrival: UInt64
        /// Frames returned as `.held` for this datagram: what eviction must count.
        var heldFrames = 0

        init(firstSeen: Int64, arrival: UInt64) {
            self.firstSeen = firstSeen
            self.arrival = arrival
        }
    }

    /// A datagram completed a moment ago; a mirror port's second copy of its fragments is absorbed
    /// instead of starting a datagram that could never complete.
    private struct CompletedDatagram {
        var key: FragmentKey
        var completedAt: Int64
        var totalLength: Int
    }

    /// How long after completion a fragment of the same datagram counts as a copy. Mirror copies
    /// arrive microseconds apart; an IP identification is not reused that fast.
    static let copyWindowNanos: Int64 = 1_000_000_000
    static let maxPiecesPerDatagram = 1024
    /// Largest reassembled payload: an IP datagram is at most 65535 bytes with its header.
    static let outputCapacity = 65536

    let limits: FragmentLimits
    private var pending: [FragmentKey: PendingDatagram] = [:]
    private(set) var heldBytes = 0
    /// No datagram expires before this; `Int64.max` when none is held, so the per-frame test is one compare.
    private var earliestDeadline = Int64.max
    private var arrivals: UInt64 = 0
    private var now: Int64 = 0
    private var expiredFrames = 0
    private var overflowFrames = 0
    private var recentlyCompleted: [CompletedDatagram] = []
    private var recentCursor = 0
    private static let recentCapacity = 32
    /// Reassembled datagrams are copied here and stay until the next frame; more than one is in use
    /// only when a reassembled datagram carries a tunnel whose inner packet is also fragmented.
    private var outputs: [UnsafeMutableRawBufferPointer] = []
    private var outputsInUse = 0
    private var expiredKeys: [FragmentKey] = []

    init(limits: FragmentLimits) {
        self.limits = limits
    }

    deinit {
        for output in outputs { output.deallocate() }
    }

    var heldDatagrams: Int { pending.count }

    /// Called once per frame: releases the previous frame's reassembled datagrams and expires
    /// datagrams whose time is up.
    @inline(__always)
    func beginFrame(now: Int64) {
        self.now = now
        outputsInUse = 0
        if now > earliestDeadline { expire() }
    }

    func takeEvictedCounts() -> (expired: Int, overflow: Int) {
        defer { expiredFrames = 0; overflowFrames = 0 }
        return (expiredFrames, overflowFrames)
    }

    func expireAll() {
        for datagram in pending.values { expiredFrames += datagram.heldFrames }
        pending.removeAll()
        heldBytes = 0
        earliestDeadline = .max
    }

    /// Adds one fragment. `data` is the fragment's payload, at `offset` in the reassembled payload;
    /// `headerLength` is what precedes that payload in the datagram (IPv4 header, IPv6 unfragmentable
    /// headers), which counts against the 65535-byte limit.
    func add(
        key: FragmentKey, offset: Int, moreFragments: Bool, data: UnsafeRawBufferPointer, nextHeader: UInt8,
        headerLength: Int
    ) -> Outcome {
        let end = offset + data.count
        guard headerLength + end <= 65535 else { return .dropped(.fragmentOverflow) }
        // A non-final fragment with no data adds nothing but a table entry.
        guard !moreFragments || !data.isEmpty else { return .dropped(.malformed) }

        let existing = pending[key]
        if let datagram = existing {
            if let total = datagram.totalLength {
                guard end <= total, moreFragments || end == total else { return .dropped(.malformed) }
            } else if !moreFragments {
                guard (datagram.pieces.last?.end ?? 0) <= end else { return .dropped(.malformed) }
            }
        } else if isCopyOfCompleted(key, end: end) {
            return .held
        }

        let newBytes = uncoveredByteCount(existing?.pieces ?? [], offset, end)
        guard newBytes <= limits.maxBytes else { return .dropped(.fragmentOverflow) }
        if let datagram = existing, datagram.pieces.count >= FragmentReassembler.maxPiecesPerDatagram, newBytes > 0 {
            return .dropped(.fragmentOverflow)
        }

        let datagram: PendingDatagram
        if let existing {
            datagram = existing
        } else {
            guard limits.maxDatagrams > 0 else { return .dropped(.fragmentOverflow) }
            while pending.count >= limits.maxDatagrams { _ = evictOldest(except: key) }
            arrivals &+= 1
            datagram = PendingDatagram(firstSeen: now, arrival: arrivals)
        }
        while heldBytes + newBytes > limits.maxBytes {
            guard evictOldest(except: key) else { return .dropped(.fragmentOverflow) }
        }
        if existing == nil {
            pending[key] = datagram
            earliestDeadline = min(earliestDeadline, deadline(of: datagram))
        }

        insertUncovered(data, at: offset, into: datagram)
        heldBytes += newBytes
        datagram.heldFrames += 1
        if !moreFragments { datagram.totalLength = end }
        if offset == 0 || key.protocolNumber != FragmentKey.ipv6, datagram.nextHeader == nil {
            datagram.nextHeader = nextHeader
        }

        guard let total = datagram.totalLength, datagram.receivedBytes == total,
              let firstHeader = datagram.nextHeader else { return .held }
        return .complete(assemble(datagram, key: key, totalLength: total), nextHeader: firstHeader)
    }

    // MARK: - Pieces

    /// Bytes of `offset..<end` that no piece covers yet.
    private func uncoveredByteCount(_ pieces: [Piece], _ offset: Int, _ end: Int) -> Int {
        var cursor = offset
        var uncovered = 0
        for piece in pieces {
            if piece.end <= cursor { continue }
            if piece.offset >= end { break }
            if piece.offset > cursor { uncovered += piece.offset - cursor }
            cursor = max(cursor, piece.end)
            if cursor >= end { break }
        }
        if cursor < end { uncovered += end - cursor }
        return uncovered
    }

    /// Stores the parts of `data` that fill holes, keeping pieces sorted and disjoint.
    private func insertUncovered(_ data: UnsafeRawBufferPointer, at offset: Int, into datagram: PendingDatagram) {
        let end = offset + data.count
        var cursor = offset
        var index = 0
        while cursor < end {
            // Skip pieces that end at or before the cursor.
            while index < datagram.pieces.count, datagram.pieces[index].end <= cursor { index += 1 }
            let holeEnd = index < datagram.pieces.count ? min(datagram.pieces[index].offset, end) : end
            if holeEnd > cursor {
                let bytes = [UInt8](data.slice(cursor - offset, holeEnd - offset))
                datagram.pieces.insert(Piece(offset: cursor, bytes: bytes), at: index)
                datagram.receivedBytes += bytes.count
                index += 1
                cursor = holeEnd
            } else {
                // The cursor is inside (or at the start of) pieces[index]: jump past it.
                cursor = datagram.pieces[index].end
                index += 1
            }
        }
    }

    private func assemble(_ datagram: PendingDatagram, key: FragmentKey, totalLength: Int) -> UnsafeRawBufferPointer {
        if outputsInUse == outputs.count {
            outputs.append(.allocate(byteCount: FragmentReassembler.outputCapacity, alignment: 8))
        }
        let output = outputs[outputsInUse]
        outputsInUse += 1
        // Pieces are disjoint, inside 0..<totalLength and add up to it, so they tile it exactly.
        for piece in datagram.pieces where !piece.bytes.isEmpty {
            piece.bytes.withUnsafeBytes { bytes in
                UnsafeMutableRawBufferPointer(rebasing: output[piece.offset..<piece.end]).copyMemory(from: bytes)
            }
        }
        heldBytes -= datagram.receivedBytes
        pending[key] = nil
        rememberCompleted(key, totalLength: totalLength)
        return UnsafeRawBufferPointer(rebasing: output[0..<totalLength])
    }

    // MARK: - Copies of completed datagrams

    private func rememberCompleted(_ key: FragmentKey, totalLength: Int) {
        let entry = CompletedDatagram(key: key, completedAt: now, totalLength: totalLength)
        if recentlyCompleted.count < FragmentReassembler.recentCapacity {
            recentlyCompleted.append(entry)
        } else {
            recentlyCompleted[recentCursor] = entry
            recentCursor = (recentCursor + 1) % FragmentReassembler.recentCapacity
        }
    }

    private func isCopyOfCompleted(_ key: FragmentKey, end: Int) -> Bool {
        let window = max(0, min(limits.timeoutNanos, FragmentReassembler.copyWindowNanos))
        for entry in recentlyCompleted where entry.key == key {
            let age = now.subtractingReportingOverflow(entry.completedAt)
            if !age.overflow, age.partialValue >= -window, age.partialValue <= window, end <= entry.totalLength {
                return true
            }
        }
        return false
    }

    // MARK: - Eviction

    private func deadline(of datagram: PendingDatagram) -> Int64 {
        let sum = datagram.firstSeen.addingReportingOverflow(limits.timeoutNanos)
        return sum.overflow ? (limits.timeoutNanos > 0 ? .max : .min) : sum.partialValue
    }

    private func expire() {
        var next = Int64.max
        expiredKeys.removeAll(keepingCapacity: true)
        for (key, datagram) in pending {
            let due = deadline(of: datagram)
            if now > due {
                expiredKeys.append(key)
            } else {
                next = min(next, due)
            }
        }
        for key in expiredKeys {
            if let datagram = pending.removeValue(forKey: key) {
                expiredFrames += datagram.heldFrames
                heldBytes -= datagram.receivedBytes
            }
        }
        earliestDeadline = next
    }

    /// Evicts the datagram that arrived first, other than `key`'s; false if there is none.
    private func evictOldest(except key: FragmentKey) -> Bool {
        var oldest: (key: FragmentKey, arrival: UInt64)?
        for (candidate, datagram) in pending where candidate != key {
            if oldest == nil || datagram.arrival < oldest!.arrival {
                oldest = (candidate, datagram.arrival)
            }
        }
        guard let victim = oldest?.key, let datagram = pending.removeValue(forKey: victim) else { return false }
        overflowFrames += datagram.heldFrames
        heldBytes -= datagram.receivedBytes
        return true
    }
}
