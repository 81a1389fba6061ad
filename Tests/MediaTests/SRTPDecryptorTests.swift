import CSRTP
import CalltapTestSupport
import Testing
@testable import Media

/// The decryptor against libsrtp as the sender: every suite, the rollover counter across a
/// wrap and when the capture starts after many wraps, bad packets, several keys and a re-key.
/// Sender and decryptor share libsrtp's crypto kernel, on libcrypto (`SRTPCrypto`); the
/// captures of real peers and of an independent implementation, replayed in
/// EngineTests/SRTPReplayTests, check the crypto itself.
@Suite struct SRTPDecryptorTests {
    /// libsrtp took the libcrypto ciphers and HMAC, each after passing libsrtp's known-answer
    /// tests (RFC 3711 and RFC 7714 vectors): packets are decrypted without allocating.
    @Test func libsrtpRunsOnLibcrypto() {
        #expect(SRTPLibrary.cryptoStatus == 0)
        #expect(SRTPLibrary.usesLibcrypto)
    }

    /// A sending side: libsrtp protecting packets of one SSRC under one key.
    final class Sender {
        let session: srtp_t
        let ssrc: UInt32
        private(set) var sequence: UInt16
        private(set) var packets = 0

        init(_ keys: SRTPKeys, ssrc: UInt32 = 0x1234_5678, firstSequence: UInt16 = 1000) {
            session = SRTPDecryptor.makeSession(key: keys, ssrc: ssrc)!
            self.ssrc = ssrc
            sequence = firstSequence
            usesMKI = !keys.mki.isEmpty
        }

        private let usesMKI: Bool

        deinit { srtp_dealloc(session) }

        /// The plain packet and its SRTP form; the sequence number goes on by one.
        func next(payload: [UInt8]? = nil) -> (plain: [UInt8], srtp: [UInt8]) {
            let body = payload ?? (0..<160).map { UInt8(truncatingIfNeeded: $0 &+ packets) }
            let plain = ToneSynthesis.rtp(payloadType: 0, sequence: sequence, timestamp: UInt32(packets * 160),
                                          ssrc: ssrc, payload: body)
            var buffer = plain + [UInt8](repeating: 0, count: Int(SRTP_MAX_TRAILER_LEN))
            var length = Int32(plain.count)
            let status = buffer.withUnsafeMutableBytes {
                usesMKI ? srtp_protect_mki(session, $0.baseAddress, &length, 1, 0) : srtp_protect(session, $0.baseAddress, &length)
            }
            precondition(status == srtp_err_status_ok, "srtp_protect: \(status)")
            sequence &+= 1
            packets += 1
            return (plain, Array(buffer.prefix(Int(length))))
        }
    }

    /// An RTCP receiver report from the sender's SSRC about `about`, and its SRTCP form.
    static func rtcp(_ sender: Sender, about: UInt32) -> (plain: [UInt8], srtcp: [UInt8]) {
        let plain = RTCPPacketTests.receiverReport(from: sender.ssrc, blocks: [(about, 12, 3, 160)])
        var buffer = plain + [UInt8](repeating: 0, count: Int(SRTP_MAX_TRAILER_LEN) + 4)
        var length = Int32(plain.count)
        let status = buffer.withUnsafeMutableBytes { srtp_protect_rtcp(sender.session, $0.baseAddress, &length) }
        precondition(status == srtp_err_status_ok, "srtp_protect_rtcp: \(status)")
        return (plain, Array(buffer.prefix(Int(length))))
    }

