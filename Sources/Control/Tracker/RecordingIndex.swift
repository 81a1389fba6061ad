/// The tracker's index of recordings: the entries of the recordings open in this process
/// (completed and stored when they finish), where the sidecars of the calls still tracked are,
/// and the late blackout intervals an open recording takes when it finishes. Finished entries
/// live in the store (`TrackerStore`), which answers for everything older.
struct RecordingIndex {
    private let store: TrackerStore?
    private var open: [String: RecordingIndexEntry] = [:]
    /// Sidecar paths of the recordings of calls still tracked, by recording identifier.
    private var sidecarPaths: [String: String] = [:]
    /// Blackout intervals that arrived after their audio was written, by open recording.
    private var pendingLate: [String: [LateBlackoutWriter.Interval]] = [:]

    init(store: TrackerStore?) {
        self.store = store
    }

    /// A recording opened: indexed and stored as `Recording`.
    mutating func opened(_ entry: RecordingIndexEntry) {
        open[entry.recordingIdentifier] = entry
        sidecarPaths[entry.recordingIdentifier] = entry.sidecarPath
        store?.saveRecording(entry)
    }

    /// A recording finished: its open entry (or `orElse` for one this process did not open),
    /// completed by `complete`; returns it with the late intervals it collected. `store` it next.
    mutating func finished(_ recordingIdentifier: String, orElse fallback: @autoclosure () -> RecordingIndexEntry,
                           complete: (inout RecordingIndexEntry) -> Void) -> (RecordingIndexEntry, [LateBlackoutWriter.Interval]) {
        var entry = open.removeValue(forKey: recordingIdentifier) ?? fallback()
        complete(&entry)
        return (entry, pendingLate.removeValue(forKey: recordingIdentifier) ?? [])
    }

    /// Stores a finished recording's final row and, in the same transaction, its first
    /// announcement to each of `destinations`: a crash cannot keep one without the other.
    func store(finished entry: RecordingIndexEntry, announcingTo destinations: [String]) {
        store?.saveRecording(entry, announcingTo: destinations)
    }

    /// The call is forgotten: its recordings' sidecars are found through the store from now on.
    mutating func forget(_ recordingIdentifiers: [String]) {
        for id in recordingIdentifiers { sidecarPaths[id] = nil }
    }

    /// Where the recording's sidecar is (nil: unknown here and in the store).
    func sidecarPath(of recordingIdentifier: String) -> String? {
        sidecarPaths[recordingIdentifier] ?? (try? store?.recording(id: recordingIdentifier))?.sidecarPath
    }

    /// The open recordings.
    var openEntries: Dictionary<String, RecordingIndexEntry>.Values { open.values }
    var openIdentifiers: Set<String> { Set(open.keys) }

    /// Holds a late blackout interval for an open recording, to be written when it finishes.
    mutating func holdLate(_ interval: LateBlackoutWriter.Interval, for recordingIdentifier: String) {
        pendingLate[recordingIdentifier, default: []].append(interval)
    }
}
