import CalltapTestSupport
import Engine
import Media
import Testing

/// `storage.format`, `storage.channels` and `storage.side`: the same call in every shape.
@Suite struct OutputFormatTests {
    func record(format: AudioFileFormat = .wav, channels: ChannelLayout = .stereo, side: SideSelection = .both) throws -> RecordedCall {
        let replay = try EngineReplay("sipp-g711-tones.pcap") {
            $0.format = format
            $0.channels = channels
            $0.side = side
        }
        #expect(replay.recordings.count == 1)
        return try #require(replay.recordings.first)
    }

    func tone(_ r: RecordedCall, _ channel: Int) -> Double {
        ToneAnalysis.dominantFrequency(r.audio.slice(channel: channel, from: 1, to: 7), sampleRate: r.audio.sampleRate)
    }

    @Test func losslessFormatsHoldTheSameSamples() throws {
        let wav = try record()
        let flac = try record(format: .flac)
        #expect((flac.json["Audio"] as? [String: Any])?["Format"] as? String == "flac/pcm16")
        #expect(flac.audio.channels == wav.audio.channels)
        #expect(flac.json["Sha256"] as? String != wav.json["Sha256"] as? String)
    }

    @Test func g711WavFormatsKeepEachSidesTone() throws {
        for format in [AudioFileFormat.wavMuLaw, .wavALaw] {
            let r = try record(format: format)
            #expect((r.json["Audio"] as? [String: Any])?["Format"] as? String == format.sidecarName)
            #expect(tone(r, 0) == 700 && tone(r, 1) == 1100)
        }
        // µ-law of µ-law is exact: the call was PCMU.
        let wav = try record(), ulaw = try record(format: .wavMuLaw)
        #expect(ulaw.audio.channels == wav.audio.channels)
    }

    @Test func oggOpusKeepsTonesAndLength() throws {
        let r = try record(format: .oggOpus)
        #expect(r.audio.sampleRate == 48000 || r.audio.sampleRate == 8000)
        #expect(tone(r, 0) == 700 && tone(r, 1) == 1100)
        #expect(abs(r.audio.durationSeconds - r.durationSeconds) < 0.05)
    }

    @Test func monoMixesBothSides() throws {
        let r = try record(channels: .mono)
        #expect(r.audio.channels.count == 1)
        let mixed = r.audio.slice(channel: 0, from: 1, to: 7)
        let p700 = ToneAnalysis.power(mixed, frequency: 700, sampleRate: 8000)
        let p1100 = ToneAnalysis.power(mixed, frequency: 1100, sampleRate: 8000)
        let p900 = ToneAnalysis.power(mixed, frequency: 900, sampleRate: 8000)
        #expect(p700 > 100 * p900 && p1100 > 100 * p900)
        #expect((r.json["Audio"] as? [String: Any])?["ChannelRoles"] as? [String] == ["mixed"])
    }

    @Test func separateFilesOnePerSide() throws {
        let r = try record(channels: .separate)
        let audio = try #require(r.json["Audio"] as? [String: Any])
        #expect(audio["File"] == nil)
        let files = try #require(audio["Files"] as? [[String: Any]])
        #expect(files.map { $0["Role"] as? String } == ["caller", "callee"])
        #expect(files.allSatisfy { ($0["Sha256"] as? String)?.count == 64 })
        #expect(tone(r, 0) == 700 && tone(r, 1) == 1100)
    }

    @Test func oneSideOnly() throws {
        let r = try record(side: .only("callee"))
        #expect(r.audio.channels.count == 1)
        #expect(tone(r, 0) == 1100)
        #expect((r.json["Audio"] as? [String: Any])?["ChannelRoles"] as? [String] == ["callee"])
    }
}
