import CalltapTestSupport
import Engine
import Testing

/// Wideband and compressed codecs from the public captures, checked against an independent decode
/// of the same payloads by the reference libraries (spandsp, bcg729, libopus called directly).
@Suite struct CodecCaptureTests {
    enum Reference {
        case g722, g729, opus
    }

    /// Every stream of the recording: its packets, decoded by the reference, stand sample for
    /// sample at their place in their channel.
    func expectReferenceDecode(_ capture: String, _ reference: Reference, sampleRate: Int,
                               sourceLocation: SourceLocation = #_sourceLocation) throws -> RecordedCall {
        let replay = try EngineReplay(capture)
        #expect(replay.recordings.count == 1, sourceLocation: sourceLocation)
        let r = try #require(replay.recordings.first, sourceLocation: sourceLocation)
        #expect(r.audio.sampleRate == sampleRate, sourceLocation: sourceLocation)
        let reader = try CaptureFileReader(path: RepositoryPaths.capture(capture))
        let byStream = r.streams.map { s in
            reader.rtp(source: s["Source"] as! String, destination: s["Destination"] as! String,
                       ssrc: UInt32(String((s["Ssrc"] as! String).dropFirst(2)), radix: 16)!)
        }
        let start = byStream.compactMap { $0.first?.nanos }.min()!
        for (s, packets) in zip(r.streams, byStream) {
            #expect(packets.count == s["Packets"] as? Int, sourceLocation: sourceLocation)
            let payloads = packets.map { Array($0.payload[12...]) }
            let decoded: [[Int16]]
            let unitsToSamples: Double
            switch reference {
            case .g722: decoded = ReferenceCodec.referenceDecodeG722Packets(payloads); unitsToSamples = Double(sampleRate) / 8000
            case .g729: decoded = ReferenceCodec.referenceDecodeG729Packets(payloads); unitsToSamples = Double(sampleRate) / 8000
            case .opus: decoded = ReferenceCodec.referenceDecodeOpusPackets(payloads, sampleRate: sampleRate); unitsToSamples = Double(sampleRate) / 48000
            }
            let outcome = PlacementCheck.check(packets: packets, decoded: decoded, recordingStartNanos: start,
                                               channel: r.audio.channels[s["Channel"] as! Int], sampleRate: sampleRate,
                                               samplesPerTimestampUnit: unitsToSamples,
                                               firstPacketsLateMs: s["FirstPacketsLateMs"] as? Double ?? 0)
            #expect(outcome.matchedFraction >= 0.99, "stream \(s["Ssrc"]!): \(outcome.matchedFraction)", sourceLocation: sourceLocation)
            #expect(s["Decoded"] as? Bool == true, sourceLocation: sourceLocation)
        }
        return r
    }

    @Test func g722IsDecodedAt16kHz() throws {
        _ = try expectReferenceDecode("sip-rtp-g722.pcap", .g722, sampleRate: 16000)
    }

    @Test func g729IsDecoded() throws {
        _ = try expectReferenceDecode("sip-rtp-g729a.pcap", .g729, sampleRate: 8000)
    }

    @Test func opusIsDecodedAtTheFilesRate() throws {
        _ = try expectReferenceDecode("sip-rtp-opus.pcap", .opus, sampleRate: 16000)
        let twoWay = try expectReferenceDecode("invite-opus-bye.pcap", .opus, sampleRate: 16000)
        #expect(twoWay.streams.count == 2)
    }

    @Test func aCodecSwitchContinuesTheSameFile() throws {
        for (capture, codecs) in [("codec-negotiation.pcap", ["PCMU/8000", "G722/8000"]),
                                  ("register-invite-reinvite-bye.pcap", ["PCMU/8000", "opus/48000"])] {
            let replay = try EngineReplay(capture)
            #expect(replay.recordings.count == 1, "\(capture)")
            let r = try #require(replay.recordings.first)
            #expect(Set(r.streams.flatMap { $0["Codecs"] as? [String] ?? [] }) == Set(codecs), "\(capture)")
            #expect(r.streams.allSatisfy { $0["Decoded"] as? Bool == true })
            #expect(replay.summary.notUsed["unsupportedCodec"] == nil)
            #expect(r.endReason == "bye")
        }
    }

    @Test func unsupportedCodecsAreNamed() throws {
        for (capture, name) in [("sip-rtp-gsm.pcap", "GSM"), ("sip-rtp-ilbc.pcap", "iLBC"), ("sip-rtp-speex.pcap", "speex"),
                                ("sip-rtp-g726.pcap", "G726")] {
            let replay = try EngineReplay(capture)
            #expect((replay.summary.notUsed["unsupportedCodec"] ?? 0) > 0)
            let notDecoded = replay.recordings.flatMap(\.streams).compactMap { $0["NotDecoded"] as? String }
            #expect(notDecoded.contains { $0.lowercased().contains(name.lowercased()) }, "\(notDecoded)")
            // Never noise: the channels of an undecoded call are silent.
            #expect(replay.recordings.allSatisfy { r in r.audio.channels.allSatisfy { ToneAnalysis.rms($0[...]) == 0 } })
        }
    }
}
