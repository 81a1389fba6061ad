/// Places the packets of one stream on the recording's timeline: the first by its capture time,
/// the rest by RTP timestamp, re-anchored to capture time when the two drift apart by more than
/// the tolerance (clock drift, a sender that paused without advancing its timestamps, a jump).
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
    /// much behind its capture time (a later packet further ahead would re-anchor it): silence
    /// that a stop ends reaches past it by this and more (`RecordingFrames.stopLagSeconds`).
    public static let toleranceSeconds = 0.060

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
    }

    /// Forget the anchor: the next packet starts the stream afresh at its capture position (new SSRC).
    public mutating func reset() {
        anchored = false
        lateSince = -1
    }

    /// The timeline position (in samples at the recording's rate) of a packet with this RTP
    /// timestamp that was captured at `capturePosition`.
    public mutating func position(timestamp: UInt32, clockRate rate: Int, capturePosition: Int64) -> Int64 {
        if !anchored || rate != clockRate {
            clockRate = rate
            return anchor(timestamp: timestamp, at: capturePosition, counts: false)
        }
        let units = Int64(Int32(bitPattern: timestamp &- anchorTimestamp))
        let byTimestamp = anchorPosition + units * Int64(sampleRate) / Int64(clockRate)
        let lateness = capturePosition - byTimestamp
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
        anchored = true
        anchorTimestamp = timestamp
        anchorPosition = position
        lateSince = -1
        return position
    }
}
