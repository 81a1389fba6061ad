import CalltapTestSupport
import Testing

/// What the phones reported in RTCP, per stream in the sidecar (`ReceiverReports`): plain RTCP on
/// the port after RTP's, SRTCP decrypted with the sender's keys, and an SBC that relays reports.
@Suite struct RTCPReportTests {
    static func reports(_ r: RecordedCall) -> [String: [String: Any]] {
        var bySSRC: [String: [String: Any]] = [:]
        for s in r.streams {
            if let ssrc = s["Ssrc"] as? String, let reports = s["ReceiverReports"] as? [String: Any] { bySSRC[ssrc] = reports }
        }
        return bySSRC
    }

    /// Plain RTCP of two baresip phones. The expected values are tshark's decode of the same
    /// packets: `tshark -r captures/rtp-midcall.pcap -o rtcp.heuristic_rtcp:TRUE -Y rtcp.pt==200
    /// -T fields -e udp.srcport -e rtcp.ssrc.identifier -e rtcp.ssrc.fraction -e rtcp.ssrc.cum_nr
    /// -e rtcp.ssrc.jitter -e rtcp.ssrc.lsr -e rtcp.ssrc.dlsr`: from 20005 about 0xca93aca2
    /// jitter 7 (LSR 0), from 10007 about 0xae9ea474 jitter 5, LSR 3163577536, DLSR 65 — which
    /// echoes the sender report from 20005 captured 1.2 ms before it.
    @Test func plainReportsAreThoseTsharkReads() throws {
        let replay = try EngineReplay("rtp-midcall.pcap")
        let r = try #require(replay.recordings.first)
        let reports = Self.reports(r)
        #expect(reports.keys.sorted() == ["0xAE9EA474", "0xCA93ACA2"])
        let a = try #require(reports["0xCA93ACA2"]), b = try #require(reports["0xAE9EA474"])
        #expect(a["Reports"] as? Int == 1 && b["Reports"] as? Int == 1)
        #expect(a["JitterMs"] as? Double == 0.88 && b["JitterMs"] as? Double == 0.63)
        #expect(a["FractionLostPercent"] as? Double == 0 && a["CumulativeLost"] as? Int == 0)
        #expect(a["RoundTripMs"] == nil, "its report echoes no sender report")
        // 1.211 ms between the two packets in the capture, less DLSR 65/65536 s (0.992 ms).
        #expect(b["RoundTripMs"] as? Double == 0.22)
    }

    /// SRTCP of baresip phones decrypts with the keys of the sender's SDP: each stream has its
    /// receiver's report, and nothing fails authentication.
    @Test func srtcpReportsAreDecrypted() throws {
        for capture in ["srtp-sdes-80.pcap", "srtp-sdes-80-noise.pcap"] {
            let replay = try EngineReplay(capture)
            let r = try #require(replay.recordings.first)
            let reports = Self.reports(r)
            #expect(reports.count == 2, "\(capture): \(reports)")
            for (ssrc, report) in reports {
                let jitter = report["JitterMs"] as? Double ?? -1
                #expect(report["Reports"] as? Int == 1 && report["CumulativeLost"] as? Int == 0, "\(capture) \(ssrc)")
                #expect(jitter > 0 && jitter < 5, "\(capture) \(ssrc): jitter \(jitter) ms on loopback")
            }
            #expect(r.notUsed["srtcpAuthenticationFailed"] == nil)
        }
    }

    /// baresip tags its SRTCP with 32 bits under AES_CM_128_HMAC_SHA1_32, where RFC 4568 asks
    /// for 80 (captures/README.md): its report fails authentication, is counted and never read;
    /// rtpengine's, tagged with 80, is read.
    @Test func srtcpThatDoesNotAuthenticateIsCountedNotRead() throws {
        let replay = try EngineReplay("srtp-sdes-32.pcap")
        let r = try #require(replay.recordings.first)
        #expect(r.notUsed["srtcpAuthenticationFailed"] == 1)
        #expect(Self.reports(r).keys.sorted() == ["0x1D4E3087"], "only rtpengine's report, about bob's stream")
    }

    /// rtpengine keeps the SSRC of the stream it relays, so two streams carry 0xCA110000: the
    /// phone's SRTCP report goes to the SRTP leg it received, rtpengine's plain report to the
    /// plain leg (tshark: from 127.0.32.20:30001 about 0xca110000, jitter 2).
    @Test func aReportGoesToTheLegItsReporterReceives() throws {
        let replay = try EngineReplay("srtp-sbc-rtpengine.pcap")
        let r = try #require(replay.recordings.first)
        let onSSRC = r.streams.filter { $0["Ssrc"] as? String == "0xCA110000" }
        #expect(onSSRC.count == 2)
        for s in onSSRC {
            let report = s["ReceiverReports"] as? [String: Any]
            #expect(report?["Reports"] as? Int == 1, "\(s["Source"] ?? "") -> \(s["Destination"] ?? "")")
        }
        let plain = try #require(onSSRC.first { $0["Encryption"] == nil })
        #expect((plain["ReceiverReports"] as? [String: Any])?["JitterMs"] as? Double == 0.25)
    }
}
