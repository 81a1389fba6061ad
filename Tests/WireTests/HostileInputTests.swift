import CalltapTestSupport
import Testing
import Wire

/// Truncated, corrupted and random frames: decoding must give a drop or a correct result, never
/// trap and never read outside the frame.
@Suite struct HostileInputTests {
    typealias F = FrameBuilder

    @Test func samplesDecodeWhole() {
        for sample in SampleFrames.all {
            #expect(WireDecoder(linkType: sample.linkType).decode(sample.frame) == sample.expected, "\(sample)")
        }
    }

    @Test(arguments: SampleFrames.all)
    func everyTruncationIsMalformedOrCorrect(sample: SampleFrame) {
        for length in 0..<sample.frame.count {
            let result = WireDecoder(linkType: sample.linkType).decode(Array(sample.frame.prefix(length)))
            #expect(result == .dropped(.malformed) || result == sample.expected, "\(sample) cut to \(length): \(result)")
        }
    }

    @Test func everyTruncationOfFragmentsIsMalformedOrHeld() {
        let transport = F.udp(5060, 5060, F.longSIP)
        let fragments = F.ipv4Fragments(transport, identification: 3, chunk: 1024).map { F.ethernet(type: 0x0800, $0) }
            + F.ipv6Fragments(transport, identification: 3, chunk: 1024,
                              unfragmentable: F.ipv6Extension(nextHeader: 44), firstHeader: 0).map { F.ethernet(type: 0x86DD, $0) }
        for fragment in fragments {
            for length in 0..<fragment.count {
                let decoder = WireDecoder(linkType: .ethernet)
                let result = decoder.decode(Array(fragment.prefix(length)))
                #expect(result == .dropped(.malformed), "cut to \(length): \(result)")
                #expect(decoder.heldBytes == 0)
            }
        }
    }

