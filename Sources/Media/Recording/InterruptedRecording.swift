import Foundation

/// A recording that was open when the process died (`kill -9`, crash, power loss), closed
/// afterwards from what its index row knows and what is on disk: the audio files are made
/// consistent and playable without inventing audio, and the final sidecar says
/// `EndReason: "interrupted"` (or `"interrupted: <why>"` when some audio could not be kept).
public struct InterruptedRecording: Sendable {
    public var recordingIdentifier: String
    public var callInstance: String
    public var segment: Int
    public var isDuplicate: Bool
    public var agentId: Int?
    public var serverId: String
    /// Capture time of the first sample.
    public var startNanos: Int64
    /// The format asked for; the files' own headers win where they can be read.
    public var format: AudioFileFormat
    public var sampleRate: Int
    /// The recording's channel roles, in channel order (one per file in the `separate` layout).
    public var channelRoles: [String]
    public var metadata: [String: String]
    /// Absolute paths of the audio files, one per channel in the `separate` layout.
    public var audioPaths: [String]
    public var sidecarPath: String
    /// How the files were laid out; `nil` infers it: several files are `separate`, one is one file.
    /// (Pass `.separate` for a recording that kept one side only: its sidecar lists `Files`.)
    public var layout: ChannelLayout?

    public init(recordingIdentifier: String, callInstance: String, segment: Int, isDuplicate: Bool, agentId: Int?,
                serverId: String, startNanos: Int64, format: AudioFileFormat, sampleRate: Int,
                channelRoles: [String], metadata: [String: String], audioPaths: [String], sidecarPath: String,
                layout: ChannelLayout? = nil) {
        self.recordingIdentifier = recordingIdentifier
        self.callInstance = callInstance
        self.segment = segment
        self.isDuplicate = isDuplicate
        self.agentId = agentId
        self.serverId = serverId
        self.startNanos = startNanos
        self.format = format
        self.sampleRate = sampleRate
        self.channelRoles = channelRoles
        self.metadata = metadata
        self.audioPaths = audioPaths
        self.sidecarPath = sidecarPath
        self.layout = layout
    }

    /// A format as an index or a sidecar names it (`wav-ulaw` or `wav/ulaw`).
    public static func format(named name: String) -> AudioFileFormat? {
        AudioFileFormat(rawValue: name) ?? AudioFileFormat.allCases.first { $0.sidecarName == name }
    }

