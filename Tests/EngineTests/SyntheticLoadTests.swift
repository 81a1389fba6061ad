import CalltapTestSupport
import Engine
import Foundation
import Testing

/// Many concurrent calls from the benchmark's generator (Benchmarks/generate_capture.py): every
/// recording carries its own two tones, so no packet went to another call or channel.
@Suite struct SyntheticLoadTests {
    @Test func everyCallKeepsItsOwnTonesAcrossWorkers() throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-synthetic")
        let generated = try GeneratedCapture(in: dir, name: "load", ["--calls", "24", "--seconds", "4", "--codec", "pcma"])
        let capture = generated.path
        let described = generated.calls

        var configuration = EngineConfiguration()
        configuration.storageRoot = dir + "/out"
        configuration.mediaWorkers = 3
        let summary = CaptureEngine(configuration: configuration).replay(try PcapSource.open(file: capture))
        #expect(summary.calls == 24)
        #expect(summary.recordings == 24)
        #expect(summary.notUsed.isEmpty, "\(summary.notUsed)")
        let recordings = try RecordedCall.all(under: dir + "/out")
        for call in described {
            let id = call["call_id"] as? String ?? call["callId"] as? String ?? ""
            let r = try #require(recordings.first { $0.callInstance == id }, "no recording for \(id)")
            let caller = try #require((call["caller"] as? [String: Any])?["tone_hz"] as? Double ?? call["caller_hz"] as? Double)
            let callee = try #require((call["callee"] as? [String: Any])?["tone_hz"] as? Double ?? call["callee_hz"] as? Double)
            let d = r.audio.durationSeconds
            #expect(d > 3.9 && d < 4.2)
            for (channel, hz) in [(0, caller), (1, callee)] {
                let f = ToneAnalysis.dominantFrequency(r.audio.slice(channel: channel, from: 0.5, to: d - 0.5), sampleRate: 8000,
                                                       from: hz - 200, to: hz + 200, step: 5)
                #expect(f == hz, "call \(id) channel \(channel)")
                // No other call's tone leaks in: every other call's frequency on this side is 40 dB down.
                let slice = r.audio.slice(channel: channel, from: 0.5, to: d - 0.5)
                let own = ToneAnalysis.power(slice, frequency: hz, sampleRate: 8000)
                for other in described where (other["call_id"] as? String) != id {
                    let otherHz = ((other[channel == 0 ? "caller" : "callee"] as? [String: Any])?["tone_hz"] as? Double) ?? 0
                    #expect(ToneAnalysis.power(slice, frequency: otherHz, sampleRate: 8000) < own / 10_000, "call \(id) has \(otherHz) Hz")
                }
            }
        }
    }
}
