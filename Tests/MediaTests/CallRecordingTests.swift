import CalltapTestSupport
import Foundation
import Testing
@testable import Media

@Suite struct CallRecordingTests {
    func makeRecording(_ dir: String, start: Int64 = 1_000_000_000_000) throws -> CallRecording {
        let setup = RecordingSetup(recordingIdentifier: "test", callInstance: "call@test", serverId: "t",
                                   startNanos: start, sampleRate: 8000, channelRoles: ["caller", "callee"],
                                   directory: dir, commitDelayNanos: 2_000_000_000,
                                   metadata: ["ani": "1"], payloadMaps: [PayloadMap([0: .pcmu]), PayloadMap([0: .pcmu])])
        let r = try CallRecording(setup: setup)
        r.addFlow(MediaFlow(channel: 0, source: "10.0.0.1:4000", destination: "10.0.0.2:5000"))
        r.addFlow(MediaFlow(channel: 1, source: "10.0.0.2:5000", destination: "10.0.0.1:4000"))
        return r
    }

    /// Sends `seconds` of a tone on `flow` as 20 ms packets, skipping the sequence numbers in `lose`.
    func send(_ r: CallRecording, flow: Int, frequency: Double, from startSeconds: Double, seconds: Double,
              firstSequence: Int = 0, lose: Set<Int> = [], start: Int64 = 1_000_000_000_000) throws {
        let packets = Int(seconds * 50)
        for i in 0..<packets where !lose.contains(i) {
            let samples = ToneSynthesis.sine(frequency: frequency, offset: i * 160, count: 160).map(ToneSynthesis.muLaw)
            let bytes = ToneSynthesis.rtp(payloadType: 0, sequence: UInt16(truncatingIfNeeded: firstSequence + i),
                                          timestamp: UInt32(i * 160), ssrc: UInt32(flow + 1), payload: samples)
            let nanos = start + Int64((startSeconds + Double(i) * 0.02) * 1e9)
            try bytes.withUnsafeBytes { try r.receive(flow: flow, packet: $0, captureNanos: nanos) }
            try r.advance(toNanos: nanos)
        }
    }

    @Test func eachDirectionLandsInItsChannelAtItsTime() throws {
        let dir = RepositoryPaths.temporaryDirectory()
        let r = try makeRecording(dir)
        try send(r, flow: 0, frequency: 700, from: 0, seconds: 4, lose: [50, 51, 52])
        try send(r, flow: 1, frequency: 1100, from: 1, seconds: 3)
        let result = try r.finish(RecordingEnd(endNanos: 1_000_000_000_000 + 5_000_000_000, reason: "bye", metadata: nil))
        let audio = try DecodedAudio(path: result.audioPaths[0])
        #expect(audio.sampleRate == 8000)
        #expect(audio.frames == 40000)   // ends at the BYE, 5 s after the first packet
        #expect(ToneAnalysis.dominantFrequency(audio.slice(channel: 0, from: 0.1, to: 0.9), sampleRate: 8000) == 700)
        #expect(ToneAnalysis.dominantFrequency(audio.slice(channel: 1, from: 1.5, to: 3.5), sampleRate: 8000) == 1100)
        // The callee had not started yet: its channel is silent for its first second.
        #expect(ToneAnalysis.rms(audio.slice(channel: 1, from: 0, to: 0.99)) == 0)
        // Three lost packets at 1.00–1.06 s are silence of their length on the caller's channel.
        let gaps = ToneAnalysis.silentIntervals(audio.channels[0], sampleRate: 8000, minimumSeconds: 0.05)
        #expect(gaps.count == 2)
        #expect(abs(gaps[0].start - 1.0) < 0.011 && abs(gaps[0].end - 1.06) < 0.011)
        #expect(abs(gaps[1].start - 4.0) < 0.011)   // tail after the caller stopped, up to the BYE
        let stream = try #require(result.sidecar.streams.first { $0.channel == 0 })
        #expect(stream.lost == 3)
        #expect(stream.packets == 197)
        #expect(result.sidecar.endReason == "bye")
        #expect(result.sidecar.audio.durationSeconds == 5)
        #expect(result.sidecar.sha256.count == 64)
        #expect(result.sidecar.metadata["ani"] == "1")
    }

