import CalltapTestSupport
import Testing
@testable import SIP

/// `a=crypto` (RFC 4568): the lines real stacks write, the key parameter's optional parts, and
/// lines that must not be taken for keys.
@Suite struct SDESCryptoTests {
    func media(_ attributes: String) throws -> MediaDescription {
        let sdp = try ParserFixtures.parseSDP("v=0\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/SAVP 0\n\(attributes)\n")
        return try #require(sdp.audio)
    }

    @Test func anOfferOfTwoSuites() throws {
        // As baresip writes an offer: one line per suite, keys of 30 bytes (16 + 14).
        let m = try media("""
        a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR
        a=crypto:2 aes_cm_128_hmac_sha1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:32
        """)
        #expect(m.isEncrypted)
        #expect(m.crypto.count == 2)
        #expect(m.crypto[0].tag == 1)
        #expect(m.crypto[0].suite == "AES_CM_128_HMAC_SHA1_80")
        #expect(m.crypto[0].keys.count == 1)
        #expect(m.crypto[0].keys[0].keyAndSalt.count == 30)
        #expect(m.crypto[0].keys[0].keyAndSalt.prefix(4) == [0x3D, 0x2D, 0x6E, 0x40])
        #expect(m.crypto[1].suite == "AES_CM_128_HMAC_SHA1_32")
        #expect(m.crypto[1].keys[0].lifetime == 1 << 20)
        #expect(m.crypto[1].keys[0].mki == SDESCrypto.MKI(value: 1, length: 32))
        #expect(!m.unreadableCrypto)
    }

    @Test func severalKeysSessionParametersAndADecimalLifetime() throws {
        let m = try media("a=crypto:7 AES_256_CM_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLQ==|1048576|1:4;inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLQ|2:4 KDR=0 WSH=128")
        let line = try #require(m.crypto.first)
        #expect(line.tag == 7)
        #expect(line.keys.count == 2)
        #expect(line.keys[0].keyAndSalt.count == 46)
        #expect(line.keys[0].lifetime == 1_048_576)
        #expect(line.keys[1].mki == SDESCrypto.MKI(value: 2, length: 4))
        #expect(line.keys[1].lifetime == nil)
        #expect(line.keys[0].keyAndSalt == line.keys[1].keyAndSalt)
        #expect(line.sessionParameters == ["KDR=0", "WSH=128"])
    }

    @Test(arguments: [
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80",                                 // no key
        "a=crypto:x AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", // tag
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1u!CVeeCFCanVmcjkp",    // not base64
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:",                        // empty key
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 uri:https://example.com/key",    // not inline
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^99",
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:0",
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:4|1:4",
        "a=crypto:1 AES-CM inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR", // suite characters
        "a=crypto:\u{1}\u{2}\u{3} \u{ff}",
    ])
    func garbageIsNotAKeyButTheStreamStaysEncrypted(line: String) throws {
        let m = try media(line)
        #expect(m.crypto.isEmpty)
        #expect(m.unreadableCrypto)
        #expect(m.isEncrypted)
    }

    @Test func fingerprintAndZRTPAreNamed() throws {
        let dtls = try ParserFixtures.parseSDP("v=0\nc=IN IP4 10.0.0.1\na=fingerprint:sha-256 4A:AD\nm=audio 4000 UDP/TLS/RTP/SAVPF 0\n")
        #expect(dtls.audio?.dtlsFingerprint == true)
        #expect(dtls.audio?.crypto.isEmpty == true)
        let zrtp = try media("a=zrtp-hash:1.10 fe30efd02423cb05")
        #expect(zrtp.zrtpHash)
        #expect(!zrtp.dtlsFingerprint)
    }

    @Test(arguments: [("", [UInt8]()), ("Zg", [0x66]), ("Zg==", [0x66]), ("Zm8=", [0x66, 0x6F]), ("Zm9v", [0x66, 0x6F, 0x6F]),
                      ("+/8=", [0xFB, 0xFF])])
    func base64(text: String, bytes: [UInt8]) {
        #expect(Base64.decode(ArraySlice(text.utf8)) == bytes)
    }

    @Test(arguments: ["Z", "Zg=x", "Z===", "Zm9v!"])
    func notBase64(text: String) {
        #expect(Base64.decode(ArraySlice(text.utf8)) == nil)
    }
}
