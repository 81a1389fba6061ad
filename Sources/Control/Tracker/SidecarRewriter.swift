import Foundation
import Logging
import Media

/// Merges metadata keys into sidecars already written (an `UpdateForAgent` after a recording
/// finished), on a queue of its own: file work never runs on the capture thread. A sidecar whose
/// recording is still finishing on its worker is waited for briefly.
final class SidecarRewriter: @unchecked Sendable {
    private let queue = DispatchQueue(label: "calltap.sidecar-rewriter")
    private let logger = Logger(label: "calltap.control")
    private let pending = DispatchGroup()

    func merge(_ changes: [String: String], into paths: [String]) {
        for path in paths {
            pending.enter()
            queue.async { [self] in rewrite(path, changes, attempt: 0) }
        }
    }

    /// Waits until every queued rewrite is done, retries included.
    func flush() {
        pending.wait()
    }

    private func rewrite(_ path: String, _ changes: [String: String], attempt: Int) {
        guard let data = FileManager.default.contents(atPath: path) else {
            if attempt < 50 {
                queue.asyncAfter(deadline: .now() + 0.1) { [self] in rewrite(path, changes, attempt: attempt + 1) }
            } else {
                logger.error("sidecar not found for a metadata update", metadata: ["path": "\(path)"])
                pending.leave()
            }
            return
        }
        defer { pending.leave() }
        do {
            var sidecar = try JSONDecoder().decode(Sidecar.self, from: data)
            sidecar.metadata.merge(changes) { _, new in new }
            try sidecar.write(to: path)
        } catch {
            logger.error("cannot update sidecar", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }
}
