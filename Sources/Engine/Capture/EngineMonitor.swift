import Atomics
import Foundation

/// What other threads may know of the engine without waiting on the capture thread: the
/// statistics it publishes each second of capture time, its heartbeat, and the fill of the
/// rings to the media workers. `/metrics` and `/readyz` read it; a stalled capture thread stays
/// visible (its heartbeat ages, its rings stay full).
public final class EngineMonitor: @unchecked Sendable {
    private let lock = NSLock()
    private var published = EngineStatistics(packets: 0, notUsed: [:], callsSeen: 0, callsActive: 0, callsEvicted: 0,
                                             recordingsOpen: 0)
    private var sourcePublished: CaptureStatistics?
    private var peakUnits: [Int]
    private let rings: [SPSCRing]
    private let finisher: RecordingFinisher
    /// CLOCK_MONOTONIC nanoseconds of the capture loop's last progress; 0 before it runs.
    private let heartbeat = ManagedAtomic<Int64>(0)

    init(rings: [SPSCRing], finisher: RecordingFinisher) {
        self.rings = rings
        self.finisher = finisher
        peakUnits = Array(repeating: 0, count: rings.count)
    }

    /// The capture loop made progress (a packet's tick, an idle read). Liveness only: the engine's
    /// clock stays capture time.
    func beat() {
        heartbeat.store(Self.monotonicNanos(), ordering: .relaxed)
    }

    /// Capture thread: the statistics as they are now.
    func publish(_ statistics: EngineStatistics, source: CaptureStatistics?) {
        lock.withLock {
            published = statistics
            if let source { sourcePublished = source }
        }
    }

    /// Capture thread: samples the rings' fill for the peaks.
    func sampleRings() {
        lock.withLock {
            for (i, ring) in rings.enumerated() { peakUnits[i] = max(peakUnits[i], ring.usedUnits) }
        }
    }

    /// The statistics last published (at most a second of capture time old).
    public var statistics: EngineStatistics { lock.withLock { published } }

    /// The packet source's own counters last published (libpcap's), if it has any.
    public var sourceStatistics: CaptureStatistics? { lock.withLock { sourcePublished } }

    /// Per worker, the share of its ring in use now and the largest share seen at a tick.
    public var ringFill: [(now: Double, peak: Double)] {
        let peaks = lock.withLock { peakUnits }
        return rings.enumerated().map { i, ring in
            let capacity = Double(ring.capacityUnits)
            let now = min(max(ring.usedUnits, 0), ring.capacityUnits)
            return (Double(now) / capacity, Double(max(peaks[i], now)) / capacity)
        }
    }

    /// Recordings ended and waiting for their files to be closed and their sidecars written.
    public var finisherBacklog: Int { finisher.backlog }
    /// Recordings whose audio the finisher could not encrypt (left plain, and their sidecars say so).
    public var encryptionFailures: Int { finisher.encryptionFailures.load(ordering: .relaxed) }

    /// Sidecars a full disk held back, waiting for room.
    public var sidecarsWaitingForSpace: Int { finisher.unwrittenSidecarCount }

    /// Seconds since the capture loop last made progress; nil before it started.
    public var heartbeatAgeSeconds: Double? {
        let last = heartbeat.load(ordering: .relaxed)
        guard last > 0 else { return nil }
        return Double(max(0, Self.monotonicNanos() - last)) / 1e9
    }

    /// CLOCK_MONOTONIC in nanoseconds: the engine's one clock for wall-time intervals (the
    /// heartbeat, a worker's catch-up journal, the finisher's trims).
    static func monotonicNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}

/// A packet source's own counters (libpcap's): received by the filter, dropped by the kernel for
/// lack of buffer, dropped by the interface.
public struct CaptureStatistics: Sendable, Equatable {
    public var received: Int
    public var dropped: Int
    public var interfaceDropped: Int

    public init(received: Int, dropped: Int, interfaceDropped: Int) {
        self.received = received
        self.dropped = dropped
        self.interfaceDropped = interfaceDropped
    }
}
