import Testing
import Wire

@Suite struct IPv4FragmentTests {
    typealias F = FrameBuilder
    let second: Int64 = 1_000_000_000
    let transport = F.udp(5060, 5080, F.longSIP)
    var expected: DecodedFrame { .udp(source: "10.0.0.1:5060", destination: "10.0.0.2:5080", payload: F.longSIP) }

    @Test func inOrder() {
        let decoder = WireDecoder(linkType: .raw)
        let fragments = F.ipv4Fragments(transport, identification: 7, chunk: 1480)
        #expect(fragments.count == 2)
        #expect(decoder.decode(fragments[0]) == .held)
        #expect(decoder.heldDatagrams == 1)
        #expect(decoder.heldBytes == 1480)
        #expect(decoder.decode(fragments[1]) == expected)
        #expect(decoder.heldDatagrams == 0)
        #expect(decoder.heldBytes == 0)
    }

    @Test(arguments: [[2, 1, 0, 3], [3, 0, 2, 1], [1, 3, 2, 0]])
    func outOfOrder(order: [Int]) {
        let decoder = WireDecoder(linkType: .raw)
        let fragments = F.ipv4Fragments(transport, identification: 8, chunk: 512)
        #expect(fragments.count == 4)
        let results = order.map { decoder.decode(fragments[$0]) }
        #expect(results == [.held, .held, .held, expected])
        #expect(decoder.heldDatagrams == 0)
    }

    @Test func duplicatesFromAMirrorPortAreAbsorbed() {
        let decoder = WireDecoder(linkType: .raw)
        let fragments = F.ipv4Fragments(transport, identification: 9, chunk: 1024)
        // Each fragment twice, as a SPAN of both ports on the path delivers it.
        #expect(decoder.decode(fragments[0], at: 0) == .held)
        #expect(decoder.decode(fragments[0], at: 10) == .held)
        #expect(decoder.heldBytes == 1024)
        #expect(decoder.decode(fragments[1], at: 20) == expected)
        // The second copy of the last fragment arrives after completion: it must not start a
        // datagram that would wait 30 s and then be counted as expired.
        #expect(decoder.decode(fragments[1], at: 30) == .held)
        #expect(decoder.heldDatagrams == 0)
        _ = decoder.decode(F.ipv4UDP(), at: 60 * second)
        #expect(decoder.takeEvictedCounts() == (expired: 0, overflow: 0))
    }

    @Test func sameIdentificationLongAfterCompletionIsANewDatagram() {
        let decoder = WireDecoder(linkType: .raw)
        let fragments = F.ipv4Fragments(transport, identification: 10, chunk: 1024)
        #expect(decoder.decode(fragments[0], at: 0) == .held)
        #expect(decoder.decode(fragments[1], at: 1) == expected)
        // Identification reused 5 s later (the counter wrapped): reassembled again.
        #expect(decoder.decode(fragments[1], at: 5 * second) == .held)
        #expect(decoder.decode(fragments[0], at: 5 * second + 1) == expected)
    }

    @Test func overlappingFragmentsKeepTheBytesReceivedFirst() {
        // 48 bytes of transport: UDP header + 40 payload bytes; fragments [0,24) and [16,48).
        let payloadA = [UInt8](repeating: 0xAA, count: 40)
        let first = F.udp(1000, 2000, payloadA)
        let overlapping = [UInt8](repeating: 0xBB, count: 32)  // claims bytes 16..<48
        let fragmentA = F.ipv4("10.0.0.1", "10.0.0.2", protocol: 17, Array(first[0..<24]),
                               identification: 11, fragmentOffset: 0, moreFragments: true)
        let fragmentB = F.ipv4("10.0.0.1", "10.0.0.2", protocol: 17, overlapping,
                               identification: 11, fragmentOffset: 16, moreFragments: false)
        let decoder = WireDecoder(linkType: .raw)
        #expect(decoder.decode(fragmentA) == .held)
        #expect(decoder.heldBytes == 24)
        // Bytes 16..<24 (payload 8..<16) stay 0xAA; 24..<48 come from B.
        let expectedPayload = [UInt8](repeating: 0xAA, count: 16) + [UInt8](repeating: 0xBB, count: 24)
        #expect(decoder.decode(fragmentB) == .udp(source: "10.0.0.1:1000", destination: "10.0.0.2:2000", payload: expectedPayload))

        // The other way round: B's bytes came first and win the overlap.
        let reversed = WireDecoder(linkType: .raw)
        #expect(reversed.decode(fragmentB) == .held)
        guard case .udp(_, _, let payload) = reversed.decode(fragmentA) else {
            Issue.record("expected UDP")
            return
        }
        #expect(payload == [UInt8](repeating: 0xAA, count: 8) + [UInt8](repeating: 0xBB, count: 32))
    }

