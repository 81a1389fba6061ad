import Foundation
import Logging
import Media

/// Applies blackouts that reached this server after their audio was written (docs/API.md:
/// "No blackout is ever lost"): the finished file's samples in the interval become silence on
/// every channel, its digest is computed again, and its sidecar lists the interval with
/// `"Late": true` and masks the digits inside it. File work runs on a queue of its own, never
/// on the capture thread.
final class LateBlackoutWriter: @unchecked Sendable {
    // @unchecked: `store` is only used on `queue`; the rest is immutable.

    /// One blackout interval, capture time in nanoseconds since 1970.
    struct Interval: Sendable, Equatable {
        var startNanos: Int64
        var stopNanos: Int64
        var origin: String
        var ended: String?
    }

    /// The sidecar rewriter's queue: one writer at a time per sidecar.
    private let queue: DispatchQueue
    private let pending = DispatchGroup()
    private let store: TrackerStore?
    private let announcer: RewriteAnnouncer
    /// The rewritten sidecar is sealed again at the end of the chain (nil: written plain).
    private let sealer: RecordingSealer?
    /// Decrypts and encrypts again the audio it rewrites, when encrypted at rest.
    private let encryptor: RecordingEncryptor?
    private let logger: Logger
    /// Recordings starting this long before an interval are still looked at: a call of the agent
    /// may have run that long.
    static let lookBackNanos: Int64 = 24 * 3600 * 1_000_000_000

    init(store: TrackerStore?, announcer: RewriteAnnouncer, sealer: RecordingSealer? = nil, encryptor: RecordingEncryptor? = nil,
         logger: Logger, queue: DispatchQueue) {
        self.store = store
        self.announcer = announcer
        self.sealer = sealer
        self.encryptor = encryptor
        self.logger = logger
        self.queue = queue
    }

    /// Applies `interval` to one recording finishing now, before its first announcement reads
    /// the sidecar (no revision of its own).
    func apply(_ interval: Interval, toFinishing entry: RecordingIndexEntry) {
        pending.enter()
        queue.async { [self] in
            defer { pending.leave() }
            rewrite(entry, interval, announce: false)
        }
    }

    /// Applies `interval` to every finished recording of the agent in the index that overlaps it,
    /// except `open` ones (the tracker applies those when they finish).
    func apply(_ interval: Interval, toRecordingsOf agentId: Int, except open: Set<String>) {
        guard let store else { return }
        pending.enter()
        queue.async { [self] in
            defer { pending.leave() }
            // Rows of recordings that finished a moment ago may still be queued for the database.
            store.flush()
            var query = RecordingQuery(agentId: agentId, fromNanos: interval.startNanos - Self.lookBackNanos,
                                       toNanos: interval.stopNanos, limit: 200)
            do {
                repeat {
                    let page = try store.recordings(query)
                    for entry in page.items where !open.contains(entry.recordingIdentifier) && entry.state == "Stopped"
                        && (entry.endNanos ?? .max) > interval.startNanos {
                        rewrite(entry, interval, announce: true)
                    }
                    query.cursor = page.nextCursor
                } while query.cursor != nil
            } catch {
                logger.error("cannot look up recordings for a late blackout",
                             metadata: ["agent": "\(agentId)", "error": "\(error)"])
            }
        }
    }

    /// Waits until every queued rewrite is done.
    func flush() {
        pending.wait()
    }

    /// `announce`: the rewrite is announced as the recording's next revision.
    private func rewrite(_ entry: RecordingIndexEntry, _ interval: Interval, announce: Bool) {
        let meta: Logger.Metadata = ["recording": "\(entry.recordingIdentifier)", "origin": "\(interval.origin)"]
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: entry.sidecarPath))
            var sidecar = try JSONDecoder().decode(Sidecar.self, from: data)
            let rate = Double(entry.sampleRate)
            let length = Int64((sidecar.audio.durationSeconds * rate).rounded())
            // Counted as the live gate counts, so that the same interval lands on the same frames.
            let silenced = RecordingFrames.silenced(fromNanos: interval.startNanos, toNanos: interval.stopNanos,
                                                    startNanos: entry.startNanos, sampleRate: entry.sampleRate)
            let frames = min(silenced.lowerBound, length)..<min(silenced.upperBound, length)
            guard !frames.isEmpty else { return }
            let start = Double(frames.lowerBound) / rate, end = Double(frames.upperBound) / rate
            if sidecar.blackouts.contains(where: { $0.start <= start && $0.end >= end }) { return }
            // Plain files in place; encrypted ones decrypted beside themselves and encrypted again.
            var plainDigests: [String: String] = [:]
            for path in entry.audioPaths {
                let name = (path as NSString).lastPathComponent
                let digests = try RecordingEncryptor.rewrite(path, with: encryptor) { plain in
                    try AudioFileSilencer.silence(path: plain, frames: frames)
                }
                plainDigests[name] = digests.plain
                if let stored = digests.stored, var encryption = sidecar.encryption,
                   let i = encryption.files.firstIndex(where: { $0.file == name }) {
                    encryption.files[i].sha256 = stored.sha256
                    encryption.keyId = stored.keyId
                    sidecar.encryption = encryption
                }
            }
            if var files = sidecar.audio.files {
                for i in files.indices { files[i].sha256 = plainDigests[files[i].file] ?? files[i].sha256 }
                sidecar.audio.files = files
            }
            if entry.audioPaths.count == 1, let digest = plainDigests.values.first { sidecar.sha256 = digest }
            sidecar.blackouts.append(Sidecar.Interval(start: start, end: end, origin: interval.origin,
                                                      ended: interval.ended, late: true))
            sidecar.blackouts.sort { $0.start < $1.start }
            for i in sidecar.dtmf.indices where sidecar.dtmf[i].overlaps(from: start, to: end) {
                sidecar.dtmf[i] = sidecar.dtmf[i].masking
            }
            try sidecar.write(to: entry.sidecarPath, sealedBy: sealer)
            if announce { announcer.rewritten(entry.recordingIdentifier) }
            logger.notice("late blackout written into a finished recording",
                          metadata: meta.merging(["start": "\(start)", "end": "\(end)"]) { a, _ in a })
        } catch {
            logger.error("cannot apply a late blackout", metadata: meta.merging(["error": "\(error)"]) { a, _ in a })
        }
    }
}