    @Test(arguments: [LinkType.ethernet, .linuxSLL, .linuxSLL2, .null, .loop, .raw, .ipv4, .ipv6])
    func randomBytes(linkType: LinkType) {
        var random = SeededGenerator(seed: 0xCA11_7A9 &+ UInt64(String(describing: linkType).utf8.count))
        let limits = FragmentLimits(maxDatagrams: 16, maxBytes: 16_384, timeoutNanos: 1_000_000)
        let decoder = WireDecoder(linkType: linkType, fragmentLimits: limits)
        var decoded = 0
        for index in 0..<3000 {
            var frame = (0..<Int.random(in: 0...160, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            // Steer half the frames past the first checks so that deeper code sees the junk too.
            if index % 2 == 0 { frame = plausibleStart(for: linkType, using: &random) + frame }
            if checkedDecode(decoder, frame, at: Int64(index) * 1000, limits: limits) { decoded += 1 }
        }
        // Random junk decodes sometimes (raw IPv4 with protocol 17 is easy to hit), but not always.
        #expect(decoded < 3000)
    }

    @Test func mutatedSamplesNeverTrapAndLeaveTheDecoderHealthy() {
        var random = SeededGenerator(seed: 42)
        let limits = FragmentLimits(maxDatagrams: 8, maxBytes: 4096, timeoutNanos: 5_000_000)
        let samples = SampleFrames.all + fragmentSamples()
        for linkType in [LinkType.ethernet, .raw] {
            let decoder = WireDecoder(linkType: linkType, fragmentLimits: limits)
            var now: Int64 = 0
            for _ in 0..<4000 {
                let sample = samples.filter { $0.linkType == linkType }.randomElement(using: &random)!
                var frame = sample.frame
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    let at = Int.random(in: 0..<frame.count, using: &random)
                    frame[at] = Bool.random(using: &random) ? UInt8.random(in: 0...255, using: &random) : frame[at] ^ (1 << UInt8.random(in: 0...7, using: &random))
                }
                if Int.random(in: 0..<8, using: &random) == 0 { frame = Array(frame.prefix(Int.random(in: 0...frame.count, using: &random))) }
                now += Int64.random(in: 0...100_000, using: &random)
                checkedDecode(decoder, frame, at: now, limits: limits)
            }
            // Whatever the junk left behind, clean frames still decode correctly.
            for sample in SampleFrames.all where sample.linkType == linkType {
                #expect(decoder.decode(sample.frame, at: now) == sample.expected, "\(sample)")
            }
        }
    }

    @Test func fragmentStormStaysWithinBoundsAndRealDatagramsStillReassemble() {
        var random = SeededGenerator(seed: 7)
        let limits = FragmentLimits(maxDatagrams: 32, maxBytes: 20_000, timeoutNanos: 10_000_000_000)
        let decoder = WireDecoder(linkType: .raw, fragmentLimits: limits)
        for index in 0..<5000 {
            let offset = Int.random(in: 0...8190, using: &random) * 8
            let length = Int.random(in: 0...200, using: &random)
            let ipv6 = index % 3 == 0
            let data = [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: length)
            let more = Bool.random(using: &random)
            let frame = ipv6
                ? F.ipv6("2001:db8::66", "2001:db8::2", nextHeader: 44,
                         F.ipv6Fragment(nextHeader: 17, offset: offset, moreFragments: more, identification: UInt32.random(in: 0...40, using: &random)) + data)
                : F.ipv4("10.6.6.6", "10.0.0.2", protocol: 17, data, identification: UInt16.random(in: 0...40, using: &random),
                         fragmentOffset: offset, moreFragments: more)
            checkedDecode(decoder, frame, at: Int64(index), limits: limits)
        }
        let evicted = decoder.takeEvictedCounts()
        #expect(evicted.overflow > 0)
        let fragments = F.ipv4Fragments(F.udp(5060, 5080, F.longSIP), identification: 1000, chunk: 512)
        let results = fragments.reversed().map { decoder.decode($0, at: 5001) }
        #expect(results.last == .udp(source: "10.0.0.1:5060", destination: "10.0.0.2:5080", payload: F.longSIP))
    }

    // MARK: - Helpers

    /// Decodes and checks what must hold for any input; true if it gave UDP or TCP.
    @discardableResult
    private func checkedDecode(_ decoder: WireDecoder, _ frame: [UInt8], at time: Int64, limits: FragmentLimits) -> Bool {
        let gavePayload = frame.withUnsafeBytes { bytes -> Bool in
            let payload: UnsafeRawBufferPointer
            switch decoder.decode(bytes, timestampNanos: time) {
            case .udp(let datagram): payload = datagram.payload
            case .tcp(let segment): payload = segment.payload
            case .held, .dropped: return false
            }
            // A view into the frame must end inside it; one into reassembly storage is at most 64 KiB.
            if let base = payload.baseAddress, let frameBase = bytes.baseAddress,
               base >= frameBase, base <= frameBase + bytes.count {
                #expect(base + payload.count <= frameBase + bytes.count)
            } else {
                #expect(payload.count <= 65535)
            }
            _ = payload.reduce(0, &+)  // touch every byte, so a bad view shows under sanitizers
            return true
        }
        #expect(decoder.heldBytes <= limits.maxBytes)
        #expect(decoder.heldDatagrams <= limits.maxDatagrams)
        return gavePayload
    }

    private func plausibleStart(for linkType: LinkType, using random: inout SeededGenerator) -> [UInt8] {
        let ip: [UInt8] = Bool.random(using: &random) ? [0x45] : [0x60]
        switch linkType {
        case .ethernet: return F.macA + F.macB + (ip == [0x45] ? [0x08, 0x00] : [0x86, 0xDD]) + ip
        case .linuxSLL: return [UInt8](repeating: 0, count: 14) + (ip == [0x45] ? [0x08, 0x00] : [0x86, 0xDD]) + ip
        case .linuxSLL2: return (ip == [0x45] ? [0x08, 0x00] : [0x86, 0xDD]) + [UInt8](repeating: 0, count: 18) + ip
        case .null, .loop: return (ip == [0x45] ? [0, 0, 0, 2] : [0, 0, 0, 10]) + ip
        case .raw, .ipv4, .ipv6: return ip
        }
    }

    private func fragmentSamples() -> [SampleFrame] {
        let transport = F.udp(5060, 5060, F.longSIP)
        let v4 = F.ipv4Fragments(transport, identification: 9, chunk: 512).map {
            SampleFrame(name: "ipv4 fragment", linkType: .raw, frame: $0, expected: .held)
        }
        let v6 = F.ipv6Fragments(transport, identification: 9, chunk: 512).map {
            SampleFrame(name: "ipv6 fragment", linkType: .raw, frame: $0, expected: .held)
        }
        return v4 + v6
    }
}
