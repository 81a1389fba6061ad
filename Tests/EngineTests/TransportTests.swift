import CalltapTestSupport
import Engine
import Testing

/// Calls whose signalling travels over TCP, WebSocket and tunnels give the calls tshark sees.
@Suite struct TransportTests {
    @Test func sipOverTCPIsRecorded() throws {
        let replay = try EngineReplay("sip-over-tcp.pcap")
        #expect(replay.summary.calls == 1)
        #expect(replay.recordings.count == 1)
        #expect(replay.summary.notUsed["tcp"] == nil)
        let r = try #require(replay.recordings.first)
        #expect(r.streams.count == 2)
        #expect(r.endReason == "bye")
    }

    @Test func sippCallWithTCPSignallingHasItsTones() throws {
        let replay = try EngineReplay("sipp-tcp-tones.pcap")
        let r = try #require(replay.recordings.first)
        let d = r.audio.durationSeconds
        #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: 0, from: 1, to: d - 1), sampleRate: 8000) == 700)
        #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: 1, from: 1, to: d - 1), sampleRate: 8000) == 1100)
        #expect(r.endReason == "bye")
    }

    /// tshark's INVITE dialogs (distinct Call-IDs) in each capture.
    @Test(arguments: [("sip_ipv4_tcp_fragmented.pcap", 37), ("sip_tcp_websocket.pcap", 2), ("ipip.pcap", 1),
                      ("erspan_sip_ipv4_udp.pcapng", 3), ("ipv6frag.pcap", 1), ("sip_ipv6_udp.pcap", 1)])
    func callsMatchTshark(capture: String, calls: Int) throws {
        let replay = try EngineReplay(capture)
        #expect(replay.summary.calls == calls)
        #expect(replay.summary.notUsed["malformedSip"] == nil)
    }

    @Test func tcpRetransmissionsDoNotDoubleMessages() throws {
        // REGISTER, 401, REGISTER, 200 over TCP, the 200 retransmitted: no call, and nothing the
        // framing had to throw away.
        let replay = try EngineReplay("sip_ipv4_tcp_retrans.pcap")
        #expect(replay.summary.calls == 0)
        #expect(replay.summary.notUsed["malformedSip"] == nil)
    }
}
