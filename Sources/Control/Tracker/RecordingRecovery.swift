import Foundation
import Media

/// Closes, after a restart, a recording that was open when the server stopped abruptly: the
/// files are repaired and the sidecar written (`EndReason: "interrupted"`), and the index entry
/// says so. A recording that cannot be repaired still ends in the index, with the reason.
public enum RecordingRecovery {
    /// `sealer`: the sidecar written is sealed on the server's chain, and one written just before
    /// the crash gets the ledger line it may have missed.
    /// `encryptor`: the repaired audio is encrypted at rest.
    public static func recover(_ entry: RecordingIndexEntry, serverId: String, sealer: RecordingSealer? = nil,
                               encryptor: RecordingEncryptor? = nil) -> RecordingIndexEntry {
        var finished = entry
        finished.state = "Stopped"
        // Finished before the crash, only its row was not updated yet: its files and its sidecar
        // are final and are never touched again.
        if let data = FileManager.default.contents(atPath: entry.sidecarPath),
           let sidecar = try? JSONDecoder().decode(Sidecar.self, from: data) {
            finished.endReason = sidecar.endReason
            finished.endNanos = entry.startNanos + Int64((sidecar.audio.durationSeconds * 1e9).rounded())
            unlink(HeldAudioJournal.path(forSidecar: entry.sidecarPath))
            try? sealer?.adopt(sidecarAt: entry.sidecarPath)
            return finished
        }
        guard let format = InterruptedRecording.format(named: entry.format) else {
            finished.endReason = "interrupted: unknown format \(entry.format)"
            return finished
        }
        let recording = InterruptedRecording(
            recordingIdentifier: entry.recordingIdentifier, callInstance: entry.callInstance, segment: entry.segment,
            isDuplicate: entry.isDuplicate, agentId: entry.agentId, serverId: serverId, startNanos: entry.startNanos,
            format: format, sampleRate: entry.sampleRate, channelRoles: entry.channelRoles, metadata: entry.metadata,
            audioPaths: entry.audioPaths, sidecarPath: entry.sidecarPath)
        do {
            let result = try recording.recover(sealedBy: sealer, encryptedBy: encryptor)
            finished.endReason = result.sidecar.endReason
            finished.endNanos = entry.startNanos + Int64(result.sidecar.audio.durationSeconds * 1e9)
            finished.audioPaths = result.audioPaths
        } catch {
            finished.endReason = "interrupted: \(error)"
        }
        return finished
    }
}
