import CalltapTestSupport
import Foundation
import Testing
@testable import Media

@Suite struct InterruptedRecordingTests {
    let dir = RepositoryPaths.temporaryDirectory("calltap-interrupted")
    let start: Int64 = 1_700_000_000_000_000_000

    /// Writes `seconds` of 1 kHz on the caller's channel and 700 Hz on the callee's through the
    /// real writer, copies the files while they are still open (what `kill -9` leaves: libsndfile
    /// writes the audio straight through, the header only at close), then closes the originals.
    /// Returns the copies and the cleanly closed originals.
    func writeAndCopyBeforeClose(format: AudioFileFormat, layout: ChannelLayout, seconds: Double = 3,
                                 name: String = "rec") throws -> (interrupted: [String], closed: [String]) {
        let frames = Int(seconds * 8000)
        let left = ToneSynthesis.sine(frequency: 1000, count: frames)
        let right = ToneSynthesis.sine(frequency: 700, count: frames)
        var interleaved = [Int16](repeating: 0, count: frames * 2)
        for i in 0..<frames {
            interleaved[2 * i] = left[i]
            interleaved[2 * i + 1] = right[i]
        }
        let output = try RecordingOutput(stem: "\(dir)/\(name)", sampleRate: 8000, roles: ["caller", "callee"],
                                         format: format, layout: layout, side: .both)
        // In half-second runs, as CallRecording commits.
        var done = 0
        while done < frames {
            let n = min(4000, frames - done)
            try interleaved.withUnsafeBufferPointer { try output.write(frames: $0.baseAddress! + 2 * done, count: n) }
            done += n
        }
        var copies: [String] = []
        for file in output.files {
            let copy = file.path.replacingOccurrences(of: "/\(name)", with: "/\(name)-killed")
            try FileManager.default.copyItem(atPath: file.path, toPath: copy)
            copies.append(copy)
        }
        try output.close()
        return (copies, output.files.map(\.path))
    }

