import CalltapTestSupport
import Foundation
import Testing
@testable import Media

/// Digits sent as tones in G.711 and G.722 audio: listed with method `inband`, their channel,
/// time and length; masked inside a blackout; not looked for when the sender signals its
/// digits as RFC 4733 events; never found in a plain tone.
@Suite struct InbandDTMFTests {
    static let start: Int64 = 1_000_000_000_000
    /// The DTMF pairs (RFC 4733's table).
    static let pairs: [Character: (Double, Double)] = [
        "1": (697, 1209), "5": (770, 1336), "9": (852, 1477), "0": (941, 1336), "#": (941, 1477), "*": (941, 1209),
    ]

    func makeRecording(_ dir: String, codec: Codec, payloadType: UInt8, rate: Int) throws -> CallRecording {
        let maps = [PayloadMap([payloadType: codec, 101: .telephoneEvent]), PayloadMap([payloadType: codec, 101: .telephoneEvent])]
        var setup = RecordingSetup(recordingIdentifier: "dtmf", callInstance: "dtmf@test", serverId: "t", startNanos: Self.start,
                                   sampleRate: rate, channelRoles: ["caller", "callee"], directory: dir,
                                   commitDelayNanos: 2_000_000_000, metadata: [:], payloadMaps: maps)
        setup.detectsInbandDTMF = true
        let r = try CallRecording(setup: setup)
        r.addFlow(MediaFlow(channel: 0, source: "10.0.0.1:4000", destination: "10.0.0.2:5000"))
        r.addFlow(MediaFlow(channel: 1, source: "10.0.0.2:5000", destination: "10.0.0.1:4000"))
        return r
    }

    /// `seconds` of audio at `rate` Hz: the digits' pairs in their intervals (seconds from 0),
    /// and `background` (a tone, or silence) elsewhere.
    func audio(seconds: Double, rate: Int, digits: [(Character, ClosedRange<Double>)], background: Double?) -> [Int16] {
        (0..<Int(seconds * Double(rate))).map { i in
            let t = Double(i) / Double(rate)
            if let (digit, _) = digits.first(where: { $0.1.contains(t) }), let (low, high) = Self.pairs[digit] {
                return Int16(7000 * sin(2 * .pi * low * t) + 7000 * sin(2 * .pi * high * t))
            }
            return background.map { Int16(9000 * sin(2 * .pi * $0 * t)) } ?? 0
        }
    }

    /// Sends `samples` (at `rate`) on `flow` as 20 ms packets from capture time 0.
    func send(_ r: CallRecording, flow: Int, samples: [Int16], rate: Int, codec: Codec, payloadType: UInt8) throws {
        let perPacket = rate / 50
        let encoder = codec == .g722 ? G722Encoder() : nil
        var output = [UInt8](repeating: 0, count: 320)
        for (i, offset) in stride(from: 0, to: samples.count - perPacket + 1, by: perPacket).enumerated() {
            let frame = Array(samples[offset..<offset + perPacket])
            let payload: [UInt8]
            if let encoder {
                let n = frame.withUnsafeBufferPointer { encoder.encode($0.baseAddress!, count: perPacket, into: &output, capacity: 320) }
                payload = Array(output.prefix(n))
            } else {
                payload = frame.map(codec == .pcma ? Self.aLaw : ToneSynthesis.muLaw)
            }
            // G.722's RTP clock is 8 kHz whatever its sampling rate.
            let bytes = ToneSynthesis.rtp(payloadType: payloadType, sequence: UInt16(i), timestamp: UInt32(i * 160),
                                          ssrc: UInt32(flow + 1), payload: payload)
            let nanos = Self.start + Int64(i) * 20_000_000
            try bytes.withUnsafeBytes { try r.receive(flow: flow, packet: $0, captureNanos: nanos) }
            try r.advance(toNanos: nanos)
        }
    }

