import CalltapTestSupport
import Engine
import Testing

/// Corners of calls and streams, on captures built packet by packet.
@Suite struct CallEdgeCaseTests {
    func tone(_ r: RecordedCall, _ channel: Int, _ from: Double, _ to: Double) -> Double {
        ToneAnalysis.dominantFrequency(r.audio.slice(channel: channel, from: from, to: to), sampleRate: 8000)
    }

    @Test func cancelAfterEarlyMediaEndsAtTheCancel() throws {
        var c = SyntheticCall()
        c.invite(0)
        c.response(0.1, "183 Session Progress")
        c.media(from: 1, seconds: 0.2...2.2, hz: 1100)
        c.request(1.5, "CANCEL", cseq: 1, toTag: nil)
        c.response(1.51, "487 Request Terminated", sdp: false)
        let (summary, recordings) = try c.replay()
        let r = try #require(recordings.first)
        #expect(r.endReason == "cancel")
        // From the first early packet (0.2 s) to the CANCEL (1.5 s); media after it is counted.
        #expect(abs(r.audio.durationSeconds - 1.3) < 0.001)
        #expect(summary.notUsed["afterCallEnd"] == 34)   // the packet at 1.5 s itself came before the CANCEL
    }

    @Test func retryWithTheSameCallIDAfterARejectionIsRecorded() throws {
        var c = SyntheticCall()
        c.invite(0)
        c.response(0.05, "422 Session Interval Too Small", sdp: false)
        c.invite(0.2)
        c.response(0.3, "200 OK")
        c.media(from: 0, seconds: 0.4...2.4, hz: 700)
        c.request(2.5, "BYE", cseq: 3)
        let (summary, recordings) = try c.replay()
        #expect(summary.calls == 1)
        let r = try #require(recordings.first)
        #expect(r.endReason == "bye")
        #expect(tone(r, 0, 0.2, 1.8) == 700)
    }

    @Test func ssrcChangeSequenceWrapAndTimestampJumpKeepTheTimeline() throws {
        var c = SyntheticCall()
        c.invite(0)
        c.response(0.05, "200 OK")
        // Caller: sequence wraps at packet 10; SSRC changes at packet 100 (2 s) with a new random
        // timestamp base; at packet 150 (3 s) the timestamp jumps ahead by 10 s with no pause.
        c.media(from: 0, seconds: 0.1...4.1, hz: 700,
                sequence: { UInt16(truncatingIfNeeded: 65526 + $0) },
                timestamp: { i in i < 100 ? UInt32(i * 160) : (i < 150 ? 900_000 + UInt32(i * 160) : 980_000 + UInt32(i * 160)) },
                ssrc: { $0 < 100 ? 7 : 70 })
        c.request(4.2, "BYE", cseq: 2)
        let (_, recordings) = try c.replay()
        let r = try #require(recordings.first)
        let caller = r.streams.filter { ($0["Channel"] as? Int) == 0 }
        #expect(caller.count == 2)
        #expect(caller.allSatisfy { ($0["Lost"] as? Int) == 0 && ($0["Duplicated"] as? Int) == 0 })
        #expect(caller.map { $0["Packets"] as? Int } == [100, 100])
        #expect(caller.last?["Reanchored"] as? Int == 1)
        // One unbroken tone from 0 to 4 s: no gap at the wrap, the SSRC change or the jump.
        let silent = ToneAnalysis.silentIntervals(r.audio.channels[0], sampleRate: 8000, minimumSeconds: 0.02)
        #expect(silent.filter { $0.end < 4.0 }.isEmpty, "\(silent)")
        #expect(abs(r.audio.durationSeconds - 4.1) < 0.001)
    }

    @Test func timeGoingBackwardsIsCountedAndTakenAsThePreviousTime() throws {
        var c = SyntheticCall()
        c.invite(0)
        c.response(0.05, "200 OK")
        c.media(from: 0, seconds: 0.1...2.1, hz: 700, captureTime: { i in i == 50 ? 0.5 : 0.1 + Double(i) * 0.02 })
        c.request(2.2, "BYE", cseq: 2)
        let (summary, recordings) = try c.replay(inTimeOrder: false)
        #expect(summary.timeWentBackwards == 1)
        #expect(recordings.count == 1)
        #expect(tone(try #require(recordings.first), 0, 0.2, 1.9) == 700)
    }

