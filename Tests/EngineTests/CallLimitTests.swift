import CalltapTestSupport
import Engine
import Testing

/// `maxCalls` in a replay: a full call table keeps the calls that carry audio, gives up an
/// unanswered call without media for a new INVITE, and refuses (and counts) the rest.
@Suite struct CallLimitTests {
    /// One capture of several calls, each between its own pair of addresses.
    struct Calls {
        var pcap = CaptureFileWriter()

        mutating func call(_ id: String, _ n: Int, _ build: (inout SyntheticCall) -> Void) {
            var c = SyntheticCall(callID: id, caller: "10.0.1.\(n)", callee: "10.0.2.\(n)")
            c.pcap = pcap
            build(&c)
            pcap = c.pcap
        }

        func replay(maxCalls: Int) throws -> (ReplaySummary, [RecordedCall]) {
            var last = SyntheticCall()
            last.pcap = pcap
            return try last.replay { $0.maxCalls = maxCalls }
        }
    }

    func tone(_ r: RecordedCall, _ channel: Int, _ from: Double, _ to: Double) -> Double {
        ToneAnalysis.dominantFrequency(r.audio.slice(channel: channel, from: from, to: to), sampleRate: 8000)
    }

    @Test func aFullTableKeepsTheCallsWithAudioAndCountsWhatItGivesUpOrRefuses() throws {
        var capture = Calls()
        // Three calls fill the table: one rings and never gets an answer, two talk.
        capture.call("ring-0", 1) { $0.invite(0) }
        capture.call("talk-1", 2) { c in
            c.invite(0.05)
            c.response(0.1, "200 OK")
            c.media(from: 0, seconds: 0.2...2.2, hz: 700)
            c.media(from: 1, seconds: 0.2...2.2, hz: 1100)
            c.request(2.5, "BYE", cseq: 2)
        }
        capture.call("talk-2", 3) { c in
            c.invite(0.1)
            c.response(0.15, "200 OK")
            c.media(from: 0, seconds: 0.3...2.3, hz: 900)
            c.media(from: 1, seconds: 0.3...2.3, hz: 1300)
            c.request(2.6, "BYE", cseq: 2)
        }
        // The table is full: this INVITE takes the place of ring-0, which has no media. Then its
        // early media makes it a call to keep, though it is never answered.
        capture.call("early-1", 4) { c in
            c.invite(0.3)
            c.response(0.32, "183 Session Progress")
            c.media(from: 1, seconds: 0.4...0.9, hz: 500)
            c.request(1.0, "CANCEL", cseq: 1, toTag: nil)
            c.response(1.01, "487 Request Terminated", sdp: false)
        }
        // Nothing may go now: five INVITEs and one retransmission are refused.
        for n in 1...5 {
            capture.call("ring-\(n)", 10 + n) { c in
                c.invite(0.4 + Double(n) * 0.1)
                if n == 1 { c.invite(0.95) }
            }
        }
        // A refused call answered anyway: its answer matches no call, its RTP no call's SDP.
        capture.call("refused-1", 20) { c in
            c.invite(0.55)
            c.response(0.6, "200 OK")
            c.media(from: 0, seconds: 0.7...0.9, hz: 800)
        }
        // early-1 ended (cancelled) and lingers: it makes room for this call, which is recorded.
        capture.call("late-1", 5) { c in
            c.invite(1.2)
            c.response(1.3, "200 OK")
            c.media(from: 0, seconds: 1.4...2.4, hz: 600)
            c.media(from: 1, seconds: 1.4...2.4, hz: 1500)
            c.request(2.7, "BYE", cseq: 2)
        }

        let (summary, recordings) = try capture.replay(maxCalls: 3)

        // Calls the table took: ring-0 (then evicted), talk-1, talk-2, early-1, late-1.
        #expect(summary.calls == 5)
        #expect(summary.callsEvicted == 1)
        #expect(summary.notUsed["tooManyCalls"] == 7)   // ring-1…5, ring-1's retransmission, refused-1
        #expect(summary.notUsed["sipWithoutCall"] == 1)   // refused-1's 200
        #expect(summary.notUsed["rtpWithoutCall"] == 10)  // refused-1's 0.2 s of RTP
        // The calls with audio are recorded, by their sidecars; the refused and evicted are not.
        #expect(Set(recordings.map(\.callInstance)) == ["talk-1", "talk-2", "early-1", "late-1"])
        let byCall = Dictionary(uniqueKeysWithValues: recordings.map { ($0.callInstance, $0) })
        let talk1 = try #require(byCall["talk-1"]), talk2 = try #require(byCall["talk-2"])
        let early = try #require(byCall["early-1"]), late = try #require(byCall["late-1"])
        #expect(talk1.endReason == "bye" && talk2.endReason == "bye" && late.endReason == "bye")
        #expect(early.endReason == "cancel")
        #expect(tone(talk1, 0, 0.2, 1.8) == 700 && tone(talk1, 1, 0.2, 1.8) == 1100)
        #expect(tone(talk2, 0, 0.2, 1.8) == 900 && tone(talk2, 1, 0.2, 1.8) == 1300)
        #expect(tone(early, 1, 0.1, 0.4) == 500)
        #expect(tone(late, 0, 0.2, 0.8) == 600 && tone(late, 1, 0.2, 0.8) == 1500)
    }

    @Test func anInviteFloodKeepsTheTableAtItsLimitAndTheTalkingCallIsRecorded() throws {
        var capture = Calls()
        capture.call("talk", 1) { c in
            c.invite(0)
            c.response(0.05, "200 OK")
            c.media(from: 0, seconds: 0.1...3.1, hz: 700)
            c.media(from: 1, seconds: 0.1...3.1, hz: 1100)
            c.request(3.2, "BYE", cseq: 2)
        }
        // 300 unanswered INVITEs: each new one takes the place of the oldest; the talking call stays.
        for n in 0..<300 {
            capture.call("flood-\(n)", 2 + n % 250) { $0.invite(0.2 + Double(n) * 0.005) }
        }
        let (summary, recordings) = try capture.replay(maxCalls: 3)
        #expect(summary.calls == 301)
        #expect(summary.callsEvicted == 298)
        #expect(summary.notUsed["tooManyCalls"] == nil)
        let r = try #require(recordings.first)
        #expect(recordings.count == 1 && r.callInstance == "talk" && r.endReason == "bye")
        #expect(tone(r, 0, 0.2, 2.8) == 700 && tone(r, 1, 0.2, 2.8) == 1100)
    }
}