    /// G.711 A-law of a sample (the reference encoder's segment search).
    static func aLaw(_ sample: Int16) -> UInt8 {
        var pcm = Int(sample) >> 3
        let mask: Int
        if pcm >= 0 { mask = 0xD5 } else { mask = 0x55; pcm = -pcm - 1 }
        let segmentEnds = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF]
        guard let segment = segmentEnds.firstIndex(where: { pcm <= $0 }) else { return UInt8(0x7F ^ mask) }
        let value = segment << 4 | (segment < 2 ? (pcm >> 1) & 0xF : (pcm >> segment) & 0xF)
        return UInt8((value ^ mask) & 0xFF)
    }

    static let sent: [(Character, ClosedRange<Double>)] = [("1", 0.5...0.62), ("5", 1.0...1.1), ("#", 1.5...1.75), ("0", 2.4...2.5)]

    func expectDigits(_ found: [Sidecar.Digit], _ expected: [(Character, ClosedRange<Double>)], channel: Int,
                      sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(found.map(\.digit) == expected.map { String($0.0) }, sourceLocation: sourceLocation)
        for (digit, (_, span)) in zip(found, expected) {
            #expect(digit.method == "inband", sourceLocation: sourceLocation)
            #expect(digit.channel == channel, sourceLocation: sourceLocation)
            #expect(abs(digit.time - span.lowerBound) <= 0.03, "\(digit.digit) at \(digit.time)", sourceLocation: sourceLocation)
            let length = span.upperBound - span.lowerBound
            #expect(abs(digit.duration - length) <= 0.04, "\(digit.digit) for \(digit.duration)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: [(Codec.pcmu, UInt8(0), 8000), (Codec.pcma, UInt8(8), 8000), (Codec.g722, UInt8(9), 16000)])
    func digitsInTheAudioAreListed(codec: Codec, payloadType: UInt8, rate: Int) throws {
        let r = try makeRecording(RepositoryPaths.temporaryDirectory(), codec: codec, payloadType: payloadType, rate: rate)
        // The caller dials over silence; the callee talks (a steady tone) and dials once.
        try send(r, flow: 0, samples: audio(seconds: 3, rate: rate, digits: Self.sent, background: nil), rate: rate,
                 codec: codec, payloadType: payloadType)
        try send(r, flow: 1, samples: audio(seconds: 3, rate: rate, digits: [("9", 2.0...2.2)], background: 440), rate: rate,
                 codec: codec, payloadType: payloadType)
        let result = try r.finish(RecordingEnd(endNanos: Self.start + 3_000_000_000, reason: "bye", metadata: nil))
        expectDigits(result.sidecar.dtmf.filter { $0.channel == 0 }, Self.sent, channel: 0)
        expectDigits(result.sidecar.dtmf.filter { $0.channel == 1 }, [("9", 2.0...2.2)], channel: 1)
    }

    /// The callee's first ten packets came 200 ms late, in one burst, with a digit in them: the
    /// audio moves back to when it was sent (0.5 s), and the digit found in it moves too.
    @Test func aDigitInLateFirstPacketsMovesWithThem() throws {
        let r = try makeRecording(RepositoryPaths.temporaryDirectory(), codec: .pcmu, payloadType: 0, rate: 8000)
        let caller = audio(seconds: 2, rate: 8000, digits: [], background: 440)
        let callee = audio(seconds: 1.5, rate: 8000, digits: [("5", 0.0...0.12)], background: 440)
        func packet(_ samples: [Int16], _ n: Int, ssrc: UInt32) -> [UInt8] {
            ToneSynthesis.rtp(payloadType: 0, sequence: UInt16(n), timestamp: UInt32(n * 160), ssrc: ssrc,
                              payload: samples[n * 160..<(n + 1) * 160].map(ToneSynthesis.muLaw))
        }
        for i in 0..<100 {
            let nanos = Self.start + Int64(i) * 20_000_000
            try packet(caller, i, ssrc: 1).withUnsafeBytes { try r.receive(flow: 0, packet: $0, captureNanos: nanos) }
            // The callee's packet k is sent at 0.5 s + k × 20 ms; the first ten come with the eleventh.
            let k = i - 25
            if k >= 10 {
                for j in (k == 10 ? 0 : k)...k {
                    try packet(callee, j, ssrc: 2).withUnsafeBytes { try r.receive(flow: 1, packet: $0, captureNanos: nanos) }
                }
            }
            try r.advance(toNanos: nanos)
        }
        let result = try r.finish(RecordingEnd(endNanos: Self.start + 2_000_000_000, reason: "bye", metadata: nil))
        expectDigits(result.sidecar.dtmf.filter { $0.channel == 1 }, [("5", 0.5...0.62)], channel: 1)
        let stream = try #require(result.sidecar.streams.first { $0.channel == 1 })
        #expect(stream.firstPacketsLateMs == 200 && stream.reanchored == 0)
    }

    @Test func digitsInsideABlackoutAreMasked() throws {
        let r = try makeRecording(RepositoryPaths.temporaryDirectory(), codec: .pcmu, payloadType: 0, rate: 8000)
        r.startBlackout(atNanos: Self.start + 900_000_000, origin: "t")
        r.endBlackout(atNanos: Self.start + 2_000_000_000, reason: "stopped")
        try send(r, flow: 0, samples: audio(seconds: 3, rate: 8000, digits: Self.sent, background: nil), rate: 8000,
                 codec: .pcmu, payloadType: 0)
        let result = try r.finish(RecordingEnd(endNanos: Self.start + 3_000_000_000, reason: "bye", metadata: nil))
        #expect(result.sidecar.dtmf.map(\.digit) == ["1", "", "", "0"])
        #expect(result.sidecar.dtmf.map(\.masked) == [false, true, true, false])
    }

    /// A sender that signals its digits as events is not searched as well (many send both).
    @Test func aSenderOfRFC4733EventsIsNotSearched() throws {
        let r = try makeRecording(RepositoryPaths.temporaryDirectory(), codec: .pcmu, payloadType: 0, rate: 8000)
        let event = ToneSynthesis.rtp(payloadType: 101, sequence: 1000, timestamp: 0, ssrc: 1, payload: [1, 0x0A, 0, 160])
        try event.withUnsafeBytes { try r.receive(flow: 0, packet: $0, captureNanos: Self.start) }
        try send(r, flow: 0, samples: audio(seconds: 3, rate: 8000, digits: Self.sent, background: nil), rate: 8000,
                 codec: .pcmu, payloadType: 0)
        let result = try r.finish(RecordingEnd(endNanos: Self.start + 3_000_000_000, reason: "bye", metadata: nil))
        #expect(result.sidecar.dtmf.map(\.method) == ["rfc4733"])
    }

    @Test func turnedOff() throws {
        let dir = RepositoryPaths.temporaryDirectory()
        let setup = RecordingSetup(recordingIdentifier: "off", callInstance: "off@test", serverId: "t", startNanos: Self.start,
                                   sampleRate: 8000, channelRoles: ["caller", "callee"], directory: dir,
                                   metadata: [:], payloadMaps: [PayloadMap([0: .pcmu]), PayloadMap([0: .pcmu])])
        #expect(!setup.detectsInbandDTMF)   // off unless configured
        let r = try CallRecording(setup: setup)
        r.addFlow(MediaFlow(channel: 0, source: "10.0.0.1:4000", destination: "10.0.0.2:5000"))
        try send(r, flow: 0, samples: audio(seconds: 3, rate: 8000, digits: Self.sent, background: nil), rate: 8000,
                 codec: .pcmu, payloadType: 0)
        let result = try r.finish(RecordingEnd(endNanos: Self.start + 3_000_000_000, reason: "bye", metadata: nil))
        #expect(result.sidecar.dtmf.isEmpty)
    }
}
