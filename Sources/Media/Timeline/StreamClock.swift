/// Places the packets of one stream on the recording's timeline: the first by its capture time,
/// the rest by RTP timestamp, re-anchored to capture time when the two drift apart by more than
/// the tolerance (clock drift, a sender that paused without advancing its timestamps, a jump).
///
/// A packet captured earlier than its timestamp places it shows that the anchor came late (the
/// stream's first packets were held up on the way, then came in a burst). While the audio placed
/// since the anchor is still held, the caller says how far it can move earlier (`movableBy`), and
/// the clock moves the anchor that far instead of leaving the stream behind or re-anchoring.
public struct StreamClock: Sendable {
    public private(set) var reanchors = 0

    private var anchored = false
    private var anchorTimestamp: UInt32 = 0
    private var anchorPosition: Int64 = 0
    private var clockRate = 8000
    public let sampleRate: Int
    private let tolerance: Int64
    private let sustain: Int64
    private let limit: Int64
    /// How far a stream's placement may differ from its capture time before it is re-anchored.
    /// The first packet anchors the stream, so one that came late leaves the stream up to that
    /// much behind its capture time when its audio can no longer move (a later packet further
    /// ahead would re-anchor it): silence that a stop ends reaches past it by this and more
    /// (`RecordingFrames.stopLagSeconds`).
    public static let toleranceSeconds = 0.060
    /// A packet this much earlier than its place, or more, moves the stream's anchor (when its
    /// audio can move): less is left alone, so that jitter does not move held audio again and again.
    public static let moveSeconds = 0.002
    private let moveThreshold: Int64

    /// First capture position at which the stream ran late beyond the tolerance, and the least lateness since.
    private var lateSince: Int64 = -1
    private var leastLateness: Int64 = 0

    /// - Parameters:
    ///   - toleranceSeconds: drift allowed before re-anchoring.
    ///   - sustainSeconds: how long a stream must stay late before it counts as drift, not jitter.
    ///   - limitSeconds: lateness beyond which the stream is re-anchored at once (it could not be placed anyway).
    public init(sampleRate: Int, toleranceSeconds: Double = Self.toleranceSeconds, sustainSeconds: Double = 0.5, limitSeconds: Double = 2) {
        self.sampleRate = sampleRate
        tolerance = Int64(toleranceSeconds * Double(sampleRate))
        sustain = Int64(sustainSeconds * Double(sampleRate))
        limit = Int64(limitSeconds * Double(sampleRate))
        moveThreshold = max(1, Int64(Self.moveSeconds * Double(sampleRate)))
    }

    /// Whether a packet has placed the stream since it started or was reset.
    public var isAnchored: Bool { anchored }
    /// Whether the stream is still on the anchor its first packet gave it (never re-anchored
    /// since it started or was reset): only then may its audio move earlier as one piece.
    public private(set) var onFirstAnchor = false

    /// Forget the anchor: the next packet starts the stream afresh at its capture position (new SSRC).
    public mutating func reset() {
        anchored = false
        lateSince = -1
    }

    /// The timeline position (in samples at the recording's rate) of a packet with this RTP
    /// timestamp that was captured at `capturePosition`.
    public mutating func position(timestamp: UInt32, clockRate rate: Int, capturePosition: Int64) -> Int64 {
        var moved: Int64 = 0
        return position(timestamp: timestamp, clockRate: rate, capturePosition: capturePosition, movableBy: 0, moved: &moved)
    }

    /// The same, for a stream whose audio placed since the anchor can still move up to
    /// `movableBy` samples earlier: when the packet was captured earlier than its timestamp
    /// places it, the anchor moves earlier by as much (at most `movableBy`) and `moved` says how
    /// far, for the caller to move that audio by.
    @inline(__always)
    public mutating func position(timestamp: UInt32, clockRate rate: Int, capturePosition: Int64,
                                  movableBy room: Int64, moved: inout Int64) -> Int64 {
        moved = 0
        if !anchored || rate != clockRate {
            clockRate = rate
            return anchor(timestamp: timestamp, at: capturePosition, counts: false)
        }
        let units = Int64(Int32(bitPattern: timestamp &- anchorTimestamp))
        var byTimestamp = anchorPosition + units * Int64(sampleRate) / Int64(clockRate)
        var lateness = capturePosition - byTimestamp
        if lateness <= -moveThreshold && room > 0 && onFirstAnchor {
            // The anchor came late: the stream belongs earlier, by as much as its audio can move.
            moved = min(-lateness, room)
            byTimestamp -= moved
            lateness += moved
        }
        if lateness < -tolerance || lateness > limit {
            return anchor(timestamp: timestamp, at: capturePosition, counts: true)
        }
        if lateness > tolerance {
            if lateSince < 0 {
                lateSince = capturePosition
                leastLateness = lateness
            } else {
                leastLateness = min(leastLateness, lateness)
                if capturePosition - lateSince >= sustain {
                    // Late for long enough, never back within tolerance: the sender's clock moved.
                    return anchor(timestamp: timestamp, at: byTimestamp + leastLateness, counts: true)
                }
            }
        } else {
            lateSince = -1
        }
        // Keep the anchor near so that timestamp differences stay small whatever the call's length.
        anchorTimestamp = timestamp
        anchorPosition = byTimestamp
        return byTimestamp
    }

    /// Where a timestamp falls by the current anchor, without moving it: for RFC 4733 events,
    /// whose packets all carry the event's start time while capture time runs on.
    public func peekPosition(timestamp: UInt32, clockRate rate: Int, capturePosition: Int64) -> Int64 {
        guard anchored, rate == clockRate else { return capturePosition }
        let units = Int64(Int32(bitPattern: timestamp &- anchorTimestamp))
        return anchorPosition + units * Int64(sampleRate) / Int64(clockRate)
    }

    private mutating func anchor(timestamp: UInt32, at position: Int64, counts: Bool) -> Int64 {
        if counts { reanchors += 1 }
        onFirstAnchor = !anchored
        anchored = true
        anchorTimestamp = timestamp
        anchorPosition = position
        lateSince = -1
        return position
    }
}