    /// SRTCP decrypts with the session its sender's RTP opened, in every suite; a tampered packet,
    /// plain RTCP, and SRTCP from an SSRC whose RTP was never decrypted do not.
    @Test(arguments: SRTPSuite.allCases)
    func srtcpDecryptsWithTheSessionOfItsSender(suite: SRTPSuite) {
        let keys = Self.keys(suite)
        let sender = Sender(keys)
        let decryptor = SRTPDecryptor(keys: [keys])
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: 2048, alignment: 16)
        defer { scratch.deallocate() }
        func unprotect(_ packet: [UInt8]) -> [UInt8]? {
            packet.withUnsafeBytes { decryptor.unprotectRTCP($0, into: scratch) }.map {
                Array(UnsafeRawBufferPointer(start: scratch, count: $0))
            }
        }
        let early = Self.rtcp(sender, about: 0xABCD)
        #expect(unprotect(early.srtcp) == nil, "no RTP of the sender decrypted yet")
        #expect(open(decryptor, sender.next().srtp).1 != nil)
        let report = Self.rtcp(sender, about: 0xABCD)
        #expect(report.srtcp != report.plain)
        #expect(unprotect(report.srtcp) == report.plain)
        var tampered = Self.rtcp(sender, about: 0xABCD).srtcp
        tampered[12] ^= 0x01
        #expect(unprotect(tampered) == nil)
        #expect(unprotect(report.plain) == nil, "plain RTCP on an SRTP leg is not authenticated")
        #expect(unprotect(Self.rtcp(sender, about: 0xABCD).srtcp) != nil)
    }

    static func keys(_ suite: SRTPSuite, seed: UInt8 = 1, mki: UInt64? = nil) -> SRTPKeys {
        let bytes = (0..<(suite.keyLength + suite.saltLength)).map { UInt8(truncatingIfNeeded: Int(seed) &* 31 &+ $0 &* 7) }
        return SRTPKeys(suite: suite.rawValue, keyAndSalt: bytes, mkiValue: mki, mkiLength: mki == nil ? 0 : 4)!
    }

    /// Decrypts `packet`; the plain bytes when it worked.
    func open(_ decryptor: SRTPDecryptor, _ packet: [UInt8]) -> (SRTPDecryptor.Outcome, [UInt8]?) {
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: 2048, alignment: 16)
        defer { scratch.deallocate() }
        let outcome = packet.withUnsafeBytes { decryptor.unprotect($0, into: scratch) }
        if case .decrypted(let length, _) = outcome {
            return (outcome, Array(UnsafeRawBufferPointer(start: scratch, count: length)))
        }
        return (outcome, nil)
    }

    @Test(arguments: SRTPSuite.allCases)
    func everySuiteDecryptsToThePlainPacket(suite: SRTPSuite) {
        let keys = Self.keys(suite)
        let sender = Sender(keys)
        let decryptor = SRTPDecryptor(keys: [keys])
        for i in 0..<50 {
            let (plain, srtp) = sender.next()
            #expect(srtp != plain)
            let (outcome, opened) = open(decryptor, srtp)
            #expect(outcome == .decrypted(length: plain.count, newKey: i == 0))
            #expect(opened == plain)
        }
        #expect(decryptor.suite(of: sender.ssrc) == suite)
    }

    @Test func theRolloverCounterFollowsASequenceWrap() {
        let keys = Self.keys(.aesCM128HmacSHA1_80)
        let sender = Sender(keys, firstSequence: 65_500)
        let decryptor = SRTPDecryptor(keys: [keys])
        var opened = 0
        for _ in 0..<200 {
            let (plain, srtp) = sender.next()
            if open(decryptor, srtp).1 == plain { opened += 1 }
        }
        #expect(opened == 200)
    }

    /// The capture starts after the sequence number wrapped twice: the first packet seen is
    /// found by searching the rollover counter, and the rest follow.
    @Test func aCaptureThatStartsAfterWrapsFindsTheRolloverCounter() {
        let keys = Self.keys(.aesCM128HmacSHA1_32)
        let sender = Sender(keys, firstSequence: 0)
        for _ in 0..<(2 * 65_536 + 300) { _ = sender.next() }
        let decryptor = SRTPDecryptor(keys: [keys])
        var outcomes: [SRTPDecryptor.Outcome] = []
        var matching = 0
        for _ in 0..<100 {
            let (plain, srtp) = sender.next()
            let (outcome, opened) = open(decryptor, srtp)
            outcomes.append(outcome)
            if opened == plain { matching += 1 }
        }
        #expect(matching == 100)
        #expect(outcomes.first == .decrypted(length: 172, newKey: true))
    }

    @Test func tamperedTruncatedAndShortPacketsAreRefusedAndTheStreamGoesOn() {
        let keys = Self.keys(.aesCM128HmacSHA1_80)
        let sender = Sender(keys)
        let decryptor = SRTPDecryptor(keys: [keys])
        #expect(open(decryptor, sender.next().srtp).1 != nil)
        var tampered = sender.next().srtp
        tampered[40] ^= 0x01
        #expect(open(decryptor, tampered).0 == .authenticationFailed)
        let truncated = Array(sender.next().srtp.dropLast(5))
        #expect(open(decryptor, truncated).0 == .authenticationFailed)
        #expect(open(decryptor, [0x80, 0, 1]).0 == .malformed)
        #expect(open(decryptor, [UInt8](repeating: 0, count: 40)).0 == .malformed)
        let (plain, srtp) = sender.next()
        #expect(open(decryptor, srtp).1 == plain)
    }

    @Test func aDuplicateIsAReplay() {
        let keys = Self.keys(.aesCM128HmacSHA1_80)
        let sender = Sender(keys)
        let decryptor = SRTPDecryptor(keys: [keys])
        let (_, srtp) = sender.next()
        #expect(open(decryptor, srtp).1 != nil)
        #expect(open(decryptor, srtp).0 == .replayed)
    }

    @Test func wrongKeysNeverDecrypt() {
        let sender = Sender(Self.keys(.aesCM128HmacSHA1_80, seed: 1))
        let decryptor = SRTPDecryptor(keys: [Self.keys(.aesCM128HmacSHA1_80, seed: 2), Self.keys(.aeadAES128GCM, seed: 1)])
        for _ in 0..<600 {
            #expect(open(decryptor, sender.next().srtp).0 == .authenticationFailed)
        }
        #expect(decryptor.suite(of: sender.ssrc) == nil)
    }

    /// Garbage with a new SSRC in every packet takes no more than the entries a flow has; the
    /// real stream still opens among it, and keeps its entry.
    @Test func aFloodOfNewSSRCsIsBounded() {
        let keys = Self.keys(.aesCM128HmacSHA1_80)
        let sender = Sender(keys)
        let decryptor = SRTPDecryptor(keys: [keys])
        var random = SystemRandomNumberGenerator()
        func garbage() -> [UInt8] {
            var p = (0..<182).map { _ in UInt8.random(in: 0...255, using: &random) }
            p[0] = 0x80
            p[1] = 0
            return p
        }
        for _ in 0..<500 { #expect(open(decryptor, garbage()).0 == .authenticationFailed) }
        let (plain, srtp) = sender.next()
        #expect(open(decryptor, srtp).1 == plain)
        for _ in 0..<500 { #expect(open(decryptor, garbage()).0 == .authenticationFailed) }
        #expect(decryptor.ssrcCount == SRTPDecryptor.maxStreams)
        let (plain2, srtp2) = sender.next()
        #expect(open(decryptor, srtp2) == (.decrypted(length: plain2.count, newKey: false), plain2))
    }

    @Test func theKeyThatAuthenticatesIsFoundAmongSeveral() {
        let right = Self.keys(.aes256CMHmacSHA1_80, seed: 5)
        let sender = Sender(right)
        let decryptor = SRTPDecryptor(keys: [Self.keys(.aesCM128HmacSHA1_80, seed: 5), Self.keys(.aes256CMHmacSHA1_80, seed: 6), right])
        for _ in 0..<10 {
            let (plain, srtp) = sender.next()
            #expect(open(decryptor, srtp).1 == plain)
        }
        #expect(decryptor.suite(of: sender.ssrc) == .aes256CMHmacSHA1_80)
    }

    @Test func aKeyWithAnMKIDecrypts() {
        let keys = Self.keys(.aesCM128HmacSHA1_80, mki: 7)
        #expect(keys.mki == [0, 0, 0, 7])
        let sender = Sender(keys)
        let decryptor = SRTPDecryptor(keys: [keys])
        for _ in 0..<10 {
            let (plain, srtp) = sender.next()
            #expect(srtp.count == plain.count + 4 + 10)
            #expect(open(decryptor, srtp).1 == plain)
        }
    }

    /// A re-INVITE brings new keys: the sender's same SSRC goes on under them (its rollover
    /// counter with it, here across a wrap), and packets sent before the change still open.
    @Test func aReKeyGoesOnWithTheSameStream() {
        let old = Self.keys(.aesCM128HmacSHA1_80, seed: 1)
        let new = Self.keys(.aesCM128HmacSHA1_80, seed: 9)
        let before = Sender(old, firstSequence: 65_400)
        let decryptor = SRTPDecryptor(keys: [old])
        for _ in 0..<200 { #expect(open(decryptor, before.next().srtp).1 != nil) }
        let inFlight = before.next()
        // The new key's sender continues the same sequence: past the wrap, rollover counter 1.
        let after = Sender(new, firstSequence: 0)
        for _ in 0..<65_536 { _ = after.next() }
        for _ in 0..<(Int(inFlight.plain[2]) << 8 | Int(inFlight.plain[3])) + 1 { _ = after.next() }
        decryptor.replaceKeys([new])
        #expect(decryptor.keys == [new, old])
        var opened = 0
        for _ in 0..<100 {
            let (plain, srtp) = after.next()
            if open(decryptor, srtp).1 == plain { opened += 1 }
        }
        #expect(opened == 100)
        #expect(open(decryptor, inFlight.srtp).1 == inFlight.plain)
    }
}
