import CalltapTestSupport
import Testing

/// SRTP captures made here (captures/README.md, "SRTP captures made here"): baresip phones with
/// SDES keys, kamailio with rtpengine terminating SRTP, and calls written by an independent
/// RFC 3711/7714 implementation (captures/make/srtp/make_srtp_capture.py). Each side sends its
/// own tone; every half second of the talk must carry it, so that one noisy stretch (a packet
/// decrypted with a wrong key, or not decrypted) fails the test.
@Suite struct SRTPReplayTests {
    struct Expected: Sendable, CustomStringConvertible {
        var capture: String
        /// The tone of channel 0 (the caller's) and channel 1.
        var tones: (Double, Double)
        /// The suite of each encrypted stream; streams of a plain leg have none.
        var suite: String
        /// Packets of each stream, in the sidecar's order.
        var packets: [Int]
        /// Streams that are plain RTP (the SBC's inside leg).
        var plain: Int = 0
        /// Seconds of the capture in which both sides held the call and sent nothing.
        var hold: ClosedRange<Double>? = nil
        var description: String { capture }
    }

    static let calls: [Expected] = [
        Expected(capture: "srtp-sdes-80.pcap", tones: (440, 1000), suite: "AES_CM_128_HMAC_SHA1_80", packets: [335, 335]),
        Expected(capture: "srtp-sdes-32.pcap", tones: (520, 1080), suite: "AES_CM_128_HMAC_SHA1_32", packets: [335, 335]),
        Expected(capture: "srtp-sdes-gcm128.pcap", tones: (560, 1160), suite: "AEAD_AES_128_GCM", packets: [336, 336]),
        Expected(capture: "srtp-sdes-gcm256.pcap", tones: (580, 1240), suite: "AEAD_AES_256_GCM", packets: [334, 334]),
        Expected(capture: "srtp-reinvite-samekey.pcap", tones: (620, 1320), suite: "AES_CM_128_HMAC_SHA1_80", packets: [267, 268],
                 hold: 2.675...4.842),
        Expected(capture: "srtp-reinvite-rekey.pcap", tones: (480, 1020), suite: "AES_CM_128_HMAC_SHA1_80", packets: [300, 300]),
        Expected(capture: "srtp-sbc-rtpengine.pcap", tones: (740, 1300), suite: "AES_CM_128_HMAC_SHA1_80",
                 packets: [333, 333, 333, 333], plain: 2),
        Expected(capture: "srtp-sbc-multicrypto-hold.pcap", tones: (660, 1380), suite: "AES_CM_128_HMAC_SHA1_80",
                 packets: [325, 325, 324, 324], plain: 2, hold: 2.648...4.786),
        Expected(capture: "srtp-synth-32.pcap", tones: (750, 1550), suite: "AES_CM_128_HMAC_SHA1_32", packets: [200, 200]),
        Expected(capture: "srtp-synth-aes256.pcap", tones: (650, 1450), suite: "AES_256_CM_HMAC_SHA1_80", packets: [200, 200]),
        Expected(capture: "srtp-synth-gcm128.pcap", tones: (450, 1050), suite: "AEAD_AES_128_GCM", packets: [200, 200]),
        Expected(capture: "srtp-synth-gcm256.pcap", tones: (550, 1150), suite: "AEAD_AES_256_GCM", packets: [200, 200]),
        Expected(capture: "srtp-synth-mki.pcap", tones: (950, 1750), suite: "AES_CM_128_HMAC_SHA1_80", packets: [150, 150]),
        Expected(capture: "srtp-synth-rekey.pcap", tones: (480, 1020), suite: "AES_CM_128_HMAC_SHA1_80", packets: [300, 300]),
        Expected(capture: "srtp-synth-wrap.pcap", tones: (350, 1250), suite: "AES_CM_128_HMAC_SHA1_80", packets: [250, 250]),
    ]

    /// Every half second between the first and the last half second carries the side's tone,
    /// but for a hold (capture seconds; the file starts within 0.1 s of the capture), which is
    /// silence on both channels.
    func expectToneThroughout(_ r: RecordedCall, _ tones: (Double, Double), _ capture: String,
                              hold: ClosedRange<Double>? = nil) {
        let rate = r.audio.sampleRate
        if let hold {
            for channel in 0..<2 {
                let quiet = r.audio.slice(channel: channel, from: hold.lowerBound + 0.2, to: hold.upperBound - 0.2)
                #expect(quiet.allSatisfy { abs(Int($0)) < 64 }, "\(capture): channel \(channel) not silent on hold")
            }
        }
        var t = 0.5
        while t + 1.0 <= r.durationSeconds {
            defer { t += 0.5 }
            if let hold, t + 0.5 > hold.lowerBound - 0.2, t < hold.upperBound + 0.2 { continue }
            for (channel, hz) in [(0, tones.0), (1, tones.1)] {
                let found = ToneAnalysis.dominantFrequency(r.audio.slice(channel: channel, from: t, to: t + 0.5), sampleRate: rate)
                #expect(abs(found - hz) <= 10, "\(capture): channel \(channel) at \(t) s is \(found) Hz, not \(hz)")
            }
        }
    }

    @Test(arguments: calls)
    func decryptsToEachSidesTone(_ expected: Expected) throws {
        let replay = try EngineReplay(expected.capture)
        #expect(replay.recordings.count == 1)
        let r = try #require(replay.recordings.first)
        #expect(r.endReason == "bye")
        #expect(r.streams.map { $0["Packets"] as? Int } == expected.packets)
        #expect(r.streams.allSatisfy { $0["Lost"] as? Int == 0 && $0["AuthenticationFailed"] == nil && $0["NotDecoded"] == nil })
        let suites = r.streams.compactMap { $0["Encryption"] as? String }
        #expect(suites == Array(repeating: "SRTP " + expected.suite, count: expected.packets.count - expected.plain))
        #expect(replay.summary.notUsed["encrypted"] == nil && replay.summary.notUsed["srtpAuthenticationFailed"] == nil)
        expectToneThroughout(r, expected.tones, expected.capture, hold: expected.hold)
    }

