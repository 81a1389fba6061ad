import Engine
import Foundation
import Media

/// Face-to-face recordings (docs/API.md, "Face-to-Face API"). The audio is a session declared
/// to the engine (no SIP): its recording is one of the agent's calls for blackouts, pauses go
/// through the same gates as a call's, and stop ends it. Then the recording waits out the wrap-up
/// (capture time, `f2f.wrapUpSeconds`), still taking tags, and closes with the tags written into
/// its sidecars (`Tags`, and per key `TaggedBy`).
extension AgentTracker {
    /// Applies a face-to-face command and answers the recording after it.
    public func performFaceToFace(_ command: FaceToFaceCommand, at nanos: Int64) -> Result<FaceToFaceView, ControlError> {
        // A wrap-up that ended before this command closed its recording, whatever the clock tick.
        advanceFaceToFace(to: nanos)
        switch command {
        case .start(let start): return startFaceToFace(start, at: nanos)
        case .steer(let steering): return steerFaceToFace(steering, at: nanos)
        case .tag(let tagging): return tagFaceToFace(tagging)
        }
    }

    private func startFaceToFace(_ start: FaceToFaceCommand.Start, at nanos: Int64) -> Result<FaceToFaceView, ControlError> {
        guard let profile = directory.agent(start.agent), agents[profile.id] != nil else {
            return .failure(.agentNotFound(start.agent))
        }
        let kept = faceToFace(of: profile.id)
        if let open = kept.first(where: { $0.status.isOpen }) {
            return .failure(ControlError(.conflict, "agent \(profile.id) already has face-to-face recording '\(open.id)' \(open.status.rawValue.lowercased())"))
        }
        let id = faceToFaceSessions.newIdentifier(serverId: configuration.engine.serverId, agentId: profile.id, at: nanos)
        var recording = FaceToFaceRecording(id: id, agentId: profile.id, media: start.media, audioSource: start.audioSource,
                                            streams: start.streams, startedBy: start.startedBy, status: .active, startNanos: nanos)
        if start.media.hasAudio, let refused = startAudio(&recording, at: nanos) { return .failure(refused) }
        // The desktop's start message carries the tags.
        recording.tags = start.tags
        if start.media.hasScreen { startScreen(&recording, of: profile, at: nanos) }
        let by = start.taggedBy ?? start.startedBy.rawValue
        recording.taggedBy = start.tags.mapValues { _ in by }
        save(recording)
        return .success(recording.view)
    }

    /// Starts the recording's audio from `nanos` (its first, or again after a stop: a new
    /// segment); a refusal changes nothing.
    private func startAudio(_ recording: inout FaceToFaceRecording, at nanos: Int64) -> ControlError? {
        if let problem = streamProblem(recording) { return problem }
        // Before any capture time is known there is nothing to place the audio against.
        guard nanos > 0 else { return ControlError(.unavailable, "the capture has no time yet: no packet was read") }
        var started = recording
        started.audio = .active
        guard let recordingId = openAudio(&started, at: nanos) else {
            return ControlError(.internalFault, "the engine did not take face-to-face recording '\(recording.id)'")
        }
        started.recordingIdentifiers.append(recordingId)
        recording = started
        return nil
    }

    /// Starts the recording's screen: a desktop-only screen session, and the agent's desktop
    /// told to record (routed like ScreenRecord). The first is segment 0 of the recording's
    /// screen; one started again after a stop is named by its start time.
    private func startScreen(_ recording: inout FaceToFaceRecording, of profile: AgentProfile, at nanos: Int64) {
        let segment = recording.screenRecordingIdentifier == nil ? 0 : Int(truncatingIfNeeded: nanos)
        let screen = RecordingIdentifier.make(serverId: configuration.engine.serverId, callInstance: "f2f-screen:\(recording.id)",
                                              segment: segment)
        recording.screenRecordingIdentifier = screen
        recording.screen = .active
        agents[profile.id]?.desktopScreenRecordings.append(.init(relatedCallInstance: nil, screenRecordingIdentifier: screen,
                                                                 recordingState: .recording))
        agents[profile.id]?.desktopSessions.append(.init(sessionIdentifier: screen, kind: "Screen", state: "Active",
                                                         startTime: CaptureTime.iso8601(nanos)))
        publishScreen(.start, of: profile, identifier: screen, relatedCall: nil, metadata: recording.tags, at: nanos)
    }

