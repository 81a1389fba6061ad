import CalltapTestSupport
import Foundation
import Media
import SIP
import Testing
import Wire
@testable import Engine

/// Which keys decrypt a flow: the sending side's own, the answered line first; and why a flow
/// cannot be decrypted when no key can be had.
@Suite struct FlowEncryptionTests {
    static let key80 = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
    static let key32 = "NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj"
    static let answerKey = "MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3BxcnN0"

    func media(_ port: Int, _ transport: String = "RTP/SAVP", _ attributes: String = "") throws -> [MediaDescription] {
        let text = "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio \(port) \(transport) 0\r\n\(attributes.replacingOccurrences(of: "\n", with: "\r\n"))\r\n"
        return try Array(text.utf8).withUnsafeBytes { try SessionDescription.parse($0) }.media
    }

    static func bytes(_ base64: String) -> [UInt8] { Array(Data(base64Encoded: base64)!) }

    let source = Endpoint(address: IPAddress("10.0.0.1")!, port: 4000)

    @Test func theSendersOwnKeysWithTheAnsweredTagFirst() throws {
        let offer = try media(4000, "RTP/SAVP", """
        a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\(Self.key80)
        a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:\(Self.key32)
        """)
        let answer = try media(5000, "RTP/SAVP", "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:\(Self.answerKey)")
        // What the offerer sends: its own line 2 first (the answer took tag 2), then line 1.
        let sent = FlowEncryption(sender: offer, receiver: answer, source: source, declaredEncrypted: true)
        guard case .srtp(let keys) = sent else { Issue.record("\(sent)"); return }
        #expect(keys.map(\.suite) == [.aesCM128HmacSHA1_32, .aesCM128HmacSHA1_80])
        #expect(keys[0].keyAndSalt == Self.bytes(Self.key32))
        // What the answerer sends: its own key only.
        let back = FlowEncryption(sender: answer, receiver: offer, source: Endpoint(address: IPAddress("10.0.0.1")!, port: 5000),
                                  declaredEncrypted: true)
        guard case .srtp(let answerKeys) = back else { Issue.record("\(back)"); return }
        #expect(answerKeys.count == 1)
        #expect(answerKeys[0].keyAndSalt == Self.bytes(Self.answerKey))
    }

    @Test func aPlainLegIsPlain() throws {
        let plain = try media(4000, "RTP/AVP")
        #expect(FlowEncryption(sender: plain, receiver: plain, source: source, declaredEncrypted: false) == .none)
    }

    @Test(arguments: [
        ("UDP/TLS/RTP/SAVPF", "a=fingerprint:sha-256 4A:AD", "DTLS-SRTP: keys are agreed on the media path"),
        ("RTP/AVP", "a=zrtp-hash:1.10 fe30efd0", "ZRTP: keys are agreed on the media path"),
        ("RTP/SAVP", "a=crypto:1 F8_128_HMAC_SHA1_80 inline:\(key80)", "SRTP suite F8_128_HMAC_SHA1_80 is not supported"),
        ("RTP/SAVP", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\(key80) KDR=4", "SRTP key derivation rate (KDR=4) is not supported"),
        ("RTP/SAVP", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\(key80) UNENCRYPTED_SRTP",
         "SRTP session parameter UNENCRYPTED_SRTP is not supported"),
        ("RTP/SAVP", "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:\(key80)", "SRTP key of AES_256_CM_HMAC_SHA1_80 that calltap cannot use"),
        ("RTP/SAVP", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:!!!", "the sender's a=crypto line cannot be read"),
        ("RTP/SAVP", "", "SRTP declared in SDP without keys from the sender"),
    ])
    func whyAFlowCannotBeDecrypted(transport: String, attribute: String, reason: String) throws {
        let sender = try media(4000, transport, attribute)
        #expect(FlowEncryption(sender: sender, receiver: [], source: source, declaredEncrypted: true) == .undecryptable(reason))
    }
}
