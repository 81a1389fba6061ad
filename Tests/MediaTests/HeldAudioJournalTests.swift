import CalltapTestSupport
import Foundation
import Testing
@testable import Media

/// A live recording journals the audio it holds for the commit delay; when the process dies
/// before it is written, recovery lays it onto the file in the file's own format and layout,
/// gated as it was, and keeps the last checkpoint's streams and pauses.
@Suite struct HeldAudioJournalTests {
    static let start: Int64 = 1_000_000_000_000

    func makeRecording(_ dir: String, format: AudioFileFormat, layout: ChannelLayout) throws -> CallRecording {
        var setup = RecordingSetup(recordingIdentifier: "held", callInstance: "call@test", serverId: "t",
                                   startNanos: Self.start, sampleRate: 8000, channelRoles: ["caller", "callee"],
                                   directory: dir, format: format, layout: layout, commitDelayNanos: 2_000_000_000,
                                   metadata: ["ani": "1"], payloadMaps: [PayloadMap([0: .pcmu]), PayloadMap([0: .pcmu])])
        setup.journalsHeldAudio = true
        let r = try CallRecording(setup: setup)
        r.addFlow(MediaFlow(channel: 0, source: "10.0.0.1:4000", destination: "10.0.0.2:5000"))
        r.addFlow(MediaFlow(channel: 1, source: "10.0.0.2:5000", destination: "10.0.0.1:4000"))
        return r
    }

    /// Both sides' tones as 20 ms packets `packets` (numbered from the start, in time order), the
    /// clock advanced each 50 ms.
    func talk(_ r: CallRecording, packets: Range<Int>) throws {
        for i in packets {
            for (flow, hertz) in [(0, 700.0), (1, 1100.0)] {
                let samples = ToneSynthesis.sine(frequency: hertz, offset: i * 160, count: 160).map(ToneSynthesis.muLaw)
                let bytes = ToneSynthesis.rtp(payloadType: 0, sequence: UInt16(i), timestamp: UInt32(i * 160),
                                              ssrc: UInt32(flow + 1), payload: samples)
                let nanos = Self.start + Int64(i) * 20_000_000
                try bytes.withUnsafeBytes { try r.receive(flow: flow, packet: $0, captureNanos: nanos) }
            }
            if i % 5 == 4 { try r.advance(toNanos: Self.start + Int64(i + 1) * 20_000_000) }
        }
    }

    func recover(_ r: CallRecording, dir: String) throws -> RecordingResult {
        let setup = r.setup
        let plan = RecordingOutput.plan(stem: setup.audioStem, sampleRate: 8000, roles: setup.channelRoles,
                                        format: setup.format, layout: setup.layout, side: setup.side)
        return try InterruptedRecording(
            recordingIdentifier: setup.recordingIdentifier, callInstance: setup.callInstance, segment: 0, isDuplicate: false,
            agentId: nil, serverId: "t", startNanos: setup.startNanos, format: setup.format, sampleRate: 8000,
            channelRoles: setup.channelRoles, metadata: setup.metadata, audioPaths: plan.files.map(\.path),
            sidecarPath: setup.sidecarPath, layout: plan.layout).recover()
    }

    @Test(arguments: [(AudioFileFormat.wav, ChannelLayout.stereo), (.wav, .separate), (.flac, .stereo), (.wavMuLaw, .stereo)])
    func recoveryAddsTheHeldAudioGatedAsItWas(format: AudioFileFormat, layout: ChannelLayout) throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-held")
        let r = try makeRecording(dir, format: format, layout: layout)
        // 6 s of talk with a pause from 5.0 to 5.3 s, inside what is still held when the process dies.
        try talk(r, packets: 0..<250)
        r.pause(atNanos: Self.start + 5_000_000_000)
        try talk(r, packets: 250..<265)
        r.resume(atNanos: Self.start + 5_300_000_000)
        try talk(r, packets: 265..<300)
        let journal = HeldAudioJournal.path(forSidecar: r.setup.sidecarPath)
        #expect(FileManager.default.fileExists(atPath: journal))

