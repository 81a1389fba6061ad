import Media
import Wire

/// Every packet the capture thread read and did not turn into audio, by cause, plus a few facts
/// that are not drops. The causes are the keys of the summary's `NotUsed`.
public struct EngineCounters: Sendable, Equatable {
    public var packets = 0
    public var wire: [WireDrop: Int] = [:]
    public var tcp = 0
    public var malformedSip = 0
    public var sipWithoutCall = 0
    public var rtcp = 0
    public var rtpWithoutCall = 0
    public var otherUdp = 0
    public var afterCallEnd = 0
    public var notAudio = 0
    public var notRecorded = 0
    public var oversizedRtp = 0
    public var ringOverflow = 0
    public var storageFailure = 0
    /// RTP of calls whose recording could not start: storage below `storage.minFreeMiB`.
    public var storageLow = 0
    /// Recordings that did not start because storage was low (once per call and refusal).
    public var recordingsRefusedForStorage = 0
    public var tooManyFlows = 0
    /// INVITEs refused by a full call table (`limits.maxCalls`).
    public var tooManyCalls = 0
    /// Packets whose timestamp went back in time; they were treated as the previous time.
    public var timeWentBackwards = 0
    public var recording = RecordingCounters()

    public init() {}

    /// Not-used packets by cause, leaving out causes that never happened.
    public var notUsed: [String: Int] {
        var d = recording.byCause
        // The capture thread counts every packet a ring could not take, once; the recordings'
        // own counts are per recording (a duplicate counts the same packet again).
        d["ringOverflow"] = nil
        func put(_ name: String, _ n: Int) { if n > 0 { d[name, default: 0] += n } }
        for (drop, n) in wire { put(drop.name, n) }
        put("tcp", tcp)
        put("malformedSip", malformedSip)
        put("sipWithoutCall", sipWithoutCall)
        put("rtcp", rtcp)
        put("rtpWithoutCall", rtpWithoutCall)
        put("otherUdp", otherUdp)
        put("afterCallEnd", afterCallEnd)
        put("notAudio", notAudio)
        put("notRecorded", notRecorded)
        put("oversizedRtp", oversizedRtp)
        put("ringOverflow", ringOverflow)
        put("storageFailure", storageFailure)
        put("storageLow", storageLow)
        put("tooManyFlows", tooManyFlows)
        put("tooManyCalls", tooManyCalls)
        return d
    }
}
