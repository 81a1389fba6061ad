/// What the receiver of one SSRC reported of it in RTCP (RFC 3550 §6.4.1): the phones' own view
/// of loss and jitter, which includes what happened on the network beyond the mirror port.
struct ReceiverReports {
    var count = 0
    /// The last report's fraction lost (1/256) and the largest of all.
    var fractionLost: UInt8 = 0
    var maxFractionLost: UInt8 = 0
    var cumulativeLost: Int32 = 0
    /// The last report's jitter and the largest, in the stream's timestamp units.
    var jitter: UInt32 = 0
    var maxJitter: UInt32 = 0
    /// The last round trip between the mirror port and the reporter: from the sender report it
    /// echoes, as captured here, to the report, less the reporter's delay. Nil until a report
    /// echoes a sender report seen here.
    var roundTripNanos: Int64?

    mutating func add(_ block: RTCPPacket.ReportBlock, roundTripNanos: Int64?) {
        count += 1
        fractionLost = block.fractionLost
        maxFractionLost = max(maxFractionLost, block.fractionLost)
        cumulativeLost = block.cumulativeLost
        jitter = block.jitter
        maxJitter = max(maxJitter, block.jitter)
        if let roundTripNanos { self.roundTripNanos = roundTripNanos }
    }
}