    func interrupted(_ paths: [String], format: AudioFileFormat = .wav, roles: [String] = ["caller", "callee"],
                     layout: ChannelLayout? = nil) -> InterruptedRecording {
        InterruptedRecording(recordingIdentifier: "rec-killed", callInstance: "call@pbx", segment: 1, isDuplicate: false,
                             agentId: 2, serverId: "recorder-a", startNanos: start, format: format, sampleRate: 8000,
                             channelRoles: roles, metadata: ["ani": "5003", "dnis": "4000"], audioPaths: paths,
                             sidecarPath: "\(dir)/rec-killed.json", layout: layout)
    }

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    func append(_ data: Data, to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: data)
        try handle.close()
    }

    @Test(arguments: [AudioFileFormat.wav, .wavMuLaw, .wavALaw])
    func aKilledStereoWAVBecomesTheFileACleanCloseWrites(_ format: AudioFileFormat) throws {
        let (killed, closed) = try writeAndCopyBeforeClose(format: format, layout: .stereo)
        // Half a frame more than whole frames: the write the kill interrupted.
        try append(Data([0x55]), to: killed[0])
        let result = try interrupted(killed, format: format).recover()

        #expect(result.sidecar.endReason == "interrupted")
        let audio = try DecodedAudio(path: killed[0])
        #expect(audio.frames == 24000)
        #expect(ToneAnalysis.dominantFrequency(audio.slice(channel: 0, from: 0.5, to: 2.5), sampleRate: 8000) == 1000)
        #expect(ToneAnalysis.dominantFrequency(audio.slice(channel: 1, from: 0.5, to: 2.5), sampleRate: 8000) == 700)
        // Header and audio alike: nothing invented, nothing lost.
        #expect(try bytes(killed[0]) == bytes(closed[0]))

        let sidecar = result.sidecar
        #expect(sidecar.audio.durationSeconds == 3)
        #expect(sidecar.endTime == CaptureTime.iso8601(start + 3_000_000_000))
        #expect(sidecar.startTime == CaptureTime.iso8601(start))
        #expect(sidecar.audio.format == format.sidecarName)
        #expect(sidecar.audio.channels == 2 && sidecar.audio.channelRoles == ["caller", "callee"])
        #expect(sidecar.audio.file == (killed[0] as NSString).lastPathComponent && sidecar.audio.files == nil)
        #expect(sidecar.sha256 == (try FileDigest.sha256(path: killed[0])))
        #expect(sidecar.streams.isEmpty)
        #expect(sidecar.agentId == 2 && sidecar.segment == 1 && sidecar.serverId == "recorder-a")

        // The sidecar on disk is the one returned, written as CallRecording writes it.
        let onDisk = try JSONDecoder().decode(Sidecar.self, from: bytes(result.sidecarPath))
        #expect(onDisk == sidecar)
        let text = String(decoding: try bytes(result.sidecarPath), as: UTF8.self)
        #expect(text.contains("\n  \"Audio\" : {"))
        let read = try RecordedCall(sidecarPath: result.sidecarPath)
        #expect(read.endReason == "interrupted" && read.audio.frames == 24000)
    }

    @Test func recoveringTwiceChangesNothing() throws {
        let (killed, _) = try writeAndCopyBeforeClose(format: .wav, layout: .stereo)
        let first = try interrupted(killed).recover()
        let afterFirst = try bytes(killed[0])
        let second = try interrupted(killed).recover()
        #expect(try bytes(killed[0]) == afterFirst)
        #expect(second.sidecar == first.sidecar)
    }

    @Test func aFileThatWasClosedIsKeptAsItIs() throws {
        // The server died after closing the file but before its row said Stopped.
        let (_, closed) = try writeAndCopyBeforeClose(format: .wav, layout: .stereo)
        let before = try bytes(closed[0])
        let result = try interrupted(closed).recover()
        #expect(try bytes(closed[0]) == before)
        #expect(result.sidecar.audio.durationSeconds == 3)
        #expect(result.sidecar.endReason == "interrupted")
    }

    /// Encryption on: a closed file the finisher had encrypted when the crash took its sidecar is
    /// decrypted, recovered as the plain one is, and encrypted again; a killed (plain) file is
    /// repaired and encrypted. Either way the sidecar's digests hold and the audio decrypts.
    @Test func encryptedOrNotRecoveryEndsEncrypted() throws {
        let keys = dir + "/audio.keys"
        try ("k1 " + Data(repeating: 9, count: 32).base64EncodedString() + "\n").write(toFile: keys, atomically: true, encoding: .utf8)
        chmod(keys, 0o600)
        let encryptor = try RecordingEncryptor(keyFile: keys)
        let (killed, closed) = try writeAndCopyBeforeClose(format: .wav, layout: .stereo)
        let plainClosed = try bytes(closed[0])
        _ = try EncryptedAudioFile.encrypt(closed[0], to: closed[0], with: encryptor.keys.current)
        for (paths, label) in [(closed, "encrypted before the crash"), (killed, "killed while plain")] {
            let result = try interrupted(paths).recover(encryptedBy: encryptor)
            #expect(EncryptedAudioFile.isEncrypted(path: paths[0]), "\(label)")
            #expect(result.sidecar.encryption?.keyId == "k1", "\(label)")
            #expect(result.sidecar.encryption?.files.first?.sha256 == (try FileDigest.sha256(path: paths[0])), "\(label)")
            let plain = paths[0] + ".check"
            #expect(try encryptor.reader(paths[0]).decrypt(to: plain) == result.sidecar.sha256, "\(label)")
            #expect(result.sidecar.audio.durationSeconds == 3, "\(label)")
            if label.hasPrefix("encrypted") { #expect(try bytes(plain) == plainClosed, "the closed file comes back as it was") }
        }
    }

    @Test func separateFilesAreCutToOneTimeline() throws {
        let (killed, closed) = try writeAndCopyBeforeClose(format: .wav, layout: .separate)
        #expect(killed.count == 2)
        // The callee's writer got 20 ms further than the caller's before the kill.
        try append(Data(repeating: 0x11, count: 160 * 2 + 1), to: killed[1])
        let result = try interrupted(killed).recover()

        #expect(result.sidecar.endReason == "interrupted")
        let caller = try DecodedAudio(path: killed[0]), callee = try DecodedAudio(path: killed[1])
        #expect(caller.frames == 24000 && callee.frames == 24000)
        #expect(caller.channels.count == 1 && callee.channels.count == 1)
        #expect(ToneAnalysis.dominantFrequency(caller.slice(channel: 0, from: 0.5, to: 2.5), sampleRate: 8000) == 1000)
        #expect(ToneAnalysis.dominantFrequency(callee.slice(channel: 0, from: 0.5, to: 2.5), sampleRate: 8000) == 700)
        #expect(try bytes(killed[0]) == bytes(closed[0]) && bytes(killed[1]) == bytes(closed[1]))

        let audio = result.sidecar.audio
        #expect(audio.file == nil)
        #expect(audio.files?.map(\.role) == ["caller", "callee"])
        #expect(audio.files?.map(\.file) == killed.map { ($0 as NSString).lastPathComponent })
        #expect(audio.files?.map(\.sha256) == (try killed.map { try FileDigest.sha256(path: $0) }))
        #expect(audio.channels == 2 && audio.durationSeconds == 3)
        let read = try RecordedCall(sidecarPath: result.sidecarPath)
        #expect(read.audio.channels.count == 2)
    }

    @Test func aFileWithNoAudioYetBecomesAnEmptyPlayableFile() throws {
        let output = try RecordingOutput(stem: "\(dir)/empty", sampleRate: 8000, roles: ["caller", "callee"],
                                         format: .wav, layout: .stereo, side: .both)
        let killed = "\(dir)/empty-killed.wav"
        try FileManager.default.copyItem(atPath: output.files[0].path, toPath: killed)
        try output.close()
        let result = try interrupted([killed]).recover()
        #expect(result.sidecar.endReason == "interrupted")
        #expect(result.sidecar.audio.durationSeconds == 0)
        #expect(result.sidecar.endTime == result.sidecar.startTime)
        #expect(try DecodedAudio(path: killed).frames == 0)
        #expect(try bytes(killed) == bytes(output.files[0].path))
    }

    @Test func garbageIsReportedAndLeftAlone() throws {
        let garbage = "\(dir)/garbage.wav"
        var generator = SeededGenerator(seed: 7)
        let noise = Data((0..<5000).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try noise.write(to: URL(fileURLWithPath: garbage))
        let result = try interrupted([garbage]).recover()
        #expect(result.sidecar.endReason.hasPrefix("interrupted: garbage.wav is not a RIFF/WAVE file"))
        #expect(result.sidecar.audio.durationSeconds == 0)
        #expect(try bytes(garbage) == noise)
        #expect(result.sidecar.sha256 == (try FileDigest.sha256(path: garbage)))
    }

    @Test func aRIFFWithoutAudioChunkOrHeaderIsReportedByName() throws {
        let cut = "\(dir)/cut.wav"
        // The kill came while libsndfile was writing the header: RIFF, WAVE, part of 'fmt '.
        try Data("RIFF\u{8}\0\0\0WAVEfmt \u{10}\0\0\0\u{1}\0".utf8).write(to: URL(fileURLWithPath: cut))
        let empty = "\(dir)/empty.wav"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        let result = try interrupted([cut, empty, "\(dir)/missing.wav"], roles: ["caller", "callee", "x"]).recover()
        #expect(result.sidecar.endReason == "interrupted: cut.wav has a 'fmt ' chunk cut short; "
                + "empty.wav is empty: the process died before its header was written; missing.wav is missing")
        #expect(result.sidecar.audio.files?.map(\.sha256).last == "")
    }

    @Test func aKilledFLACKeepsTheFramesItHoldsAndDeclaresThem() throws {
        let (killed, _) = try writeAndCopyBeforeClose(format: .flac, layout: .stereo, seconds: 6)
        let result = try interrupted(killed, format: .flac).recover()
        #expect(result.sidecar.endReason == "interrupted")
        // libFLAC hands libsndfile whole 4096-frame blocks: what the encoder had not yet written is gone.
        let audio = try DecodedAudio(path: killed[0])
        #expect(audio.frames > 0 && audio.frames <= 48000 && audio.frames % 4096 == 0)
        #expect(result.sidecar.audio.durationSeconds == Double(audio.frames) / 8000)
        #expect(result.sidecar.audio.format == "flac/pcm16")
        #expect(ToneAnalysis.dominantFrequency(audio.slice(channel: 0, from: 0.5, to: 1.5), sampleRate: 8000) == 1000)
        #expect(ToneAnalysis.dominantFrequency(audio.slice(channel: 1, from: 0.5, to: 1.5), sampleRate: 8000) == 700)
    }

    @Test func anOggStreamIsKeptWhenLibsndfileReadsItAndReportedWhenNot() throws {
        let (killed, _) = try writeAndCopyBeforeClose(format: .oggOpus, layout: .stereo, seconds: 10)
        let result = try interrupted(killed, format: .oggOpus).recover()
        #expect(result.sidecar.endReason == "interrupted")
        let audio = try DecodedAudio(path: killed[0])
        #expect(audio.frames > 0 && audio.frames <= 80000)
        #expect(result.sidecar.audio.durationSeconds == Double(audio.frames) / 8000)
        #expect(ToneAnalysis.dominantFrequency(audio.slice(channel: 0, from: 0.5, to: 1.5), sampleRate: 8000) == 1000)

        // Only the stream's headers made it to disk: nothing to keep, and the sidecar says why.
        let headersOnly = "\(dir)/headers-only.opus"
        try bytes(killed[0]).prefix(200).write(to: URL(fileURLWithPath: headersOnly))
        let bad = try interrupted([headersOnly], format: .oggOpus).recover()
        #expect(bad.sidecar.endReason.hasPrefix("interrupted: headers-only.opus cannot be read by libsndfile ("))
        #expect(bad.sidecar.audio.durationSeconds == 0)
    }

    @Test func formatsAreFoundByEitherName() {
        #expect(InterruptedRecording.format(named: "wav-ulaw") == .wavMuLaw)
        #expect(InterruptedRecording.format(named: "wav/alaw") == .wavALaw)
        #expect(InterruptedRecording.format(named: "mp3") == nil)
    }
}
