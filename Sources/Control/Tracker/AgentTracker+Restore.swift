import Engine
import Foundation
import Media

/// Startup after a stop, clean or not: the agent directory (with the configuration applied over
/// it), agents and calls come back from the store, recordings that were open are closed as
/// `interrupted`, and calls still going on are rebuilt in the engine.
extension AgentTracker {
    /// - Parameters:
    ///   - now: the capture time the restart happens at; restored calls' idle timeouts count from it.
    ///   - recover: repairs an interrupted recording's files and writes its sidecar; returns the
    ///     finished index entry.
    public func restore(from stored: StoredTracker, now: Int64,
                        recover: (RecordingIndexEntry) -> RecordingIndexEntry) {
        advanceClock(to: now)
        restoreDirectory(stored.directory, at: now)
        let decoder = JSONDecoder()
        for (id, document) in stored.agents where agents[id] != nil {
            if let agent = try? decoder.decode(TrackedAgent.self, from: document) { agents[id] = agent }
        }
        for entry in stored.openRecordings {
            var finished = recover(entry)
            finished.retention = retention(metadata: finished.metadata, agentId: finished.agentId)
            // Its sidecar is final now: announced as a recording that finished.
            recordingIndex.store(finished: finished, announcingTo: announcer.destinations)
            logger.notice("recovered an interrupted recording", metadata: [
                "recording": "\(entry.recordingIdentifier)", "call": "\(entry.callInstance)",
                "end": "\(finished.endReason ?? "")"])
        }
        for (callInstance, document) in stored.calls.sorted(by: { $0.key < $1.key }) {
            guard let call = try? decoder.decode(TrackedCall.self, from: document), !call.ended else {
                store?.removeCall(callInstance: callInstance)
                continue
            }
            restoring[callInstance] = call
        }
        // Oldest first, as they came.
        for call in restoring.values.sorted(by: { ($0.startNanos, $0.callInstance) < ($1.startNanos, $1.callInstance) }) {
            engine.restoreCall(call.signalling, now: now)
        }
        // What could not be rebuilt (no signalling kept) is over.
        for (callInstance, _) in restoring {
            store?.removeCall(callInstance: callInstance)
        }
        restoring.removeAll()
        for id in agents.keys {
            agents[id]?.calls.removeAll { calls[$0] == nil || calls[$0]!.ended }
        }
        restoreFaceToFace(at: now)
        for (id, agent) in agents {
            store?.saveAgent(id: id, document: StoredDocument(encoding: agent))
        }
        publishAll()
    }
}