    /// Repairs the audio files and writes the final sidecar. Safe to run again on the same files
    /// (a second crash during recovery): it only ever shortens to whole frames and rewrites sizes.
    /// `sealer`: the sidecar is sealed on the server's chain (nil: written plain). `encryptor`:
    /// the repaired audio is encrypted at rest, as the finisher would have (a file it had
    /// encrypted already, before the crash took its sidecar, is decrypted first to be repaired).
    public func recover(sealedBy sealer: RecordingSealer? = nil,
                        encryptedBy encryptor: RecordingEncryptor? = nil) throws(InterruptedRecordingError) -> RecordingResult {
        if let encryptor {
            for path in audioPaths where EncryptedAudioFile.isEncrypted(path: path) {
                do {
                    try encryptor.reader(path).decrypt(to: path)
                } catch {
                    throw .cannotWriteSidecar(path: sidecarPath, reason: "its audio \(path) was encrypted and cannot be decrypted: \(error)")
                }
            }
        }
        // Look at every file first: the files of one recording share one timeline, so they are
        // cut to the same whole number of frames (the shortest), which the sidecar then reports.
        let inspected = audioPaths.map { AudioFile.inspect(path: $0, expected: format) }
        let playable = inspected.compactMap(\.frames)
        var frames = playable.min() ?? 0
        let files = inspected.map { $0.finishing(atFrames: frames) }
        var problems = files.compactMap(\.problem?.description)
        // What it held for the commit delay, from its journal (a live recording keeps one).
        let journalPath = HeldAudioJournal.path(forSidecar: sidecarPath)
        let journal = HeldAudioJournal.read(path: journalPath)
        if problems.isEmpty, let journal, let held = HeldAudio(journal, after: frames) {
            var lengths: [Int64] = []
            for file in files {
                switch held.append(to: file.path) {
                case .success(let length): lengths.append(length)
                case .failure(let problem): problems.append("\((file.path as NSString).lastPathComponent) \(problem)")
                }
            }
            if problems.isEmpty, let shortest = lengths.min() { frames = shortest }
        }
        let known = journal?.checkpoint.flatMap { try? JSONDecoder().decode(Sidecar.self, from: $0) }

        let rate = files.lazy.compactMap(\.sampleRate).first ?? sampleRate
        let digests = files.map { FileManager.default.fileExists(atPath: $0.path) ? (try? FileDigest.sha256(path: $0.path)) ?? "" : "" }
        let names = audioPaths.map { ($0 as NSString).lastPathComponent }
        let separate = (layout ?? (audioPaths.count > 1 ? .separate : .stereo)) == .separate
        let roles = fileRoles(files, separate: separate)
        let fileFormat = files.lazy.compactMap(\.format).first ?? format.effective(sampleRate: rate)
        let seconds = Double(frames) / Double(max(1, rate))
        var sidecar = Sidecar(
            recordingIdentifier: recordingIdentifier,
            callInstance: callInstance,
            isDuplicate: isDuplicate,
            agentId: agentId,
            serverId: serverId,
            segment: segment,
            metadata: metadata.merging(known?.metadata ?? [:]) { _, checkpointed in checkpointed },
            startTime: CaptureTime.iso8601(startNanos),
            endTime: CaptureTime.iso8601(startNanos + frames * 1_000_000_000 / Int64(max(1, rate))),
            audio: .init(file: separate ? nil : names.first,
                         files: separate ? names.indices.map {
                             Sidecar.AudioFile(file: names[$0], role: roles[$0].first ?? "", sha256: digests[$0])
                         } : nil,
                         format: fileFormat.sidecarName, sampleRate: rate,
                         channels: roles.reduce(0) { $0 + $1.count },
                         durationSeconds: Double(frames) / Double(max(1, rate)),
                         channelRoles: roles.flatMap { $0 }),
            // What the last checkpoint knew, within what the file holds.
            streams: known?.streams ?? [],
            blackouts: (known?.blackouts ?? []).compactMap { $0.clipped(to: seconds) },
            pauses: (known?.pauses ?? []).compactMap { $0.clipped(to: seconds) },
            dtmf: (known?.dtmf ?? []).filter { $0.time < seconds },
            endReason: problems.isEmpty ? "interrupted" : "interrupted: " + problems.joined(separator: "; "),
            notUsed: known?.notUsed ?? [:],
            sha256: digests.first ?? "",
            signalling: known?.signalling)
        // Left plain when it cannot be encrypted (a full disk): the sidecar says which are.
        try? encryptor?.encryptAudio(of: &sidecar, in: (sidecarPath as NSString).deletingLastPathComponent)
        do {
            // Atomic: a crash during recovery leaves the old sidecar (or none), never half of one.
            try sidecar.write(to: sidecarPath, sealedBy: sealer)
        } catch {
            throw .cannotWriteSidecar(path: sidecarPath, reason: "\(error.localizedDescription)")
        }
        unlink(journalPath)
        return RecordingResult(sidecar: sidecar, audioPaths: audioPaths, sidecarPath: sidecarPath)
    }

    /// The roles of each file's channels: one role per file when separate; for one file, the
    /// recording's roles, or `mixed` when the file has one channel for several roles (mono layout).
    private func fileRoles(_ files: [AudioFile], separate: Bool) -> [[String]] {
        if separate {
            return files.indices.map { i in
                if audioPaths.count == channelRoles.count { return [channelRoles[i]] }
                return [Self.role(fromFileName: files[i].path, among: channelRoles) ?? ""]
            }
        }
        if files.first?.channels == 1 && channelRoles.count > 1 { return [["mixed"]] }
        return [channelRoles]
    }

    /// `…/<id>-callee.wav` → `callee`, when that is one of the roles.
    private static func role(fromFileName path: String, among roles: [String]) -> String? {
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return roles.first { stem.hasSuffix("-" + $0) }
    }
}
