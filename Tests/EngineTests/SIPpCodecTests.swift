import CalltapTestSupport
import Engine
import Testing

/// Calls made here with SIPp in G.722, G.729 and Opus, a tone per side (captures/README.md).
@Suite struct SIPpCodecTests {
    func tones(_ capture: String, sampleRate: Int, caller: Double, callee: Double, codec: String,
               sourceLocation: SourceLocation = #_sourceLocation) throws -> RecordedCall {
        let replay = try EngineReplay(capture)
        #expect(replay.recordings.count == 1, sourceLocation: sourceLocation)
        let r = try #require(replay.recordings.first, sourceLocation: sourceLocation)
        #expect(r.audio.sampleRate == sampleRate, sourceLocation: sourceLocation)
        let d = r.audio.durationSeconds
        for (channel, hz) in [(0, caller), (1, callee)] {
            let f = ToneAnalysis.dominantFrequency(r.audio.slice(channel: channel, from: 1, to: d - 1), sampleRate: sampleRate, step: 5)
            #expect(f == hz, "\(capture) channel \(channel): \(f) Hz", sourceLocation: sourceLocation)
        }
        #expect(r.streams.allSatisfy { ($0["Codecs"] as? [String])?.contains(codec) == true && $0["Decoded"] as? Bool == true },
                sourceLocation: sourceLocation)
        #expect(replay.summary.notUsed["unsupportedCodec"] == nil, sourceLocation: sourceLocation)
        return r
    }

    @Test func g722() throws {
        _ = try tones("sipp-g722-tones.pcap", sampleRate: 16000, caller: 700, callee: 1100, codec: "G722/8000")
    }

    @Test func g722CarriesWidebandAudio() throws {
        // 5 kHz exists only above the 4 kHz a narrowband recording could hold.
        _ = try tones("sipp-g722-wideband-tones.pcap", sampleRate: 16000, caller: 700, callee: 5000, codec: "G722/8000")
    }

    @Test func g729() throws {
        _ = try tones("sipp-g729-tones.pcap", sampleRate: 8000, caller: 700, callee: 1100, codec: "G729/8000")
    }

    @Test func opusMonoAndStereo() throws {
        let r = try tones("sipp-opus-tones.pcap", sampleRate: 16000, caller: 700, callee: 1100, codec: "opus/48000")
        // The callee's stream wraps its sequence number and timestamp at 4 s: no loss, no gap.
        #expect(r.streams.allSatisfy { ($0["Lost"] as? Int) == 0 })
        let silent = ToneAnalysis.silentIntervals(r.audio.channels[1], sampleRate: 16000, minimumSeconds: 0.05)
        #expect(silent.filter { $0.start > 0.5 && $0.end < r.audio.durationSeconds - 0.5 }.isEmpty, "\(silent)")
    }

    @Test func reinviteFromG711ToG722ContinuesTheNarrowbandFile() throws {
        let replay = try EngineReplay("sipp-g711-to-g722-reinvite.pcap")
        #expect(replay.recordings.count == 1)
        let r = try #require(replay.recordings.first)
        // The first SDPs allow PCMU only: the file opens at 8 kHz and the G.722 that the re-INVITE
        // brings is resampled into it.
        #expect(r.audio.sampleRate == 8000)
        #expect(Set(r.streams.flatMap { $0["Codecs"] as? [String] ?? [] }) == ["PCMU/8000", "G722/8000"])
        for (channel, hz) in [(0, 700.0), (1, 1100.0)] {
            #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: channel, from: 0.5, to: 2.8), sampleRate: 8000) == hz)
            #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: channel, from: 3.3, to: 5.8), sampleRate: 8000) == hz)
            // No gap at the switch (3.0 s).
            let silent = ToneAnalysis.silentIntervals(r.audio.channels[channel], sampleRate: 8000, minimumSeconds: 0.04)
            #expect(silent.filter { $0.start > 0.3 && $0.end < 5.8 }.isEmpty, "channel \(channel): \(silent)")
        }
    }

    @Test func impairedStreamIsCountedAsThePlanSays() throws {
        let replay = try EngineReplay("sipp-pcmu-loss-jitter.pcap")
        let r = try #require(replay.recordings.first)
        let caller = try #require(r.streams.first { ($0["Channel"] as? Int) == 0 })
        // The plan: 12 dropped, 4 duplicated, 5 reordered (captures/README.md).
        #expect(caller["Lost"] as? Int == 12)
        #expect(caller["Duplicated"] as? Int == 4)
        #expect(caller["OutOfOrder"] as? Int == 5)
        #expect(replay.summary.notUsed["duplicate"] == 4)
        // The file is as long as the call, and the tone sits in each side's channel.
        #expect(abs(r.audio.durationSeconds - r.durationSeconds) < 0.001)
        #expect(r.audio.durationSeconds > 7.9)
        #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: 0, from: 1, to: 7), sampleRate: 8000) == 700)
        // Twelve lost packets are silence (no concealment for G.711): 9 gaps, as 1081–1083 (60 ms)
        // and 1250–1251 (40 ms) are runs.
        // (Any 10 ms analysis block that is all silence: a 20 ms gap always holds one.)
        let silent = ToneAnalysis.silentIntervals(r.audio.channels[0], sampleRate: 8000, minimumSeconds: 0.01)
        let inside = silent.filter { $0.start > 0.1 && $0.end < r.audio.durationSeconds - 0.1 }
        #expect(inside.count == 9, "\(inside)")
        #expect(inside.contains { abs(($0.end - $0.start) - 0.06) < 0.011 })
        #expect(inside.contains { abs(($0.end - $0.start) - 0.04) < 0.011 })
    }
}
