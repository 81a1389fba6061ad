import CalltapTestSupport
import Engine
import Testing

/// Recordings of calls made here between two SIPp peers on loopback, each side sending a known
/// tone (captures/README.md, "Captures made here").
@Suite struct SIPpCaptureTests {
    func dominant(_ r: RecordedCall, channel: Int, from: Double, to: Double) -> Double {
        ToneAnalysis.dominantFrequency(r.audio.slice(channel: channel, from: from, to: to), sampleRate: r.audio.sampleRate)
    }

    /// Caller's tone on the left, callee's on the right, over the middle of the call.
    func expectTones(_ capture: String, caller: Double, callee: Double, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let replay = try EngineReplay(capture)
        #expect(replay.summary.calls == 1, sourceLocation: sourceLocation)
        let r = try #require(replay.recordings.first, sourceLocation: sourceLocation)
        #expect(replay.recordings.count == 1, sourceLocation: sourceLocation)
        let d = r.audio.durationSeconds
        #expect(d > 4, sourceLocation: sourceLocation)
        #expect(dominant(r, channel: 0, from: 1, to: d - 1) == caller, sourceLocation: sourceLocation)
        #expect(dominant(r, channel: 1, from: 1, to: d - 1) == callee, sourceLocation: sourceLocation)
        #expect(r.endReason == "bye", sourceLocation: sourceLocation)
        #expect(r.streams.allSatisfy { ($0["Lost"] as? Int) == 0 }, sourceLocation: sourceLocation)
    }

    @Test func muLawCallHasEachSidesToneInItsChannel() throws {
        try expectTones("sipp-g711-tones.pcap", caller: 700, callee: 1100)
    }

    @Test func aLawCallHasEachSidesToneInItsChannel() throws {
        try expectTones("sipp-pcma-tones.pcap", caller: 500, callee: 1300)
    }

    @Test func vlanTaggedCallDecodesTheSame() throws {
        try expectTones("sipp-g711-tones-vlan.pcap", caller: 700, callee: 1100)
    }

    @Test func qinqTaggedCallDecodesTheSame() throws {
        try expectTones("sipp-g711-tones-qinq.pcap", caller: 700, callee: 1100)
    }

    @Test func ipv6CallDecodesTheSame() throws {
        try expectTones("sipp-g711-tones-ipv6.pcap", caller: 700, callee: 1100)
    }

    @Test func durationIsTheMediaSpanUpToTheBye() throws {
        let replay = try EngineReplay("sipp-g711-tones.pcap")
        let r = try #require(replay.recordings.first)
        let reader = try CaptureFileReader(path: RepositoryPaths.capture("sipp-g711-tones.pcap"))
        let firstRTP = reader.packets.filter { $0.payload.count == 172 }.map(\.nanos).min()!
        let bye = reader.packets.first { $0.payload.starts(with: Array("BYE ".utf8)) }!.nanos
        #expect(abs(r.audio.durationSeconds - Double(bye - firstRTP) / 1e9) < 0.001)
    }

    @Test func twentyCallsAnsweredFromOnePortEachKeepTheirCallersTone() throws {
        let replay = try EngineReplay("sipp-20-calls-one-port.pcap")
        #expect(replay.summary.calls == 20)
        #expect(replay.recordings.count == 20)
        var callerTones: [Double] = []
        for r in replay.recordings {
            let d = r.audio.durationSeconds
            #expect(r.streams.count == 2)
            callerTones.append(dominant(r, channel: 0, from: 1, to: d - 1))
            #expect(dominant(r, channel: 1, from: 1, to: d - 1) == 2000)
            // No other call's tone leaks in: the caller's channel is one clean tone.
            let left = r.audio.slice(channel: 0, from: 1, to: d - 1)
            let tone = ToneAnalysis.power(left, frequency: callerTones.last!, sampleRate: 8000)
            for other in stride(from: 400.0, through: 1350, by: 50) where other != callerTones.last! {
                #expect(ToneAnalysis.power(left, frequency: other, sampleRate: 8000) < tone / 100)
            }
        }
        #expect(callerTones.sorted() == Array(stride(from: 400.0, through: 1350, by: 50)))
    }

    @Test func holdIsSilenceOfItsLength() throws {
        let replay = try EngineReplay("sipp-hold.pcap")
        let r = try #require(replay.recordings.first)
        #expect(replay.recordings.count == 1)
        for channel in 0..<2 {
            let silent = ToneAnalysis.silentIntervals(r.audio.channels[channel], sampleRate: r.audio.sampleRate, minimumSeconds: 1)
            // One silence of about 3 s in the middle of the call, audio on both sides of it.
            let hold = try #require(silent.first { $0.start > 1 }, "channel \(channel): \(silent)")
            #expect(hold.end - hold.start > 2.5 && hold.end - hold.start < 3.6, "\(hold)")
            #expect(dominant(r, channel: channel, from: 0.5, to: hold.start - 0.2) == (channel == 0 ? 700 : 1100))
            #expect(dominant(r, channel: channel, from: hold.end + 0.2, to: r.audio.durationSeconds - 0.2) == (channel == 0 ? 700 : 1100))
        }
        #expect(r.endReason == "bye")
    }

    @Test func earlyMediaIsRecordedFromItsFirstPacket() throws {
        let replay = try EngineReplay("sipp-early-media.pcap")
        let r = try #require(replay.recordings.first)
        // The callee's early media opens the recording; the caller joins about 2 s later.
        #expect(dominant(r, channel: 1, from: 0.1, to: 1.5) == 1100)
        #expect(ToneAnalysis.rms(r.audio.slice(channel: 0, from: 0, to: 1.5)) < 64)
        #expect(dominant(r, channel: 0, from: 2.5, to: r.audio.durationSeconds - 0.5) == 700)
    }

    @Test func aCallWithoutByeEndsAtItsLastAudioOnTimeout() throws {
        let replay = try EngineReplay("sipp-no-bye.pcap") { $0.idleTimeoutSeconds = 2 }
        let r = try #require(replay.recordings.first)
        #expect(r.endReason == "timeout")
        // No silent tail: the last 100 ms still hold a tone on some channel.
        let d = r.audio.durationSeconds
        #expect(max(ToneAnalysis.rms(r.audio.slice(channel: 0, from: d - 0.1, to: d)),
                    ToneAnalysis.rms(r.audio.slice(channel: 1, from: d - 0.1, to: d))) > 1000)
        // Without the short timeout the capture ends first.
        let atEnd = try EngineReplay("sipp-no-bye.pcap")
        #expect(atEnd.recordings.first?.endReason == "shutdown")
    }
}
