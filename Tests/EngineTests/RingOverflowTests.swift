import CalltapTestSupport
import Engine
import Foundation
import Testing

/// Live, a worker that falls behind loses packets at its ring, never the capture thread: each lost
/// packet is counted once in the summary and, per stream, in the sidecar as `RingOverflow`, apart
/// from the network's `Lost`.
@Suite struct RingOverflowTests {
    @Test func packetsTheRingCouldNotTakeAreCountedPerStreamApartFromNetworkLoss() throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-overflow")
        let generated = try GeneratedCapture(in: dir, name: "calls", ["--calls", "20", "--seconds", "10", "--codec", "pcmu"])

        var configuration = EngineConfiguration()
        configuration.storageRoot = dir + "/out"
        configuration.mediaWorkers = 1
        // As live: a full ring drops. The smallest ring (64 units, 16 G.711 packets) read flat out
        // cannot keep up with the capture thread.
        configuration.dropWhenBehind = true
        configuration.ringBytes = 4096
        let summary = CaptureEngine(configuration: configuration).replay(try PcapSource.open(file: generated.path))
        #expect(summary.recordings == 20)
        let dropped = summary.notUsed["ringOverflow"] ?? 0
        #expect(dropped > 0)

        // What the capture holds of each stream, by SSRC.
        var inCapture: [String: Int] = [:]
        for call in generated.calls {
            for side in ["caller", "callee"] {
                let stream = call[side] as? [String: Any] ?? [:]
                let ssrc = String(format: "0x%08X", stream["ssrc"] as? Int ?? 0)
                inCapture[ssrc] = stream["rtp_packets_in_capture"] as? Int
            }
        }
        #expect(inCapture.count == 40)

        let recordings = try RecordedCall.all(under: dir + "/out")
        #expect(recordings.count == 20)
        var perStream = 0
        for recording in recordings {
            var inRecording = 0
            for stream in recording.streams {
                let ssrc = try #require(stream["Ssrc"] as? String)
                let overflow = try #require(stream["RingOverflow"] as? Int)
                let packets = try #require(stream["Packets"] as? Int)
                // Every packet of the capture was either received or counted as the ring's loss.
                #expect(packets + overflow == inCapture[ssrc], "\(ssrc)")
                inRecording += overflow
            }
            let notUsed = recording.json["NotUsed"] as? [String: Int] ?? [:]
            #expect(notUsed["ringOverflow", default: 0] == inRecording)
            perStream += inRecording
        }
        // Every dropped packet is in exactly one stream: none was lost twice or silently.
        #expect(perStream == dropped)
    }
}