    /// Stops one running medium of the recording.
    private func stopMedium(_ medium: FaceToFaceMedium, of recording: inout FaceToFaceRecording, at nanos: Int64) {
        switch medium {
        case .audio:
            engine.closeDeclaredSession(recording.engineIdentifier, at: nanos)
            agents[recording.agentId]?.calls.removeAll { $0 == recording.engineIdentifier }
        case .screen:
            guard let screen = recording.screenRecordingIdentifier else { break }
            agents[recording.agentId]?.desktopScreenRecordings.removeAll { $0.screenRecordingIdentifier == screen }
            agents[recording.agentId]?.desktopSessions.removeAll { $0.sessionIdentifier == screen }
            if let profile = directory.agent(id: recording.agentId) {
                publishScreen(.stop, of: profile, identifier: screen, relatedCall: nil, metadata: recording.tags, at: nanos)
            }
        }
        recording[medium] = .stopped
    }

    /// Why the declared streams cannot be recorded, or nil: `409`, as each stream is well formed
    /// but together they conflict (two of one source, none for the `AudioSource`, an address another recording has).
    private func streamProblem(_ recording: FaceToFaceRecording) -> ControlError? {
        for source in FaceToFaceStream.Source.allCases where recording.streams.filter({ $0.source == source }).count > 1 {
            return ControlError(.conflict, "'Streams' declares more than one \(source.rawValue) stream")
        }
        if recording.recordedStreams.isEmpty {
            return ControlError(.conflict, "'Streams' declares no stream for AudioSource \(recording.audioSource.rawValue)")
        }
        let addresses = Set(recording.recordedStreams.map(\.destination))
        guard addresses.count == recording.recordedStreams.count else {
            return ControlError(.conflict, "'Streams' declares one address for two streams")
        }
        for agent in agents.values {
            for other in agent.faceToFace ?? [] where other.id != recording.id && other.status.isOpen && other.recordsAudio {
                if let shared = other.recordedStreams.first(where: { addresses.contains($0.destination) }) {
                    return ControlError(.conflict, "address \(shared.address) is already recorded for face-to-face recording '\(other.id)'")
                }
            }
        }
        return nil
    }

    /// Declares the recording's audio to the engine from `nanos`; silent from its start when the
    /// agent is blacked out, and paused when the recording is. Returns the audio recording's identifier.
    private func openAudio(_ recording: inout FaceToFaceRecording, at nanos: Int64) -> String? {
        var metadata = ["sessionid": recording.id, "calldirection": ""]
        if let profile = directory.agent(id: recording.agentId) {
            metadata["deviceid"] = profile.deviceId
            metadata["devicealias"] = profile.deviceAlias
            metadata["station"] = profile.station
        }
        let engineId = recording.engineIdentifier
        guard let recordingId = engine.openDeclaredSession(recording.declaredSession(metadata: metadata), at: nanos,
                                                           nextSegment: recording.recordingIdentifiers.count) else { return nil }
        giveSilence(toRecording: recordingId, of: engineId, agentIds: [recording.agentId], paused: recording.audio == .paused,
                    from: nanos)
        if agents[recording.agentId]?.calls.contains(engineId) == false { agents[recording.agentId]?.calls.append(engineId) }
        return recordingId
    }

