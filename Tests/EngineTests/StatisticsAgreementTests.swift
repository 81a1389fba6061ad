import CalltapTestSupport
import Foundation
import Testing

/// The sidecar's stream statistics agree with tshark's `-z rtp,streams` on the same packets
/// (tshark limited to the recording's span: RTP after the BYE is counted, not recorded), calls
/// known only from their media included.
@Suite struct StatisticsAgreementTests {
    struct TsharkStream {
        var source: String, destination: String, ssrc: String
        var packets: Int, lost: Int, maxJitterMs: Double
    }

    func tsharkStreams(_ capture: String, until epoch: Double) throws -> [TsharkStream] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tshark")
        // The heuristic finds RTP that no SDP in the capture describes, as calltap does.
        process.arguments = ["-r", capture, "-o", "rtp.heuristic_rtp:TRUE", "-2", "-R",
                             String(format: "frame.time_epoch <= %.6f", epoch), "-q", "-z", "rtp,streams"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let pattern = try NSRegularExpression(pattern:
            #"^\s*\S+\s+\S+\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(0x[0-9A-Fa-f]+)\s+.+?\s+(\d+)\s+(-?\d+)\s+\(-?[\d.]+%\)\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+([\d.]+)"#,
            options: [.anchorsMatchLines])
        return pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { m in
            func g(_ i: Int) -> String { String(text[Range(m.range(at: i), in: text)!]) }
            func endpoint(_ ip: String, _ port: String) -> String { ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)" }
            return TsharkStream(source: endpoint(g(1), g(2)), destination: endpoint(g(3), g(4)), ssrc: g(5).uppercased(),
                                packets: Int(g(6))!, lost: Int(g(7))!, maxJitterMs: Double(g(8))!)
        }
    }

    @Test(arguments: ["nb6-telephone.pcap", "SIP_CALL_RTP_G711.pcap", "sip-rtp-g711.pcap", "rtp-protocol.pcap",
                      "sipp-g711-tones.pcap", "sipp-hold.pcap", "sip-rtp-g722.pcap", "sip-rtp-g729a.pcap", "sip-rtp-opus.pcap"])
    func packetsLossAndJitterMatchTshark(capture: String) throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark"), "tshark is needed (make test installs it)")
        let replay = try EngineReplay(capture)
        #expect(!replay.recordings.isEmpty)
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for r in replay.recordings {
            let last = r.streams.compactMap { ($0["LastPacket"] as? String).flatMap(iso.date(from:)) }.max()!
            let reference = try tsharkStreams(RepositoryPaths.capture(capture), until: last.timeIntervalSince1970 + 0.0005)
            for s in r.streams {
                let ssrc = (s["Ssrc"] as! String).uppercased().replacingOccurrences(of: "0X", with: "0x")
                let match = reference.first { $0.source == s["Source"] as? String && $0.destination == s["Destination"] as? String
                    && $0.ssrc.replacingOccurrences(of: "0X", with: "0x") == ssrc }
                let t = try #require(match, "tshark has no stream \(ssrc) \(s["Source"]!) → \(s["Destination"]!) in \(capture)")
                #expect(abs(t.packets - (s["Packets"] as! Int)) <= 1, "\(capture) \(ssrc) packets")
                #expect(abs(t.lost - (s["Lost"] as! Int)) <= 1, "\(capture) \(ssrc) lost")
                #expect(abs(t.maxJitterMs - (s["MaxJitterMs"] as! Double)) <= 1, "\(capture) \(ssrc) max jitter \(t.maxJitterMs) vs \(s["MaxJitterMs"]!)")
            }
        }
    }
}
