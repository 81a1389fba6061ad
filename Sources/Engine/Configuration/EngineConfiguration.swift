import Foundation
import Media
import SIP

/// What the engine needs to know from the configuration file: where and how to write, which
/// ports carry SIP, when calls are dead, and how many media workers to run.
public struct EngineConfiguration: Sendable {
    public var storageRoot = "./recordings"
    public var format = AudioFileFormat.wav
    public var channels = ChannelLayout.stereo
    public var side = SideSelection.both
    /// How long decoded audio is held before it is written.
    public var commitDelaySeconds = 2.0
    /// Below this many bytes free under the storage root no new recording starts
    /// (`storage.minFreeMiB`).
    public var minFreeBytes: Int64 = 256 << 20
    /// Space kept allocated for sidecars and the index when the disk fills (`storage.reserveMiB`).
    public var reserveBytes: Int64 = 16 << 20
    /// UDP ports whose datagrams are SIP; SIP on other ports is found by its first line.
    public var sipPorts: Set<UInt16> = [5060]
    public var vxlanPorts: Set<UInt16> = [4789]
    public var idleTimeoutSeconds = 30.0
    public var holdTimeoutSeconds = 7200.0
    /// Calls tracked at once (`limits.maxCalls`), ended ones still lingering included: see
    /// `CallTable` for what a full table gives up and what it refuses.
    public var maxCalls = 100_000
    /// Record calls that involve no configured agent.
    public var recordWithoutAgent = true
    /// Make calls of RTP that no SDP claims once it proves to be an audio stream
    /// (`calls.rtpWithoutSignalling`): the capture began after those calls were set up.
    public var rtpWithoutSignalling = true
    /// Look for DTMF tones in G.711 and G.722 audio (`media.inbandDtmf`). Off by default: the
    /// receiver costs about twice what the rest of a packet's path does.
    public var inbandDTMF = false
    /// Names this server in recording identifiers and sidecars.
    public var serverId = "calltap"
    /// Time zone of the legacy metadata times (`starttime`, `endtime`).
    public var timeZone = "UTC"
    public var dialPlan = DialPlan()
    public var mediaWorkers = EngineConfiguration.defaultWorkers
    /// Bytes of each capture-to-worker ring (`media.ringMiB`): live, what rides out a worker's
    /// pauses (64 MiB hold about 1.3 s of 200,000 G.711 packets per second).
    public var ringBytes = 64 << 20
    /// Keep every finished recording's files for the run's summary (a replay lists them; a
    /// server that runs for months must not keep one entry per call).
    public var listsFiles = true
    /// Live capture drops (and counts) what a full ring cannot take; a replay waits instead.
    public var dropWhenBehind = false
    /// Journal each recording's held audio and checkpoint its sidecar beside it, so that a crash
    /// costs at most about 100 ms of audio (`storage.journalHeldAudio`, on by default; only
    /// `serve` journals: a replay is run again instead).
    public var journalsHeldAudio = true

    public init() {}

    /// The ring each worker gets: a replay waits when a ring is full instead of dropping, so a
    /// small one does and keeps its memory down.
    public var effectiveRingBytes: Int {
        dropWhenBehind ? ringBytes : min(ringBytes, Self.replayRingBytes)
    }

    static let replayRingBytes = 8 << 20

    /// Ended recordings that may wait for the finisher before a worker waits for it. Live, a
    /// burst of call ends must not back up into the rings; a replay loses nothing by waiting, and
    /// each waiting recording holds a few KiB (its metadata, statistics and open files).
    public var finisherBacklog: Int {
        dropWhenBehind ? 1024 : 256
    }

    /// One worker per core beside the capture thread, at least one, at most four.
    public static var defaultWorkers: Int {
        max(1, min(4, ProcessInfo.processInfo.activeProcessorCount - 1))
    }

    /// Seconds east of UTC of the configured zone at `nanos`.
    public func timeZoneOffset(at nanos: Int64) -> Int {
        guard let zone = TimeZone(identifier: timeZone) else { return 0 }
        return zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(nanos) / 1e9))
    }
}