    @Test func fragmentCoveringSeveralHolesFillsOnlyTheHoles() {
        let data = (0..<64).map { UInt8($0) }
        let transport = F.udp(1, 2, Array(data[8...]))
        let piece: (Int, Int, Bool, UInt8?) -> [UInt8] = { start, end, more, fill in
            let bytes = fill.map { [UInt8](repeating: $0, count: end - start) } ?? Array(transport[start..<end])
            return F.ipv4("10.0.0.1", "10.0.0.2", protocol: 17, bytes, identification: 12, fragmentOffset: start, moreFragments: more)
        }
        let decoder = WireDecoder(linkType: .raw)
        #expect(decoder.decode(piece(8, 16, true, nil)) == .held)
        #expect(decoder.decode(piece(32, 40, true, nil)) == .held)
        #expect(decoder.decode(piece(56, 64, false, nil)) == .held)
        // Spans everything: its 0xEE bytes must land only where nothing was yet.
        let filled = decoder.decode(piece(0, 64, true, 0xEE))
        var expectedPayload = [UInt8](repeating: 0xEE, count: 56)
        for i in 8..<16 { expectedPayload[i - 8] = UInt8(i) }
        for i in 32..<40 { expectedPayload[i - 8] = UInt8(i) }
        for i in 56..<64 { expectedPayload[i - 8] = UInt8(i) }
        // Its UDP header is all 0xEE: ports 0xEEEE, length 0xEEEE (> 64, so the 56 bytes there are used).
        #expect(filled == .udp(source: "10.0.0.1:61166", destination: "10.0.0.2:61166", payload: expectedPayload))
    }

    @Test func neverCompletedExpiresByCaptureTimeAndIsCounted() {
        let decoder = WireDecoder(linkType: .raw, fragmentLimits: FragmentLimits(timeoutNanos: 30 * second))
        let fragments = F.ipv4Fragments(transport, identification: 13, chunk: 512)
        #expect(decoder.decode(fragments[0], at: 100 * second) == .held)
        #expect(decoder.decode(fragments[2], at: 101 * second) == .held)
        #expect(decoder.decode(fragments[2], at: 101 * second) == .held)  // a copy: one more frame held
        // Unrelated traffic 29 s later: not yet.
        #expect(decoder.decode(F.ipv4UDP(), at: 129 * second) == .sipUDP())
        #expect(decoder.heldDatagrams == 1)
        #expect(decoder.takeEvictedCounts() == (expired: 0, overflow: 0))
        // Just past 30 s from the first fragment: expired, its three frames counted once.
        #expect(decoder.decode(F.ipv4UDP(), at: 130 * second + 1) == .sipUDP())
        #expect(decoder.heldDatagrams == 0)
        #expect(decoder.heldBytes == 0)
        #expect(decoder.takeEvictedCounts() == (expired: 3, overflow: 0))
        #expect(decoder.takeEvictedCounts() == (expired: 0, overflow: 0))
        // A late fragment of the expired datagram starts over instead of completing it.
        #expect(decoder.decode(fragments[1], at: 131 * second) == .held)
    }

    @Test func zeroTimeoutExpiresAtTheNextLaterFrame() {
        let decoder = WireDecoder(linkType: .raw, fragmentLimits: FragmentLimits(timeoutNanos: 0))
        let fragments = F.ipv4Fragments(transport, identification: 30, chunk: 1024)
        #expect(decoder.decode(fragments[0], at: 500) == .held)
        #expect(decoder.decode(fragments[1], at: 500) == expected)
        #expect(decoder.decode(fragments[0], at: 600) == .held)
        #expect(decoder.decode(F.ipv4UDP(), at: 601) == .sipUDP())
        #expect(decoder.takeEvictedCounts() == (expired: 1, overflow: 0))
    }

