import Foundation

/// Face-to-face recordings as the tracker last published them, by id and per agent the latest.
/// Written on the capture thread, read by HTTP handlers without waiting for it.
public final class FaceToFaceSnapshots: @unchecked Sendable {
    private let lock = NSLock()
    private var views: [String: FaceToFaceView] = [:]
    private var latest: [Int: String] = [:]

    public init() {}

    func publish(_ view: FaceToFaceView) {
        lock.withLock {
            views[view.id] = view
            // An older recording closing (or tagged in its wrap-up) after a newer one started does
            // not take the newer one's place: an open one outranks one in wrap-up, then the later
            // start wins (ISO 8601 times in one form sort as text).
            if let held = latest[view.agentId].flatMap({ views[$0] }), held.id != view.id,
               (held.status.isOpen && !view.status.isOpen) || held.startTime > view.startTime { return }
            latest[view.agentId] = view.id
        }
    }

    /// Forgets a recording that is no longer kept (old closed ones).
    func remove(_ id: String) {
        lock.withLock {
            if let view = views.removeValue(forKey: id), latest[view.agentId] == id { latest[view.agentId] = nil }
        }
    }

    public func recording(id: String) -> FaceToFaceView? {
        lock.withLock { views[id] }
    }

    /// The agent's current recording: its latest one unless that one is closed.
    public func current(agentId: Int) -> FaceToFaceView? {
        lock.withLock { latest[agentId].flatMap { views[$0] }.flatMap { $0.status == .closed ? nil : $0 } }
    }

    /// Whether any face-to-face recording is active or paused.
    public var anyRecording: Bool {
        lock.withLock { views.values.contains { $0.status.isOpen } }
    }
}