    /// The worker asks a recording for its packets' lines a few records ahead, with whatever
    /// flow and length the record holds: that changes nothing the recording writes.
    @Test func fetchingAheadChangesNothingTheRecordingWrites() throws {
        var results: [RecordingResult] = []
        for fetching in [false, true] {
            let r = try makeRecording(RepositoryPaths.temporaryDirectory())
            let start: Int64 = 1_000_000_000_000
            for i in 0..<150 where i % 37 != 5 {
                // Two packets swap places every so often.
                let n = i % 11 == 3 ? i + 1 : i % 11 == 4 ? i - 1 : i
                for flow in 0..<2 {
                    if fetching {
                        for stage in [CallRecording.FetchStage.stream, .plane, .placement] {
                            for f in [-1, 0, 1, 2, 99] {
                                for bytes in [0, 12, 172, 5000] { r.fetchAhead(stage, flow: f, payloadBytes: bytes) }
                            }
                        }
                    }
                    let payload = ToneSynthesis.sine(frequency: flow == 0 ? 700 : 1100, offset: n * 160, count: 160)
                        .map(ToneSynthesis.muLaw)
                    let bytes = ToneSynthesis.rtp(payloadType: 0, sequence: UInt16(n), timestamp: UInt32(n * 160),
                                                  ssrc: UInt32(flow + 1), payload: payload)
                    let nanos = start + Int64(n) * 20_000_000 + Int64(flow) * 3_000_000
                    try bytes.withUnsafeBytes { try r.receive(flow: flow, packet: $0, captureNanos: nanos) }
                    try r.advance(toNanos: nanos)
                }
            }
            results.append(try r.finish(RecordingEnd(endNanos: nil, reason: "bye", metadata: nil)))
        }
        let plain = try DecodedAudio(path: results[0].audioPaths[0])
        #expect(ToneAnalysis.dominantFrequency(plain.slice(channel: 0, from: 0.5, to: 2.5), sampleRate: 8000) == 700)
        #expect(ToneAnalysis.dominantFrequency(plain.slice(channel: 1, from: 0.5, to: 2.5), sampleRate: 8000) == 1100)
        #expect(try Data(contentsOf: URL(fileURLWithPath: results[1].audioPaths[0]))
                == Data(contentsOf: URL(fileURLWithPath: results[0].audioPaths[0])))
        #expect(results[1].sidecar.sha256 == results[0].sidecar.sha256)
        #expect(results[1].sidecar.streams.map(\.packets) == results[0].sidecar.streams.map(\.packets))
        #expect(results[1].sidecar.streams.map(\.lost) == results[0].sidecar.streams.map(\.lost))
    }

    @Test func endingAtTheLastAudioAddsNoTail() throws {
        let dir = RepositoryPaths.temporaryDirectory()
        let r = try makeRecording(dir)
        try send(r, flow: 0, frequency: 700, from: 0, seconds: 2)
        let result = try r.finish(RecordingEnd(endNanos: nil, reason: "timeout", metadata: nil))
        let audio = try DecodedAudio(path: result.audioPaths[0])
        #expect(audio.frames == 16000)
    }

    @Test func aBlackoutSilencesWhatWasSaidInItWhenTheStreamRunsBehindCaptureTime() throws {
        let dir = RepositoryPaths.temporaryDirectory()
        let r = try makeRecording(dir)
        let start: Int64 = 1_000_000_000_000
        r.startBlackout(atNanos: start + 1_000_000_000, origin: "t")
        r.endBlackout(atNanos: start + 1_500_000_000, reason: "stopped")
        // Early media from another address on the caller's side: one packet at 0 s. The stream
        // after it cannot move (the two would move together).
        r.addFlow(MediaFlow(channel: 0, source: "10.0.0.9:6000", destination: "10.0.0.2:5000"))
        let early = ToneSynthesis.rtp(payloadType: 0, sequence: 0, timestamp: 0, ssrc: 7,
                                      payload: ToneSynthesis.sine(frequency: 700, offset: 0, count: 160).map(ToneSynthesis.muLaw))
        try early.withUnsafeBytes { try r.receive(flow: 2, packet: $0, captureNanos: start) }
        // Two seconds of a tone whose first three packets were held up in the network and arrive
        // together, 40 ms late: placed by timestamp from the first, the stream runs 40 ms behind
        // capture time, and what was captured up to the stop at 1.5 s lies up to 1.54 s.
        for i in 0..<100 {
            let samples = ToneSynthesis.sine(frequency: 700, offset: i * 160, count: 160).map(ToneSynthesis.muLaw)
            let bytes = ToneSynthesis.rtp(payloadType: 0, sequence: UInt16(i), timestamp: UInt32(i * 160), ssrc: 1, payload: samples)
            let nanos = start + Int64(max(i, 2)) * 20_000_000
            try bytes.withUnsafeBytes { try r.receive(flow: 0, packet: $0, captureNanos: nanos) }
            try r.advance(toNanos: nanos)
        }
        let result = try r.finish(RecordingEnd(endNanos: start + 2_000_000_000, reason: "bye", metadata: nil))
        let audio = try DecodedAudio(path: result.audioPaths[0])
        let silent = ToneAnalysis.silentIntervals(audio.channels[0], sampleRate: 8000, minimumSeconds: 0.005)
        #expect(silent.count == 2, "\(silent)")
        #expect(silent.first.map { abs($0.start - 0.02) < 0.001 && abs($0.end - 0.04) < 0.001 } == true, "\(silent)")
        // The blackout reaches `stopLagSeconds` (120 ms) past its stop, and no further.
        #expect(silent.last.map { abs($0.start - 1.0) < 0.001 && abs($0.end - 1.62) < 0.001 } == true, "\(silent)")
        let blackout = try #require(result.sidecar.blackouts.first)
        #expect(blackout.start == 1.0 && blackout.end == 1.62 && blackout.ended == "stopped")
    }

    /// The callee's first packets were held up on the way and came in one burst, 40 ms late (within
    /// the clock's tolerance) or 200 ms late (beyond it): the packets after them show it, and
    /// what was placed moves back to when it was sent. The channel is the tone sample for sample
    /// from 0.5 s to the BYE, in step with the caller's, and nothing is re-anchored or lost.
    @Test func aStreamWhoseFirstPacketsCameLateMovesToWhenTheyWereSent() throws {
        let start: Int64 = 1_000_000_000_000
        for held in [2, 10] {
            let dir = RepositoryPaths.temporaryDirectory()
            let r = try makeRecording(dir)
            for i in 0..<125 {
                let nanos = start + Int64(i) * 20_000_000
                let caller = ToneSynthesis.rtp(payloadType: 0, sequence: UInt16(i), timestamp: UInt32(i * 160), ssrc: 1,
                                               payload: ToneSynthesis.sine(frequency: 700, offset: i * 160, count: 160).map(ToneSynthesis.muLaw))
                try caller.withUnsafeBytes { try r.receive(flow: 0, packet: $0, captureNanos: nanos) }
                // The callee's packet k is sent at 0.5 s + k × 20 ms; the held ones come together
                // with the first sent on time.
                let j = i - 25
                if j >= held {
                    for k in (j == held ? 0 : j)...j {
                        let callee = ToneSynthesis.rtp(payloadType: 0, sequence: UInt16(k), timestamp: UInt32(9000 + k * 160), ssrc: 2,
                                                       payload: ToneSynthesis.sine(frequency: 1100, offset: k * 160, count: 160).map(ToneSynthesis.muLaw))
                        try callee.withUnsafeBytes { try r.receive(flow: 1, packet: $0, captureNanos: nanos) }
                    }
                }
                try r.advance(toNanos: nanos)
            }
            let result = try r.finish(RecordingEnd(endNanos: start + 2_500_000_000, reason: "bye", metadata: nil))
            let audio = try DecodedAudio(path: result.audioPaths[0])
            #expect(audio.frames == 20000)
            let expected = ToneSynthesis.sine(frequency: 1100, offset: 0, count: 16000).map { G711.muLawTable[Int(ToneSynthesis.muLaw($0))] }
            #expect(audio.channels[1][0..<4000].allSatisfy { $0 == 0 }, "held \(held)")
            let differing = (0..<16000).filter { audio.channels[1][4000 + $0] != expected[$0] }
            #expect(differing.isEmpty, "held \(held): \(differing.count) frames differ, first at \(differing.first ?? -1)")
            let callee = try #require(result.sidecar.streams.first { $0.channel == 1 })
            #expect(callee.reanchored == 0 && callee.lost == 0 && callee.packets == 100, "held \(held)")
        }
    }

    @Test func duplicatesAndReorderedPacketsAreHandled() throws {
        let dir = RepositoryPaths.temporaryDirectory()
        let r = try makeRecording(dir)
        let start: Int64 = 1_000_000_000_000
        // Sequence 0..99; packet 10 arrives after 11, packet 20 twice.
        var order = Array(0..<100)
        order.swapAt(10, 11)
        order.insert(20, at: 21)
        for (arrival, i) in order.enumerated() {
            let samples = ToneSynthesis.sine(frequency: 1000, offset: i * 160, count: 160).map(ToneSynthesis.muLaw)
            let bytes = ToneSynthesis.rtp(payloadType: 0, sequence: UInt16(i), timestamp: UInt32(i * 160), ssrc: 9, payload: samples)
            try bytes.withUnsafeBytes { try r.receive(flow: 0, packet: $0, captureNanos: start + Int64(arrival) * 20_000_000) }
        }
        let result = try r.finish(RecordingEnd(endNanos: nil, reason: "timeout", metadata: nil))
        let audio = try DecodedAudio(path: result.audioPaths[0])
        // The reordered packet fills its own place: no silent 20 ms anywhere in the tone.
        #expect(ToneAnalysis.silentIntervals(audio.channels[0], sampleRate: 8000, minimumSeconds: 0.015).isEmpty)
        #expect(audio.frames == 16000)
        let s = try #require(result.sidecar.streams.first)
        #expect(s.duplicated == 1 && s.outOfOrder == 1 && s.lost == 0)
        #expect(result.sidecar.notUsed["duplicate"] == 1)
    }
}
