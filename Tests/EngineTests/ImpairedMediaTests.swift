import CalltapTestSupport
import Engine
import Foundation
import Testing

/// Loss, jitter and reordering (the benchmark generator's `--loss` and `--jitter-ms`): the file keeps
/// the call's length, losses and reorderings are counted as the packets themselves show them.
@Suite struct ImpairedMediaTests {
    @Test func lossJitterAndReorderingAreCountedAndTheLengthKept() throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-impaired")
        let described = try GeneratedCapture(in: dir, name: "impaired", ["--calls", "4", "--seconds", "6", "--codec", "pcmu", "--jitter-ms", "30",
                                                                           "--loss", "0.04", "--seed", "11"]).calls

        var configuration = EngineConfiguration()
        configuration.storageRoot = dir + "/out"
        let summary = CaptureEngine(configuration: configuration).replay(try PcapSource.open(file: dir + "/impaired.pcap"))
        #expect(summary.recordings == 4)
        let recordings = try RecordedCall.all(under: dir + "/out")
        let reader = try CaptureFileReader(path: dir + "/impaired.pcap")
        var reordered = 0
        for call in described {
            let r = try #require(recordings.first { $0.callInstance == call["call_id"] as? String })
            // Length: from the call's first RTP packet to its BYE.
            let firstRTP = [call["caller"], call["callee"]].compactMap { ($0 as? [String: Any])?["rtp_first_capture"] as? Double }.min()!
            let bye = try #require(call["bye_time"] as? Double)
            #expect(abs(r.audio.durationSeconds - (bye - firstRTP)) < 0.002, "\(r.audio.durationSeconds) vs \(bye - firstRTP)")
            for s in r.streams {
                let packets = reader.rtp(source: s["Source"] as! String, destination: s["Destination"] as! String,
                                         ssrc: UInt32(String((s["Ssrc"] as! String).dropFirst(2)), radix: 16)!)
                // What the packets show: sequence numbers missing between the first and the last
                // seen (unwrapped), and packets older than one already seen.
                var unwrapped: [Int] = []
                var highest = -1
                var outOfOrder = 0
                for p in packets {
                    let seq = Int(p.payload[2]) << 8 | Int(p.payload[3])
                    var value = seq
                    if let last = unwrapped.last { value = last + Int(Int16(bitPattern: UInt16(truncatingIfNeeded: seq - last))) }
                    unwrapped.append(value)
                    if value < highest { outOfOrder += 1 } else { highest = value }
                }
                let missing = (unwrapped.max()! - unwrapped.min()! + 1) - Set(unwrapped).count
                #expect(s["Lost"] as? Int == missing)
                #expect(s["OutOfOrder"] as? Int == outOfOrder)
                reordered += outOfOrder
            }
            // Each side's tone is still the one in its channel.
            let callerHz = try #require((call["caller"] as? [String: Any])?["tone_hz"] as? Double)
            let calleeHz = try #require((call["callee"] as? [String: Any])?["tone_hz"] as? Double)
            let d = r.audio.durationSeconds
            #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: 0, from: 0.5, to: d - 0.5), sampleRate: 8000,
                                                   from: callerHz - 100, to: callerHz + 100) == callerHz)
            #expect(ToneAnalysis.dominantFrequency(r.audio.slice(channel: 1, from: 0.5, to: d - 0.5), sampleRate: 8000,
                                                   from: calleeHz - 100, to: calleeHz + 100) == calleeHz)
        }
        // 30 ms of jitter on 20 ms packets reorders some of them.
        #expect(reordered > 0)
    }
}
