/// Quality counters of one RTP stream (one SSRC), kept as RFC 3550 appendix A does: extended
/// sequence numbers, expected versus received, interarrival jitter in timestamp units.
public struct StreamStatistics: Sendable {
    /// What became of one packet.
    public enum Arrival: Sendable, Equatable {
        case inOrder
        case reordered
        case duplicate
    }

    public let ssrc: UInt32
    public private(set) var packets = 0
    public private(set) var duplicated = 0
    public private(set) var outOfOrder = 0
    public private(set) var firstArrivalNanos: Int64 = 0
    public private(set) var lastArrivalNanos: Int64 = 0
    public private(set) var maxGapNanos: Int64 = 0
    /// RFC 3550 interarrival jitter, in timestamp units (scaled by the clock rate at the time).
    public private(set) var jitterSeconds = 0.0
    public private(set) var maxJitterSeconds = 0.0

    private var baseSequence: Int64 = 0
    private var highestSequence: Int64 = -1   // extended
    /// Bit i set: sequence number highestSequence - i was received (i < 64).
    private var recentSeen: UInt64 = 0
    private var lastTransitSeconds = 0.0
    private var hasTransit = false

    public init(ssrc: UInt32) {
        self.ssrc = ssrc
    }

    /// Packets the sequence numbers say were sent but never arrived.
    public var lost: Int {
        guard highestSequence >= 0 else { return 0 }
        return max(0, Int(highestSequence - baseSequence + 1) - (packets - duplicated))
    }

    public var expected: Int { highestSequence < 0 ? 0 : Int(highestSequence - baseSequence + 1) }

    /// Counts one packet; the caller drops duplicates before decoding.
    public mutating func record(sequence: UInt16, timestamp: UInt32, arrivalNanos: Int64, clockRate: Int) -> Arrival {
        packets += 1
        if packets == 1 {
            baseSequence = Int64(sequence)
            highestSequence = Int64(sequence)
            recentSeen = 1
            firstArrivalNanos = arrivalNanos
            lastArrivalNanos = arrivalNanos
            updateJitter(timestamp: timestamp, arrivalNanos: arrivalNanos, clockRate: clockRate)
            return .inOrder
        }
        let gap = arrivalNanos - lastArrivalNanos
        if gap > maxGapNanos { maxGapNanos = gap }
        lastArrivalNanos = arrivalNanos

        // The extended sequence number closest to the highest one seen (handles wrap-around).
        let highLow = UInt16(truncatingIfNeeded: highestSequence)
        let delta = Int64(Int16(bitPattern: sequence &- highLow))
        let extended = highestSequence + delta
        if delta > 0 {
            recentSeen = delta >= 64 ? 1 : (recentSeen << UInt64(delta)) | 1
            highestSequence = extended
            updateJitter(timestamp: timestamp, arrivalNanos: arrivalNanos, clockRate: clockRate)
            return .inOrder
        }
        let back = -delta
        if back < 64, recentSeen & (1 << UInt64(back)) != 0 {
            duplicated += 1
            return .duplicate
        }
        if back < 64 { recentSeen |= 1 << UInt64(back) }
        if extended < baseSequence { baseSequence = extended }
        outOfOrder += 1
        updateJitter(timestamp: timestamp, arrivalNanos: arrivalNanos, clockRate: clockRate)
        return .reordered
    }

    private mutating func updateJitter(timestamp: UInt32, arrivalNanos: Int64, clockRate: Int) {
        guard clockRate > 0 else { return }
        // Transit in seconds, modulo the 32-bit timestamp: only differences matter.
        let transit = Double(arrivalNanos) / 1e9 - Double(timestamp) / Double(clockRate)
        if hasTransit {
            var d = abs(transit - lastTransitSeconds)
            // A timestamp wrap shows as a jump of 2^32 units; fold it back.
            let wrap = 4_294_967_296.0 / Double(clockRate)
            if d > wrap / 2 { d = abs(d - wrap) }
            jitterSeconds += (d - jitterSeconds) / 16
            if jitterSeconds > maxJitterSeconds { maxJitterSeconds = jitterSeconds }
        }
        lastTransitSeconds = transit
        hasTransit = true
    }
}
