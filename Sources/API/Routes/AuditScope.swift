import Control
import Foundation

/// What a handler learns while it answers an audited request (the agent, the recording) for the
/// audit entry written when it is done. One per request, reached through a task-local value so
/// that handlers need not pass it along.
final class AuditScope: @unchecked Sendable {
    // @unchecked: read and written under `lock` (the handler and the wrapper run in one task,
    // but a handler may hand work to child tasks).
    @TaskLocal static var current: AuditScope?

    private let lock = NSLock()
    private var agent: Int?
    private var recording: String?
    /// Who made the request, from where, what it was and when it was accepted: the entry's, and
    /// what a blackout decision carries to the other servers of the cluster.
    let requester: BlackoutRequester

    init(requester: BlackoutRequester) {
        self.requester = requester
    }

    var agentId: Int? {
        get { lock.withLock { agent } }
        set { lock.withLock { agent = newValue } }
    }

    var recordingIdentifier: String? {
        get { lock.withLock { recording } }
        set { lock.withLock { recording = newValue } }
    }

    /// Notes the agent a request acted on, if it is audited.
    static func note(agentId: Int?) {
        if let agentId { current?.agentId = agentId }
    }

    /// Notes the recording a request acted on or read, if it is audited.
    static func note(recording: String?) {
        if let recording { current?.recordingIdentifier = recording }
    }
}