    @Test(arguments: [Int64.max, .min, -1])
    func extremeTimeoutsAndTimestampsDoNotTrap(timeout: Int64) {
        let decoder = WireDecoder(linkType: .raw, fragmentLimits: FragmentLimits(maxDatagrams: -1, maxBytes: -1, timeoutNanos: timeout))
        #expect(decoder.decode(F.ipv4Fragments(transport, identification: 31, chunk: 1024)[0], at: .max) == .dropped(.fragmentOverflow))
        let roomy = WireDecoder(linkType: .raw, fragmentLimits: FragmentLimits(timeoutNanos: timeout))
        let fragments = F.ipv4Fragments(transport, identification: 32, chunk: 1024)
        for time in [Int64.max, .min, 0, .max] {
            _ = roomy.decode(fragments[0], at: time)
            _ = roomy.decode(fragments[1], at: time)
            #expect(roomy.heldDatagrams <= 1)
        }
        #expect(roomy.decode(F.ipv4UDP(), at: .min) == .sipUDP())
    }

    @Test func expireAllCountsWhatIsLeftAtTheEndOfACapture() {
        let decoder = WireDecoder(linkType: .raw)
        #expect(decoder.decode(F.ipv4Fragments(transport, identification: 1, chunk: 512)[0]) == .held)
        #expect(decoder.decode(F.ipv4Fragments(transport, identification: 2, chunk: 512)[1]) == .held)
        decoder.expireAllFragments()
        #expect(decoder.heldDatagrams == 0)
        #expect(decoder.heldBytes == 0)
        #expect(decoder.takeEvictedCounts() == (expired: 2, overflow: 0))
    }

    @Test func datagramCountBoundEvictsTheOldest() {
        let decoder = WireDecoder(linkType: .raw, fragmentLimits: FragmentLimits(maxDatagrams: 2))
        let a = F.ipv4Fragments(transport, identification: 1, chunk: 1024)
        let b = F.ipv4Fragments(transport, identification: 2, chunk: 1024)
        let c = F.ipv4Fragments(transport, identification: 3, chunk: 1024)
        #expect(decoder.decode(a[0]) == .held)
        #expect(decoder.decode(b[0]) == .held)
        #expect(decoder.decode(c[0]) == .held)  // evicts a
        #expect(decoder.heldDatagrams == 2)
        #expect(decoder.takeEvictedCounts() == (expired: 0, overflow: 1))
        #expect(decoder.decode(b[1]) == expected)
        #expect(decoder.decode(c[1]) == expected)
        // a's second half alone cannot complete.
        #expect(decoder.decode(a[1]) == .held)
    }

    @Test func byteBoundEvictsTheOldestUntilTheFragmentFits() {
        let decoder = WireDecoder(linkType: .raw, fragmentLimits: FragmentLimits(maxBytes: 2000))
        let fragments = (1...3).map { F.ipv4Fragments(transport, identification: UInt16($0), chunk: 512) }
        #expect(decoder.decode(fragments[0][0]) == .held)
        #expect(decoder.decode(fragments[0][1]) == .held)
        #expect(decoder.decode(fragments[1][0]) == .held)
        #expect(decoder.heldBytes == 1536)
        // 512 more would make 2048 > 2000: the oldest datagram (two fragments) goes.
        #expect(decoder.decode(fragments[2][0]) == .held)
        #expect(decoder.heldBytes == 1024)
        #expect(decoder.heldDatagrams == 2)
        #expect(decoder.takeEvictedCounts() == (expired: 0, overflow: 2))
        #expect(decoder.heldBytes <= 2000)
    }

    @Test func datagramGrowingPastTheBoundAloneDropsTheFragment() {
        let decoder = WireDecoder(linkType: .raw, fragmentLimits: FragmentLimits(maxBytes: 1000))
        let fragments = F.ipv4Fragments(transport, identification: 1, chunk: 512)
        #expect(decoder.decode(fragments[0]) == .held)
        #expect(decoder.decode(fragments[1]) == .dropped(.fragmentOverflow))
        #expect(decoder.heldBytes == 512)
    }

    @Test func fragmentLargerThanTheBoundIsDropped() {
        let decoder = WireDecoder(linkType: .raw, fragmentLimits: FragmentLimits(maxBytes: 100))
        let fragments = F.ipv4Fragments(transport, identification: 1, chunk: 512)
        #expect(decoder.decode(fragments[0]) == .dropped(.fragmentOverflow))
        #expect(decoder.heldDatagrams == 0)
    }