    /// baresip to baresip with noise instead of tones, and what each phone itself decoded of the
    /// other's SRTP (captures/srtp-sdes-80-noise.*-decoded.flac, from baresip's sndfile module).
    /// Every 20 ms the phone decoded is found, sample for sample, in calltap's channel of the
    /// other side, in order and at one offset: the decrypted payload is the bytes the phone
    /// decrypted. The two G.711 decoders differ only for the codes of zero (calltap 0, baresip's
    /// table ±2), so samples may differ by 2 and no more; any other difference is a different
    /// code (the smallest step of μ-law is 8).
    @Test func decryptedAudioIsWhatTheBaresipPhonesDecoded() throws {
        let replay = try EngineReplay("srtp-sdes-80-noise.pcap")
        let r = try #require(replay.recordings.first)
        #expect(replay.recordings.count == 1)
        #expect(r.streams.map { $0["Encryption"] as? String } == ["SRTP AES_CM_128_HMAC_SHA1_80", "SRTP AES_CM_128_HMAC_SHA1_80"])
        // alice is the caller (channel 0): she decoded bob's channel 1, and bob alice's.
        for (phone, channel) in [("alice", 1), ("bob", 0)] {
            let decoded = try DecodedAudio(path: RepositoryPaths.capture("srtp-sdes-80-noise.\(phone)-decoded.flac"))
            #expect(decoded.sampleRate == r.audio.sampleRate)
            let match = Self.frameMatch(decoded.channels[0], in: r.audio.channels[channel])
            #expect(match.frames > 300, "\(phone): \(match.frames) frames of 20 ms decoded")
            #expect(match.found == match.frames, "\(phone): \(match.found) of \(match.frames) frames found in channel \(channel)")
            #expect(match.offsets.count == 1, "\(phone): frames found at offsets \(match.offsets)")
        }
    }

    /// Looks up each 160-sample frame of `reference` in `recorded`: first anywhere, then each
    /// next one within 100 ms of where the one before it ended (a phone's jitter buffer may
    /// shift its audio). Samples match when they differ by at most 2.
    static func frameMatch(_ reference: [Int16], in recorded: [Int16]) -> (frames: Int, found: Int, offsets: Set<Int>) {
        let frame = 160
        func matches(_ start: Int, _ at: Int) -> Bool {
            for i in 0..<frame where abs(Int(recorded[at + i]) - Int(reference[start + i])) > 2 { return false }
            return true
        }
        var found = 0, frames = 0
        var offsets = Set<Int>()
        var expected: Int?
        for start in stride(from: 0, through: reference.count - frame, by: frame) {
            frames += 1
            let window = expected.map { max(0, $0 - 800)...min(recorded.count - frame, $0 + 800) } ?? 0...(recorded.count - frame)
            guard let at = window.first(where: { matches(start, $0) }) else { continue }
            found += 1
            offsets.insert(at - start)
            expected = at + frame
        }
        return (frames, found, offsets)
    }

    /// Every 7th packet has a bit flipped: counted per stream, never decoded, and the stream
    /// goes on (the tampered packets are not counted as lost).
    @Test func tamperedPacketsAreCountedAndSkipped() throws {
        let replay = try EngineReplay("srtp-synth-tampered.pcap")
        let r = try #require(replay.recordings.first)
        #expect(r.streams.map { $0["AuthenticationFailed"] as? Int } == [28, 28])
        #expect(r.streams.map { $0["Packets"] as? Int } == [172, 172])
        #expect(r.streams.allSatisfy { $0["Lost"] as? Int == 0 })
        #expect(replay.summary.notUsed["srtpAuthenticationFailed"] == 56)
        expectToneThroughout(r, (850, 1650), "srtp-synth-tampered.pcap")
    }

    /// The SDP's keys are not those the packets were made with: nothing is decoded, both
    /// channels are digital silence, and the sidecar says why.
    @Test func wrongKeysGiveSilenceNotNoise() throws {
        let replay = try EngineReplay("srtp-synth-wrong-key.pcap")
        let r = try #require(replay.recordings.first)
        #expect(r.streams.map { $0["Packets"] as? Int } == [0, 0])
        #expect(r.streams.map { $0["AuthenticationFailed"] as? Int } == [100, 100])
        #expect(r.streams.allSatisfy { $0["NotDecoded"] as? String == "encrypted: no key from the SDP authenticates its packets" })
        #expect(r.audio.channels.allSatisfy { channel in channel.allSatisfy { $0 == 0 } })
        #expect(replay.summary.notUsed["srtpAuthenticationFailed"] == 200)
    }

    /// The capture of an SRTP call starts after its answer: its keys were never seen, so it
    /// is not made a call (it could only be written as noise); the plain one is.
    @Test func aCaptureThatStartsAfterTheAnswer() throws {
        let srtp = try EngineReplay("srtp-midcall.pcap")
        #expect(srtp.recordings.isEmpty)
        #expect((srtp.summary.notUsed["rtpWithoutCall"] ?? 0) > 500)
        let plain = try EngineReplay("rtp-midcall.pcap")
        let r = try #require(plain.recordings.first)
        #expect(plain.recordings.count == 1)
        #expect(r.json["Signalling"] as? String == "none")
        #expect(r.endReason == "bye")
        #expect(r.streams.allSatisfy { $0["Lost"] as? Int == 0 })
        expectToneThroughout(r, (600, 1400), "rtp-midcall.pcap")
    }
}