    private func steerFaceToFace(_ steering: FaceToFaceCommand.Steering, at nanos: Int64) -> Result<FaceToFaceView, ControlError> {
        var recording: FaceToFaceRecording
        switch locate(steering.target) {
        case .failure(let error): return .failure(error)
        case .success(let found): recording = found
        }
        if let refusal = recording.refusal(steering.action, by: steering.controller) { return .failure(refusal) }
        if steering.action == .start { return startMedia(&recording, steering, at: nanos) }
        // Stop during the wrap-up changes nothing.
        if steering.action == .stop && !recording.status.isOpen { return .success(recording.view) }
        if let media = steering.media, let missing = media.media.first(where: { recording[$0] == nil }) {
            return .failure(ControlError(.conflict, "face-to-face recording '\(recording.id)' has no \(missing == .audio ? "audio" : "screen") media (it records \(recording.startedMedia.rawValue))"))
        }
        // The media named (every one the recording has, when none is), that have not stopped.
        let targets = (steering.media?.media ?? FaceToFaceMedium.allCases).filter { recording[$0] != nil && recording[$0] != .stopped }
        switch steering.action {
        case .stop:
            for medium in targets { stopMedium(medium, of: &recording, at: nanos) }
            if FaceToFaceMedium.allCases.allSatisfy({ recording[$0] == nil || recording[$0] == .stopped }) {
                recording.status = .wrapUp
                recording.stopNanos = nanos
                recording.wrapUpEndNanos = nanos + Int64(configuration.f2f.wrapUpSeconds * 1e9)
            } else {
                recording.deriveOpenStatus()
            }
        case .pause, .resume:
            if let refusal = recording.mediumRefusal(steering.action, targets) { return .failure(refusal) }
            let paused = steering.action == .pause
            for medium in targets where recording[medium] == (paused ? .active : .paused) {
                recording[medium] = paused ? .paused : .active
                switch medium {
                case .audio:
                    engine.setPaused(paused, recording.engineIdentifier, at: nanos)
                case .screen:
                    if let profile = directory.agent(id: recording.agentId) {
                        publishScreen(paused ? .pause : .resume, of: profile, identifier: recording.screenRecordingIdentifier,
                                      relatedCall: nil, metadata: recording.tags, at: nanos)
                    }
                }
            }
            recording.deriveOpenStatus()
        case .start:
            break
        }
        save(recording)
        closeFaceToFaceIfDue(recording.id, at: nanos)
        return .success(faceToFace(id: recording.id)?.view ?? recording.view)
    }

    /// `Start` on an open recording: the media named that do not run start (again); one that runs
    /// is left as it is. Audio needs streams: those given, else those the recording declared.
    private func startMedia(_ recording: inout FaceToFaceRecording, _ steering: FaceToFaceCommand.Steering,
                            at nanos: Int64) -> Result<FaceToFaceView, ControlError> {
        guard let media = steering.media, let profile = directory.agent(id: recording.agentId) else {
            return .failure(ControlError(.missingParameter, "'Media' is required: the medium to start"))
        }
        var started = recording
        if media.hasAudio && (started.audio == nil || started.audio == .stopped) {
            if !steering.streams.isEmpty { started.streams = steering.streams }
            if let source = steering.audioSource { started.audioSource = source }
            guard !started.streams.isEmpty else {
                // The request is whole; what it asks does not fit this recording, which declared no streams.
                return .failure(ControlError(.conflict, "the recording declared no streams: 'Streams' is needed to start its audio"))
            }
            if let refused = startAudio(&started, at: nanos) { return .failure(refused) }
        }
        if media.hasScreen && (started.screen == nil || started.screen == .stopped) { startScreen(&started, of: profile, at: nanos) }
        started.media = started.startedMedia
        started.deriveOpenStatus()
        recording = started
        save(recording)
        return .success(recording.view)
    }

    private func tagFaceToFace(_ tagging: FaceToFaceCommand.Tagging) -> Result<FaceToFaceView, ControlError> {
        var recording: FaceToFaceRecording
        switch locate(tagging.target) {
        case .failure(let error): return .failure(error)
        case .success(let found): recording = found
        }
        if let refusal = recording.tagRefusal(by: tagging.controller) { return .failure(refusal) }
        recording.tags.merge(tagging.tags) { _, new in new }
        for key in tagging.tags.keys { recording.taggedBy[key] = tagging.taggedBy }
        save(recording)
        return .success(recording.view)
    }