    @Test func zeroDatagramLimitDropsEveryFragment() {
        let decoder = WireDecoder(linkType: .raw, fragmentLimits: FragmentLimits(maxDatagrams: 0))
        #expect(decoder.decode(F.ipv4Fragments(transport, identification: 1, chunk: 512)[0]) == .dropped(.fragmentOverflow))
    }

    @Test func datagramPast65535BytesIsOverflow() {
        // Offset 65528 (the largest) with 16 bytes: the datagram would end at 20 + 65544.
        let fragment = F.ipv4("10.0.0.1", "10.0.0.2", protocol: 17, [UInt8](repeating: 1, count: 16),
                              identification: 5, fragmentOffset: 65528, moreFragments: false)
        let decoder = WireDecoder(linkType: .raw)
        #expect(decoder.decode(fragment) == .dropped(.fragmentOverflow))
        #expect(decoder.heldDatagrams == 0)
    }

    @Test func largestPossibleDatagramReassembles() {
        let payload = (0..<(65535 - 20 - 8)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let fragments = F.ipv4Fragments(F.udp(4000, 4002, payload), identification: 77, chunk: 8192)
        let decoder = WireDecoder(linkType: .raw)
        let results = fragments.reversed().map { decoder.decode($0) }
        #expect(results.last == .udp(source: "10.0.0.1:4000", destination: "10.0.0.2:4002", payload: payload))
        #expect(results.dropLast().allSatisfy { $0 == .held })
    }

    @Test func conflictingLastFragmentsAreMalformed() {
        let decoder = WireDecoder(linkType: .raw)
        let fragments = F.ipv4Fragments(transport, identification: 14, chunk: 512)
        #expect(decoder.decode(fragments[3]) == .held)  // fixes the total length
        // A different end for the datagram, and data past its end.
        let shorterLast = F.ipv4("10.0.0.1", "10.0.0.2", protocol: 17, [1, 2, 3, 4, 5, 6, 7, 8],
                                 identification: 14, fragmentOffset: 512, moreFragments: false)
        let pastTheEnd = F.ipv4("10.0.0.1", "10.0.0.2", protocol: 17, [UInt8](repeating: 0, count: 16),
                                identification: 14, fragmentOffset: (transport.count + 7) / 8 * 8, moreFragments: true)
        #expect(decoder.decode(shorterLast) == .dropped(.malformed))
        #expect(decoder.decode(pastTheEnd) == .dropped(.malformed))
        // The datagram is still intact and completes.
        #expect(decoder.decode(fragments[0]) == .held)
        #expect(decoder.decode(fragments[1]) == .held)
        #expect(decoder.decode(fragments[2]) == expected)
    }

    @Test func lastFragmentBeforeDataAlreadyHeldIsMalformed() {
        let decoder = WireDecoder(linkType: .raw)
        let fragments = F.ipv4Fragments(transport, identification: 15, chunk: 512)
        #expect(decoder.decode(fragments[2]) == .held)
        let early = F.ipv4("10.0.0.1", "10.0.0.2", protocol: 17, [UInt8](repeating: 0, count: 8),
                           identification: 15, fragmentOffset: 512, moreFragments: false)
        #expect(decoder.decode(early) == .dropped(.malformed))
    }

    @Test func emptyMiddleFragmentIsMalformed() {
        let empty = F.ipv4("10.0.0.1", "10.0.0.2", protocol: 17, [], identification: 16, fragmentOffset: 8, moreFragments: true)
        #expect(WireDecoder(linkType: .raw).decode(empty) == .dropped(.malformed))
    }

    @Test func protocolAndAddressesSeparateDatagrams() {
        let decoder = WireDecoder(linkType: .raw)
        let udpFragments = F.ipv4Fragments(transport, identification: 20, chunk: 1024)
        let tcp = F.tcp(5060, 5080, sequence: 1000, acknowledgement: 2000, flags: 0x18, F.longSIP)
        let tcpFragments = F.ipv4Fragments(tcp, protocol: 6, identification: 20, chunk: 1024)
        let otherHost = F.ipv4Fragments(transport, identification: 20, chunk: 1024, source: "10.0.0.3")
        #expect(decoder.decode(udpFragments[0]) == .held)
        #expect(decoder.decode(tcpFragments[0]) == .held)
        #expect(decoder.decode(otherHost[0]) == .held)
        #expect(decoder.heldDatagrams == 3)
        #expect(decoder.decode(tcpFragments[1]) == .tcp(source: "10.0.0.1:5060", destination: "10.0.0.2:5080",
                                                        sequence: 1000, acknowledgement: 2000, flags: 0x18, payload: F.longSIP))
        #expect(decoder.decode(otherHost[1]) == .udp(source: "10.0.0.3:5060", destination: "10.0.0.2:5080", payload: F.longSIP))
        #expect(decoder.decode(udpFragments[1]) == expected)
    }

    @Test func udpLengthLargerThanTheReassembledDatagramIsNotTrusted() {
        var lying = transport
        lying[4] = 0xFF
        lying[5] = 0xFF
        let decoder = WireDecoder(linkType: .raw)
        let fragments = F.ipv4Fragments(lying, identification: 21, chunk: 1024)
        #expect(decoder.decode(fragments[0]) == .held)
        #expect(decoder.decode(fragments[1]) == expected)
    }

    @Test func reassembledPayloadStaysValidUntilTheNextDecode() {
        let decoder = WireDecoder(linkType: .raw)
        let fragments = F.ipv4Fragments(transport, identification: 22, chunk: 1024)
        #expect(decoder.decode(fragments[0]) == .held)
        fragments[1].withUnsafeBytes { bytes in
            guard case .udp(let datagram) = decoder.decode(bytes, timestampNanos: 0) else {
                Issue.record("expected UDP")
                return
            }
            // Not a view into this frame: the decoder's own storage.
            let frameRange = UInt(bitPattern: bytes.baseAddress!)..<UInt(bitPattern: bytes.baseAddress! + bytes.count)
            #expect(!frameRange.contains(UInt(bitPattern: datagram.payload.baseAddress!)))
            #expect([UInt8](datagram.payload) == F.longSIP)
        }
    }

    @Test func fragmentsOfADatagramCarryingVLANTaggedFrames() {
        let decoder = WireDecoder(linkType: .ethernet)
        for (index, fragment) in F.ipv4Fragments(transport, identification: 23, chunk: 1024).enumerated() {
            let result = decoder.decode(F.ethernet(tags: [(0x8100, 12)], type: 0x0800, fragment))
            #expect(result == (index == 0 ? .held : expected))
        }
    }
}

