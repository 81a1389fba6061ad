import CalltapTestSupport
import Engine
import Media
import Testing

/// Recordings of the public captures in captures/ (provenance in captures/README.md).
@Suite struct PublicCaptureTests {
    /// Each sidecar stream's packets, read independently from the capture, stand decoded in the
    /// stream's channel at the place their capture time and RTP timestamps give.
    func expectPlacement(_ recording: RecordedCall, capture: String, minimum: Double = 0.99, afterEnd: Int = 0,
                         sourceLocation: SourceLocation = #_sourceLocation) throws {
        let reader = try CaptureFileReader(path: RepositoryPaths.capture(capture))
        let streams = recording.streams
        let packetsByStream = streams.map { s in
            reader.rtp(source: s["Source"] as! String, destination: s["Destination"] as! String,
                       ssrc: UInt32(String((s["Ssrc"] as! String).dropFirst(2)), radix: 16)!)
        }
        // The recording starts at the call's first RTP packet.
        let start = packetsByStream.compactMap { $0.first?.nanos }.min()!
        for (s, all) in zip(streams, packetsByStream) {
            // RTP after the BYE is counted by the engine, not recorded.
            let packets = Array(all.prefix(s["Packets"] as! Int))
            #expect(all.count - packets.count <= afterEnd, sourceLocation: sourceLocation)
            let codec = (s["Codecs"] as? [String])?.first ?? ""
            let expand = codec.hasPrefix("PCMA") ? G711.expandALaw : G711.expandMuLaw
            // Only the G.711 packets are audio (not comfort noise, not telephone-events).
            let audioType: UInt8 = codec.hasPrefix("PCMA") ? 8 : 0
            let audible = packets.filter { p in p.payload.count > 12 && p.payload[1] & 0x7F == audioType }
            let outcome = PlacementCheck.check(packets: audible, recordingStartNanos: start,
                                               channel: recording.audio.channels[s["Channel"] as! Int],
                                               firstPacketsLateMs: s["FirstPacketsLateMs"] as? Double ?? 0, expand: expand)
            #expect(outcome.matchedFraction >= minimum, "stream \(s["Ssrc"]!) placed \(outcome.matchedFraction)",
                    sourceLocation: sourceLocation)
            // Every place where the samples had to be found again is a re-anchor the sidecar counts.
            #expect(outcome.reanchors <= s["Reanchored"] as! Int, sourceLocation: sourceLocation)
        }
    }

    @Test func twoWayPCMACallWithEarlyMedia() throws {
        let replay = try EngineReplay("nb6-telephone.pcap")
        #expect(replay.summary.calls == 1)
        #expect(replay.recordings.count == 1)
        let r = try #require(replay.recordings.first)
        #expect(r.streams.count == 2)
        #expect(Set(r.streams.map { $0["Channel"] as! Int }) == [0, 1])
        #expect(r.endReason == "bye")
        #expect(r.metadata["callinstance"] == r.callInstance)
        #expect(r.metadata["ani"] != "" && r.metadata["dnis"] != "")
        try expectPlacement(r, capture: "nb6-telephone.pcap", afterEnd: replay.summary.notUsed["afterCallEnd"] ?? 0)
        // Both parties are audible in their own channel.
        #expect(ToneAnalysis.rms(r.audio.channels[0][...]) > 50)
        #expect(ToneAnalysis.rms(r.audio.channels[1][...]) > 50)
    }

    @Test func oneWayCallsLeaveTheOtherChannelSilent() throws {
        let replay = try EngineReplay("sip-rtp-g711.pcap")
        #expect(replay.summary.calls == 2)
        #expect(replay.recordings.count == 2)
        for r in replay.recordings {
            #expect(r.streams.count == 1)
            let channel = try #require(r.streams.first?["Channel"] as? Int)
            #expect(ToneAnalysis.rms(r.audio.channels[1 - channel][...]) == 0)
            #expect(ToneAnalysis.rms(r.audio.channels[channel][...]) > 50)
            try expectPlacement(r, capture: "sip-rtp-g711.pcap")
        }
        let packets = replay.recordings.map { $0.streams[0]["Packets"] as! Int }.sorted()
        #expect(packets == [414, 425])
    }

    @Test func callWithLargeJitterAndNoBye() throws {
        let replay = try EngineReplay("SIP_CALL_RTP_G711.pcap")
        // The two SIP calls, and two calls known only from their media.
        #expect(replay.summary.calls == 4)
        #expect(replay.recordings.count == 3)
        let r = try #require(replay.recording("12013223@200.57.7.195"))
        #expect(r.json["Signalling"] == nil)
        #expect(r.streams.map { $0["Packets"] as! Int }.sorted() == [548, 891])
        // No BYE: the capture ends and so does the recording, at its last audio.
        #expect(r.endReason == "shutdown")
        // The direction with 5.8 s gaps is re-anchored where its timestamps and capture times part.
        try expectPlacement(r, capture: "SIP_CALL_RTP_G711.pcap", minimum: 0.99)
        // 200.57.7.196 relays the call to a gateway (200.57.7.199) whose leg no SIP in the capture
        // describes; tshark's RTP heuristic finds the same streams. It is recorded as a call of
        // its own, every packet from the first, and so is a 6-packet stream of another gateway.
        let gateway = try #require(replay.recordings.first { $0.callInstance.hasPrefix("rtp:200.57.7.196:40378-200.57.7.199:4800@") })
        #expect(gateway.json["Signalling"] as? String == "none")
        #expect(gateway.streams.map { $0["Packets"] as! Int }.sorted() == [548, 891])
        #expect(gateway.streams.allSatisfy { $0["Lost"] as? Int == 0 })
        #expect(gateway.endReason == "shutdown")
        try expectPlacement(gateway, capture: "SIP_CALL_RTP_G711.pcap", minimum: 0.99)
        let short = try #require(replay.recordings.first { $0.callInstance.hasPrefix("rtp:200.57.7.196:40362-200.57.7.202:30000@") })
        #expect(short.streams.map { $0["Packets"] as! Int } == [6])
        #expect(replay.summary.notUsed["rtpWithoutCall"] == nil)
    }

    @Test func lateOfferThroughAMediaAnchoringPBX() throws {
        // The offer is in the 200 OK and the answer in the ACK; the PBX sends and receives at
        // one address for both parties. The first stream is matched only by its source, and is
        // put on the right side once its reverse shows up.
        let replay = try EngineReplay("SIP_DTMF2.cap")
        #expect(replay.recordings.count == 1)
        let r = try #require(replay.recordings.first)
        #expect(Set(r.streams.map { $0["Channel"] as! Int }) == [0, 1])
        try expectPlacement(r, capture: "SIP_DTMF2.cap", minimum: 0.99)
        // RFC 2833 events are not audio.
        #expect(replay.summary.notUsed["telephoneEvent"] == 35)
    }

    @Test func comfortNoiseIsSilenceNotABurst() throws {
        let replay = try EngineReplay("rtp-protocol.pcap")
        let r = try #require(replay.recordings.first)
        #expect(replay.recordings.count == 1)
        #expect((replay.summary.notUsed["comfortNoise"] ?? 0) > 0)
        try expectPlacement(r, capture: "rtp-protocol.pcap")
        // From each comfort-noise packet to the next audio packet of its stream, the channel is
        // exactly silent: the noise description is never decoded as sound.
        let reader = try CaptureFileReader(path: RepositoryPaths.capture("rtp-protocol.pcap"))
        func ts(_ p: CaptureFileReader.UDPPacket) -> UInt32 {
            UInt32(p.payload[4]) << 24 | UInt32(p.payload[5]) << 16 | UInt32(p.payload[6]) << 8 | UInt32(p.payload[7])
        }
        let byStream = r.streams.map { s in
            reader.rtp(source: s["Source"] as! String, destination: s["Destination"] as! String,
                       ssrc: UInt32(String((s["Ssrc"] as! String).dropFirst(2)), radix: 16)!)
        }
        let start = byStream.compactMap { $0.first?.nanos }.min()!
        var silences = 0
        for (s, packets) in zip(r.streams, byStream) where (s["Codecs"] as? [String])?.contains("CN/8000") == true {
            #expect(s["Reanchored"] as? Int == 0)
            let channel = r.audio.channels[s["Channel"] as! Int]
            let first = try #require(packets.first)
            // Where the stream's first packet lies: its capture time, less how late it came.
            let late = Int(((s["FirstPacketsLateMs"] as? Double ?? 0) * 8).rounded())
            let base = Int((first.nanos - start) * 8000 / 1_000_000_000) - late
            for (cn, next) in zip(packets, packets.dropFirst()) where cn.payload[1] & 0x7F == 13 && next.payload[1] & 0x7F != 13 {
                let from = base + Int(Int32(bitPattern: ts(cn) &- ts(first)))
                let to = min(channel.count, base + Int(Int32(bitPattern: ts(next) &- ts(first))))
                guard from >= 0, to > from else { continue }
                #expect(channel[from..<to].allSatisfy { $0 == 0 }, "sound at \(Double(from) / 8000) s after comfort noise")
                silences += 1
            }
        }
        #expect(silences > 0)
    }

    @Test func callsWithoutMediaGiveNoRecording() throws {
        for capture in ["sip-proxy.pcap", "DTMFsipinfo.pcap", "sip_ipv6_udp.pcap", "erspan_sip_ipv4_udp.pcapng"] {
            let replay = try EngineReplay(capture)
            #expect(replay.summary.calls > 0, "\(capture)")
            #expect(replay.recordings.isEmpty, "\(capture)")
        }
    }

    @Test func unsupportedCodecsAreCountedAndNeverNoise() throws {
        let replay = try EngineReplay("sip-rtp-g726.pcap")
        #expect(replay.summary.calls == 8)
        #expect(replay.summary.notUsed["unsupportedCodec"] == 8 * 425)
        for r in replay.recordings {
            for s in r.streams {
                #expect(s["Decoded"] as? Bool == false)
                #expect((s["NotDecoded"] as? String)?.contains("G726") == true || (s["NotDecoded"] as? String)?.contains("g726") == true
                        || (s["NotDecoded"] as? String)?.contains("AAL2") == true)
            }
            #expect(r.audio.channels.allSatisfy { ToneAnalysis.rms($0[...]) == 0 })
        }
        let gsm = try EngineReplay("sip-rtp-gsm.pcap")
        #expect(gsm.summary.notUsed["unsupportedCodec"] == 425)
        #expect(gsm.recordings.allSatisfy { r in r.audio.channels.allSatisfy { ToneAnalysis.rms($0[...]) == 0 } })
    }

    @Test func encryptedMediaIsNamedNotDecodedIntoNoise() throws {
        // X-Lite with Zfone: the media path carries ZRTP, then SRTP in packets labelled PCMU.
        let replay = try EngineReplay("Asterisk_ZFONE_XLITE.pcap")
        let r = try #require(replay.recordings.first)
        #expect((replay.summary.notUsed["encrypted"] ?? 0) > 900)
        let encrypted = r.streams.filter { ($0["NotDecoded"] as? String)?.hasPrefix("encrypted") == true }
        #expect(encrypted.count == 2)
        // Only the few clear packets before the key agreement hold sound: under 1 % of the file.
        for channel in r.audio.channels {
            #expect(Double(channel.filter { $0 != 0 }.count) < 0.01 * Double(channel.count))
        }
    }
}