    /// The recording a command names; `404` when there is none.
    private func locate(_ target: FaceToFaceCommand.Target) -> Result<FaceToFaceRecording, ControlError> {
        switch target {
        case .id(let id):
            guard let recording = faceToFace(id: id) else {
                return .failure(ControlError(.notFound, "no face-to-face recording '\(id)'"))
            }
            return .success(recording)
        case .current(let reference):
            guard let profile = directory.agent(reference), agents[profile.id] != nil else {
                return .failure(.agentNotFound(reference))
            }
            guard let current = faceToFace(of: profile.id).last(where: { $0.status != .closed }) else {
                return .failure(ControlError(.notFound, "agent \(profile.id) has no current face-to-face recording"))
            }
            return .success(current)
        }
    }

    func faceToFace(of agentId: Int) -> [FaceToFaceRecording] {
        agents[agentId]?.faceToFace ?? []
    }

    func faceToFace(id: String) -> FaceToFaceRecording? {
        faceToFaceSessions.owner(of: id).flatMap { owner in faceToFace(of: owner).first { $0.id == id } }
    }

    /// Keeps the recording with its agent, shows its state, and stores and publishes the agent.
    private func save(_ recording: FaceToFaceRecording) {
        var list = faceToFace(of: recording.agentId)
        faceToFaceSessions.keep(recording, in: &list)
        agents[recording.agentId]?.faceToFace = list
        changed(agents: [recording.agentId])
    }

    /// Closes the recordings whose wrap-up is over (called as the capture clock advances).
    func advanceFaceToFace(to nanos: Int64) {
        for id in faceToFaceSessions.identifiers { closeFaceToFaceIfDue(id, at: nanos) }
    }

    /// Closes a recording once its wrap-up is over, by capture time alone (so a replay closes it
    /// at the same point whatever its workers' pace): the final tags are queued for its sidecars,
    /// which the rewriter waits for if a worker is still finishing one, and it shows as closed.
    private func closeFaceToFaceIfDue(_ id: String, at nanos: Int64) {
        guard var recording = faceToFace(id: id), recording.status == .wrapUp,
              let end = recording.wrapUpEndNanos, end <= nanos else { return }
        writeTags(recording)
        recording.status = .closed
        save(recording)
    }

    /// Writes the recording's tags into the sidecars of its audio recordings (off this thread).
    private func writeTags(_ recording: FaceToFaceRecording) {
        guard !recording.tags.isEmpty else { return }
        for recordingId in recording.recordingIdentifiers {
            guard let path = recordingIndex.sidecarPath(of: recordingId) else { continue }
            sidecarRewriter.setTags(recording.tags, taggedBy: recording.taggedBy, in: path)
        }
    }

    /// An audio recording finished on its worker: if it is a face-to-face one, its sidecar gets the
    /// tags so far at once (those of the wrap-up follow when the recording closes).
    func faceToFaceRecordingFinished(_ result: RecordingResult) {
        let callInstance = result.sidecar.callInstance
        guard callInstance.hasPrefix(FaceToFaceRecording.enginePrefix),
              let recording = faceToFace(id: String(callInstance.dropFirst(FaceToFaceRecording.enginePrefix.count))),
              !recording.tags.isEmpty else { return }
        sidecarRewriter.setTags(recording.tags, taggedBy: recording.taggedBy, in: absolute(result.sidecarPath))
    }

    /// After a restart: recordings still open continue their audio in a new segment from `now`
    /// (the interrupted one is recovered like a call's), and the wrap-ups go on.
    func restoreFaceToFace(at now: Int64) {
        for (agentId, agent) in agents {
            // Sessions listed by builds that kept a copy of each recording's state there.
            agents[agentId]?.desktopSessions.removeAll { $0.kind == FaceToFaceRecording.sessionKind }
            for var recording in agent.faceToFace ?? [] {
                if recording.status.isOpen && recording.recordsAudio,
                   let recordingId = openAudio(&recording, at: now) {
                    recording.recordingIdentifiers.append(recordingId)
                }
                save(recording)
            }
        }
    }
}