@Suite struct IPv6FragmentTests {
    typealias F = FrameBuilder
    let second: Int64 = 1_000_000_000
    let transport = F.udp(5060, 5080, F.longSIP)
    var expected: DecodedFrame { .udp(source: "[2001:db8::1]:5060", destination: "[2001:db8::2]:5080", payload: F.longSIP) }

    @Test func inOrder() {
        let decoder = WireDecoder(linkType: .raw)
        let fragments = F.ipv6Fragments(transport, identification: 0xB064_7780, chunk: 1448)
        #expect(fragments.count == 2)
        #expect(decoder.decode(fragments[0]) == .held)
        #expect(decoder.heldBytes == 1448)
        #expect(decoder.decode(fragments[1]) == expected)
        #expect(decoder.heldDatagrams == 0)
    }

    @Test func outOfOrderAndDuplicated() {
        let decoder = WireDecoder(linkType: .raw)
        let fragments = F.ipv6Fragments(transport, identification: 2, chunk: 512)
        #expect(fragments.count == 4)
        let results = [3, 1, 3, 0, 1, 2].map { decoder.decode(fragments[$0]) }
        #expect(results == [.held, .held, .held, .held, .held, expected])
    }

    @Test func overlapKeepsTheFirstBytes() {
        let decoder = WireDecoder(linkType: .raw)
        let udp = F.udp(7, 9, [UInt8](repeating: 0x11, count: 24))  // 32 bytes
        let header: (Int, Bool) -> [UInt8] = { F.ipv6Fragment(nextHeader: 17, offset: $0, moreFragments: $1, identification: 3) }
        let first = F.ipv6("2001:db8::1", "2001:db8::2", nextHeader: 44, header(0, true) + Array(udp[0..<24]))
        let second = F.ipv6("2001:db8::1", "2001:db8::2", nextHeader: 44, header(16, false) + [UInt8](repeating: 0x22, count: 16))
        #expect(decoder.decode(first) == .held)
        #expect(decoder.decode(second) == .udp(source: "[2001:db8::1]:7", destination: "[2001:db8::2]:9",
                                               payload: [UInt8](repeating: 0x11, count: 16) + [UInt8](repeating: 0x22, count: 8)))
    }

    @Test func unfragmentableAndFragmentableExtensionHeaders() {
        // hop-by-hop before the fragment header; destination options inside the fragmentable part.
        let fragmentable = F.ipv6Extension(nextHeader: 17) + transport
        let fragments = F.ipv6Fragments(fragmentable, nextHeader: 60, identification: 4, chunk: 800,
                                        unfragmentable: F.ipv6Extension(nextHeader: 44), firstHeader: 0)
        let decoder = WireDecoder(linkType: .raw)
        let results = fragments.reversed().map { decoder.decode($0) }
        #expect(results.last == expected)
        #expect(results.dropLast().allSatisfy { $0 == .held })
    }

    @Test func nextHeaderComesFromTheFirstFragment() {
        // Later fragments' next header fields are ignored (RFC 8200 takes the first's).
        var fragments = F.ipv6Fragments(transport, identification: 5, chunk: 1024)
        fragments[1][40] = 58
        let decoder = WireDecoder(linkType: .raw)
        #expect(decoder.decode(fragments[1]) == .held)
        #expect(decoder.decode(fragments[0]) == expected)
    }

    @Test func neverCompletedExpires() {
        let decoder = WireDecoder(linkType: .raw, fragmentLimits: FragmentLimits(timeoutNanos: 60 * second))
        #expect(decoder.decode(F.ipv6Fragments(transport, identification: 6, chunk: 1024)[0], at: 0) == .held)
        #expect(decoder.decode(F.ipv6UDP(), at: 60 * second) == .sipUDP("[2001:db8::1]:5060", "[2001:db8::2]:5060"))
        #expect(decoder.heldDatagrams == 1)
        _ = decoder.decode(F.ipv6UDP(), at: 61 * second)
        #expect(decoder.heldDatagrams == 0)
        #expect(decoder.takeEvictedCounts() == (expired: 1, overflow: 0))
    }

    @Test func identificationSeparatesDatagramsAndIPv4KeysDoNotCollide() {
        let decoder = WireDecoder(linkType: .raw)
        let a = F.ipv6Fragments(transport, identification: 17, chunk: 1024)
        let b = F.ipv6Fragments(F.udp(1, 2, F.longSIP), identification: 18, chunk: 1024)
        let v4 = F.ipv4Fragments(transport, identification: 17, chunk: 1024)
        #expect(decoder.decode(a[0]) == .held)
        #expect(decoder.decode(b[0]) == .held)
        #expect(decoder.decode(v4[0]) == .held)
        #expect(decoder.heldDatagrams == 3)
        #expect(decoder.decode(b[1]) == .udp(source: "[2001:db8::1]:1", destination: "[2001:db8::2]:2", payload: F.longSIP))
        #expect(decoder.decode(a[1]) == expected)
        #expect(decoder.decode(v4[1]) == .udp(source: "10.0.0.1:5060", destination: "10.0.0.2:5080", payload: F.longSIP))
    }

    @Test func datagramPast65535BytesIsOverflow() {
        let fragment = F.ipv6("2001:db8::1", "2001:db8::2", nextHeader: 44,
                              F.ipv6Fragment(nextHeader: 17, offset: 65528, moreFragments: true, identification: 7)
                                + [UInt8](repeating: 0, count: 16))
        #expect(WireDecoder(linkType: .raw).decode(fragment) == .dropped(.fragmentOverflow))
    }

    @Test func fragmentHeaderInsideTheReassembledDatagramIsMalformed() {
        let inner = F.ipv6Fragment(nextHeader: 17, offset: 8, moreFragments: true, identification: 99) + transport
        let fragments = F.ipv6Fragments(inner, nextHeader: 44, identification: 8, chunk: 1024)
        let decoder = WireDecoder(linkType: .raw)
        #expect(decoder.decode(fragments[0]) == .held)
        #expect(decoder.decode(fragments[1]) == .dropped(.malformed))
        #expect(decoder.heldDatagrams == 0)
    }
}
