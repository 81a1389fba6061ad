import Foundation
import Logging
import Media

/// Merges metadata keys into sidecars already written (an `UpdateForAgent` after a recording
/// finished) and sets face-to-face tags, on a queue of its own: file work never runs on the capture thread. A sidecar whose
/// recording is still finishing on its worker is waited for briefly. Each rewrite is announced
/// as the recording's next revision.
final class SidecarRewriter: @unchecked Sendable {
    /// Every rewrite of a finished sidecar runs here (late blackouts too), one at a time; the
    /// couriers read sidecars here too, after the rewrites queued before (a finishing
    /// recording's late blackouts are queued before its announcement).
    let queue = DispatchQueue(label: "calltap.sidecar-rewriter")
    private let logger = Logger(label: "calltap.control")
    private let pending = DispatchGroup()
    private let announcer: RewriteAnnouncer
    /// Each rewrite is sealed again at the end of the chain (nil: written plain).
    private let sealer: RecordingSealer?

    init(announcer: RewriteAnnouncer, sealer: RecordingSealer? = nil) {
        self.announcer = announcer
        self.sealer = sealer
    }

    /// The sidecar's bytes once the rewrites queued before the call are done.
    func read(_ path: String) throws -> Data {
        try queue.sync { try Data(contentsOf: URL(fileURLWithPath: path)) }
    }

    func merge(_ changes: [String: String], into paths: [String]) {
        for path in paths {
            pending.enter()
            queue.async { [self] in rewrite(path, attempt: 0) { $0.metadata.merge(changes) { _, new in new } } }
        }
    }

    /// Sets a face-to-face recording's tags (and who set each) in its sidecar.
    func setTags(_ tags: [String: String], taggedBy: [String: String], in path: String) {
        pending.enter()
        queue.async { [self] in
            rewrite(path, attempt: 0) {
                $0.tags = tags
                $0.taggedBy = taggedBy
            }
        }
    }

    /// Waits until every queued rewrite is done, retries included.
    func flush() {
        pending.wait()
    }

    private func rewrite(_ path: String, attempt: Int, _ change: @escaping @Sendable (inout Sidecar) -> Void) {
        guard let data = FileManager.default.contents(atPath: path) else {
            if attempt < 50 {
                queue.asyncAfter(deadline: .now() + 0.1) { [self] in rewrite(path, attempt: attempt + 1, change) }
            } else {
                logger.error("sidecar not found for an update", metadata: ["path": "\(path)"])
                pending.leave()
            }
            return
        }
        defer { pending.leave() }
        do {
            var sidecar = try JSONDecoder().decode(Sidecar.self, from: data)
            change(&sidecar)
            try sidecar.write(to: path, sealedBy: sealer)
            announcer.rewritten(sidecar.recordingIdentifier)
        } catch {
            logger.error("cannot update sidecar", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }
}