        // The process dies here: nothing is finished, the files stay as they are.
        let result = try withExtendedLifetime(r) { try recover(r, dir: dir) }
        #expect(result.sidecar.endReason == "interrupted", "\(result.sidecar.endReason)")
        // Everything placed is there: 6 s, though 2 s of it were only held.
        #expect(result.sidecar.audio.durationSeconds == 6, "\(result.sidecar.audio.durationSeconds)")
        let audio = try RecordedCall(sidecarPath: r.setup.sidecarPath).audio
        #expect(audio.durationSeconds == 6)
        for (channel, hertz) in [(0, 700.0), (1, 1100.0)] {
            #expect(ToneAnalysis.dominantFrequency(audio.slice(channel: channel, from: 3.0, to: 4.9), sampleRate: 8000) == hertz)
            #expect(ToneAnalysis.dominantFrequency(audio.slice(channel: channel, from: 5.4, to: 5.95), sampleRate: 8000) == hertz)
            // The pause the gate decided while the audio was held is silence in the repaired file.
            #expect(ToneAnalysis.rms(audio.slice(channel: channel, from: 5.01, to: 5.29)) < 40)
        }
        // What the checkpoint knew: both streams, and the pause.
        #expect(result.sidecar.streams.count == 2)
        #expect(result.sidecar.streams.allSatisfy { $0.packets > 0 })
        #expect(result.sidecar.pauses.count == 1)
        // The journal is gone once the sidecar is final.
        #expect(!FileManager.default.fileExists(atPath: journal))
    }

    /// Checkpoints come every 10 s once a recording is 20 s old (encoding a sidecar is dear
    /// with thousands of calls open); a blackout, a digit or metadata, which the sidecar lists,
    /// is checkpointed at the next tick all the same.
    @Test func whatTheSidecarListsIsCheckpointedAtTheNextTick() throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-held")
        let r = try makeRecording(dir, format: .wav, layout: .stereo)
        try talk(r, packets: 0..<1500)
        // 30 s in: the next checkpoint by the schedule is seconds away.
        r.startBlackout(atNanos: Self.start + 30_020_000_000, origin: "agent")
        r.addDigit("7", atNanos: Self.start + 30_040_000_000, durationSeconds: 0.1, method: "sip-info", side: 0)
        r.updateMetadata(["account": "42"])
        try talk(r, packets: 1500..<1505)

        let result = try withExtendedLifetime(r) { try recover(r, dir: dir) }
        #expect(result.sidecar.endReason == "interrupted")
        #expect(result.sidecar.blackouts.map(\.origin) == ["agent"])
        #expect(result.sidecar.blackouts.first.map { abs($0.start - 30.02) < 0.001 } == true)
        // The digit came inside the blackout: it is there, masked.
        #expect(result.sidecar.dtmf.map(\.masked) == [true])
        #expect(result.sidecar.metadata["account"] == "42")
        // The streams as of that checkpoint: 30 s of packets each, not those of an older one.
        #expect(result.sidecar.streams.count == 2)
        #expect(result.sidecar.streams.allSatisfy { $0.packets >= 1500 }, "\(result.sidecar.streams.map(\.packets))")
    }

    @Test func aFinishedRecordingLeavesNoJournal() throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-held")
        let r = try makeRecording(dir, format: .wav, layout: .stereo)
        try talk(r, packets: 0..<150)
        let journal = HeldAudioJournal.path(forSidecar: r.setup.sidecarPath)
        #expect(FileManager.default.fileExists(atPath: journal))
        let result = try r.finish(RecordingEnd(endNanos: Self.start + 3_000_000_000, reason: "bye", metadata: nil))
        #expect(result.sidecar.audio.durationSeconds == 3)
        #expect(!FileManager.default.fileExists(atPath: journal))
    }
}