    @Test func aForwardJumpOfDaysEndsTheCallInsteadOfCrashing() throws {
        var c = SyntheticCall()
        c.invite(0)
        c.response(0.05, "200 OK")
        // 2 s of media, then the capture clock leaps 30 days and the stream goes on.
        c.media(from: 0, seconds: 0.1...4.1, hz: 700, captureTime: { i in 0.1 + Double(i) * 0.02 + (i >= 100 ? 30 * 86400 : 0) })
        let (summary, recordings) = try c.replay()
        let r = try #require(recordings.first)
        #expect(r.endReason == "timeout")
        #expect(abs(r.audio.durationSeconds - 2.0) < 0.001)
        #expect(summary.notUsed["afterCallEnd"] == 100)
    }

    @Test func srtpDeclaredInSDPIsNeverDecoded() throws {
        var c = SyntheticCall()
        c.transport = "RTP/SAVP"
        c.invite(0)
        c.response(0.05, "200 OK")
        // The payloads are a tone here, but the SDP says they are SRTP ciphertext: not decoded.
        c.media(from: 0, seconds: 0.1...1.1, hz: 700)
        c.request(1.2, "BYE", cseq: 2)
        let (summary, recordings) = try c.replay()
        #expect(summary.notUsed["encrypted"] == 50)
        let r = try #require(recordings.first)
        #expect((r.streams.first?["NotDecoded"] as? String)?.contains("SRTP") == true)
        #expect(r.audio.channels.allSatisfy { ToneAnalysis.rms($0[...]) == 0 })
    }

    /// RTCP from a call's RTCP ports (RTP's + 1) feeds the receiver reports of the stream it
    /// reports on, and is not audio; RTCP between other ports is counted as not used.
    @Test func rtcpGivesTheReceiverReportsOfTheStreamItReportsOn() throws {
        var c = SyntheticCall()
        c.invite(0)
        c.response(0.05, "200 OK")
        c.media(from: 0, seconds: 0.1...1.1, hz: 700)
        c.media(from: 1, seconds: 0.1...1.1, hz: 900)
        c.rtcp(0.5)
        c.rtcp(0.6, from: 1, about: 7, fractionLost: 26, jitter: 80)
        c.rtcp(1.0, from: 1, about: 7, fractionLost: 0, jitter: 40)
        c.pcap.udp(c.at(1.05), from: "10.0.0.9:7001", to: "10.0.0.1:9001", payload: [0x80, 201, 0, 1, 0, 0, 0, 9])
        c.request(1.2, "BYE", cseq: 2)
        let (summary, recordings) = try c.replay()
        #expect(summary.notUsed["rtcp"] == 1)
        let r = try #require(recordings.first)
        let callers = try #require(r.streams.first { $0["Ssrc"] as? String == "0x00000007" })
        #expect(r.streams.first { $0["Ssrc"] as? String == "0x00000008" }?["ReceiverReports"] == nil)
        let report = try #require(callers["ReceiverReports"] as? [String: Any])
        #expect(report["Reports"] as? Int == 2)
        #expect(report["FractionLostPercent"] as? Double == 0 && report["MaxFractionLostPercent"] as? Double == 10.16)
        #expect(report["JitterMs"] as? Double == 5 && report["MaxJitterMs"] as? Double == 10)
        #expect(report["CumulativeLost"] as? Int == 5)
        #expect(r.notUsed.isEmpty)
        #expect(abs(ToneAnalysis.dominantFrequency(r.audio.slice(channel: 0, from: 0.3, to: 0.9), sampleRate: r.audio.sampleRate) - 700) < 10)
    }

    @Test func holdOutlastsTheIdleTimeout() throws {
        // 3 s of hold with no RTP at all against a 1 s idle timeout: a call on hold is not dead.
        let replay = try EngineReplay("sipp-hold.pcap") { $0.idleTimeoutSeconds = 1 }
        #expect(replay.recordings.count == 1)
        let r = try #require(replay.recordings.first)
        #expect(r.endReason == "bye")
        #expect(r.audio.durationSeconds > 8.5)
    }

    @Test func outputDoesNotDependOnTheNumberOfWorkers() throws {
        let one = try EngineReplay("sipp-20-calls-one-port.pcap") { $0.mediaWorkers = 1 }
        let three = try EngineReplay("sipp-20-calls-one-port.pcap") { $0.mediaWorkers = 3 }
        #expect(one.recordings.count == 20)
        #expect(one.summary.notUsed == three.summary.notUsed)
        for r in one.recordings {
            let other = try #require(three.recording(r.callInstance))
            #expect(r.audio.channels == other.audio.channels)
            #expect(r.json["Sha256"] as? String == other.json["Sha256"] as? String)
            #expect((r.json["Streams"] as? [[String: Any]])?.count == (other.json["Streams"] as? [[String: Any]])?.count)
        }
    }
}
