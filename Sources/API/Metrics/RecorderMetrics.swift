import Control
import Prometheus

/// What `/metrics` exposes, in Prometheus text: the recorder's counters (copied from the
/// service's snapshot at each scrape) and the API's request latency (recorded as requests finish).
public actor RecorderMetrics {
    /// The registry the exposition is rendered from. Pass a shared one to expose other metrics too.
    public nonisolated let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        // Shown from 0, so that an alert on it has a series to watch.
        _ = Self.decryptionFailures(registry)
    }

    /// An encrypted recording's audio that could not be decrypted for a download.
    nonisolated func recordDecryptionFailure() {
        Self.decryptionFailures(registry).increment()
    }

    private static func decryptionFailures(_ registry: PrometheusCollectorRegistry) -> Counter {
        registry.makeCounter(descriptor: descriptor("audio_decryption_failures", unit: "total",
                                                    help: "Downloads refused because the audio could not be decrypted (key missing, file changed)."))
    }

    /// Seconds; API requests are expected in milliseconds, file downloads may take seconds.
    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    /// Records one API request. `route` is the endpoint's template, never the raw path, so that the
    /// number of series stays bounded whatever clients send.
    nonisolated func recordRequest(method: String, route: String, status: Int, duration: Duration) {
        let histogram = registry.makeDurationHistogram(
            descriptor: Self.descriptor("api_request_duration", unit: "seconds",
                                        help: "Time to answer an API request, by method, route and status."),
            labels: [("method", method), ("route", route), ("status", String(status))],
            buckets: Self.latencyBuckets)
        histogram.record(duration)
    }

    /// The exposition after copying `snapshot` in. Scrapes go through this actor one at a time, so
    /// a counter is never seen half-updated.
    func exposition(of snapshot: MetricsSnapshot) -> String {
        counter("packets", "Frames read from the capture.").set(snapshot.packets)
        // Packets the recorder itself dropped are shown from the start, at 0, so that an alert on
        // them has a series to watch before the first loss.
        for (cause, count) in snapshot.notUsed.merging(["ringOverflow": 0], uniquingKeysWith: { seen, _ in seen }) {
            counter("packets_not_used", "Frames that did not become audio, by cause.", labels: [("cause", cause)]).set(count)
        }
        counter("pcap_received", "Packets libpcap's filter received.").set(snapshot.pcapReceived)
        counter("pcap_dropped", "Packets the kernel dropped (capture buffer full).").set(snapshot.pcapDropped)
        counter("pcap_interface_dropped", "Packets the interface dropped.").set(snapshot.pcapInterfaceDropped)
        counter("calls", "Calls seen (Call-IDs with an INVITE).").set(snapshot.callsSeen)
        gauge("calls_active", "Calls in progress.").set(Int64(snapshot.callsActive))
        counter("calls_evicted", "Unanswered calls without media given up for newer ones in a full call table (limits.maxCalls).")
            .set(snapshot.callsEvicted)
        gauge("recordings_open", "Recordings being written.").set(Int64(snapshot.recordingsOpen))
        counter("recordings_finished", "Recordings closed and their sidecars written.").set(snapshot.recordingsFinished)
        counter("audio_written", "Audio bytes written.", unit: "bytes_total").set(snapshot.bytesWritten)
        for (worker, fill) in snapshot.ringFill.enumerated() {
            ratio("ring_fill", "Share of a media worker's ring from the capture thread in use.", labels: [("worker", String(worker))])
                .set(fill)
        }
        for (worker, fill) in snapshot.ringPeakFill.enumerated() {
            ratio("ring_fill_peak", "Largest share of a media worker's ring in use since the start.",
                  labels: [("worker", String(worker))]).set(fill)
        }
        gauge("finisher_backlog", "Ended recordings waiting for their files to be closed and sidecars written.")
            .set(Int64(snapshot.finisherBacklog))
        registry.makeGauge(descriptor: Self.descriptor("held_audio", unit: "bytes",
                                                       help: "Audio held for the commit delay by open recordings."))
            .set(Int64(snapshot.heldAudioBytes))
        registry.makeGauge(descriptor: Self.descriptor("held_audio_mapped", unit: "bytes",
                                                       help: "Memory mapped for held audio, in use or kept for new recordings."))
            .set(Int64(snapshot.heldAudioMappedBytes))
        counter("audio_encryption_failures", "Recordings whose audio could not be encrypted at rest and was left plain (storage.encryption).")
            .set(snapshot.audioEncryptionFailures)
        if let free = snapshot.storageFreeBytes {
            registry.makeGauge(descriptor: Self.descriptor("storage_free", unit: "bytes",
                                                           help: "Bytes free under the storage root (measured each second)."))
                .set(free)
        }
        gauge("storage_full", "1 while a write found the disk full and space has not come back above storage.minFreeMiB.")
            .set(Int64(snapshot.storageFull ? 1 : 0))
        counter("recordings_not_started", "Recordings that did not start, by cause.", labels: [("cause", "storage_low")])
            .set(snapshot.recordingsRefusedForStorage)
        counter("storage_reserve_released", "Times the storage reserve was given up for sidecars or the index on a full disk.")
            .set(snapshot.storageReserveReleases)
        gauge("waiting_for_space", "Sidecars and index writes a full disk holds back.", labels: [("what", "sidecar")])
            .set(Int64(snapshot.sidecarsWaitingForSpace))
        gauge("waiting_for_space", "Sidecars and index writes a full disk holds back.", labels: [("what", "index_write")])
            .set(Int64(snapshot.indexWritesWaitingForSpace))
        if let broker = snapshot.broker {
            gauge("broker_connected", "1 while the cluster's broker is connected, else 0 (absent without a broker).")
                .set(Int64(broker.connected ? 1 : 0))
            gauge("broker_messages_waiting", "Cluster messages queued or not yet confirmed by the broker.")
                .set(Int64(broker.counters.broker.waiting))
            counter("broker_messages_dropped", "Cluster messages dropped because too many waited (the oldest go).")
                .set(broker.counters.broker.dropped)
            counter("broker_connection_failures", "Broker connection attempts that failed, and connections lost.")
                .set(broker.counters.broker.failures)
            counter("cluster_messages_rejected", "Messages from other servers that could not be read, skipped.")
                .set(broker.counters.rejected)
        }
        if let sweep = snapshot.sweep {
            for (action, count) in [("delete", sweep.deleted), ("move", sweep.moved)] {
                counter("recordings_swept", "Recordings whose retention ran out, deleted or moved to the archive root.",
                        labels: [("action", action)]).set(count)
            }
            counter("retention_failures", "Expired recordings the sweeper could not remove (kept for the next sweep; the log says why).")
                .set(sweep.failed)
            counter("retention_freed", "Bytes the sweeper deleted.", unit: "bytes_total").set(Int(sweep.bytesFreed))
            if let last = sweep.lastSweepNanos {
                registry.makeGauge(descriptor: Self.descriptor("retention_last_sweep", unit: "timestamp_seconds",
                                                               help: "When the last retention sweep ended (Unix time)."))
                    .set(Double(last) / 1e9)
            }
        }
        for destination in snapshot.announcements {
            let label = [("destination", destination.destination)]
            gauge("announcements_pending", "Announcements of finished recordings the destination has not acknowledged.", labels: label)
                .set(Int64(destination.pending))
            registry.makeGauge(descriptor: Self.descriptor("announcements_oldest_pending_age", unit: "seconds",
                                                           help: "Age of the oldest announcement the destination has not acknowledged (0: none)."),
                               labels: label)
                .set(destination.oldestPendingSeconds)
            counter("announcements_delivered", "Announcements the destination acknowledged.", labels: label).set(destination.delivered)
            counter("announcement_failures", "Attempts to announce that failed (each is retried).", labels: label).set(destination.failures)
        }
        // Absent until the capture loop has started; a stalled loop shows here as a growing age.
        if let age = snapshot.heartbeatAgeSeconds {
            registry.makeGauge(descriptor: Self.descriptor("capture_heartbeat_age", unit: "seconds",
                                                           help: "Seconds since the capture thread last made progress."))
                .set(age)
        }
        return registry.emitToString()
    }

    private func ratio(_ name: String, _ help: String, labels: [(String, String)]) -> Gauge {
        registry.makeGauge(descriptor: Self.descriptor(name, unit: "ratio", help: help), labels: labels)
    }

    private func counter(_ name: String, _ help: String, unit: String = "total", labels: [(String, String)] = []) -> Counter {
        registry.makeCounter(descriptor: Self.descriptor(name, unit: unit, help: help),
                             labels: labels)
    }

    private func gauge(_ name: String, _ help: String, labels: [(String, String)] = []) -> Gauge {
        registry.makeGauge(descriptor: Self.descriptor(name, unit: "", help: help), labels: labels)
    }

    static func descriptor(_ name: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "calltap", metricName: name, unitName: unit, helpText: help)
    }
}

extension Counter {
    /// Counters are kept by the engine; the exposition copies their current value.
    fileprivate func set(_ value: Int) {
        reset()
        increment(by: Int64(max(0, value)))
    }
}
