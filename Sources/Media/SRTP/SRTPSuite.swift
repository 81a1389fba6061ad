import CSRTP

/// An SRTP crypto suite that SDES can name (RFC 4568, RFC 6188, RFC 7714) and libsrtp can
/// decrypt: its name in SDP, the lengths of its master key and salt, and its libsrtp policy.
public enum SRTPSuite: String, CaseIterable, Sendable {
    case aesCM128HmacSHA1_80 = "AES_CM_128_HMAC_SHA1_80"
    case aesCM128HmacSHA1_32 = "AES_CM_128_HMAC_SHA1_32"
    case aes192CMHmacSHA1_80 = "AES_192_CM_HMAC_SHA1_80"
    case aes192CMHmacSHA1_32 = "AES_192_CM_HMAC_SHA1_32"
    case aes256CMHmacSHA1_80 = "AES_256_CM_HMAC_SHA1_80"
    case aes256CMHmacSHA1_32 = "AES_256_CM_HMAC_SHA1_32"
    case aeadAES128GCM = "AEAD_AES_128_GCM"
    case aeadAES256GCM = "AEAD_AES_256_GCM"

    /// The suite an SDP names (case-insensitive), if it is one of these.
    public init?(sdpName: String) {
        self.init(rawValue: sdpName.uppercased())
    }

    /// Master key length in bytes.
    public var keyLength: Int {
        switch self {
        case .aesCM128HmacSHA1_80, .aesCM128HmacSHA1_32, .aeadAES128GCM: 16
        case .aes192CMHmacSHA1_80, .aes192CMHmacSHA1_32: 24
        case .aes256CMHmacSHA1_80, .aes256CMHmacSHA1_32, .aeadAES256GCM: 32
        }
    }

    /// Master salt length in bytes: 112 bits for counter mode, 96 for GCM (RFC 7714).
    public var saltLength: Int {
        switch self {
        case .aeadAES128GCM, .aeadAES256GCM: 12
        default: 14
        }
    }

    /// Sets `policy` (RTP or RTCP) to this suite. SRTCP of the `_32` suites keeps an 80-bit tag
    /// (RFC 4568 section 6.2.1).
    func apply(rtp: inout srtp_crypto_policy_t, rtcp: inout srtp_crypto_policy_t) {
        switch self {
        case .aesCM128HmacSHA1_80:
            srtp_crypto_policy_set_rtp_default(&rtp)
            srtp_crypto_policy_set_rtp_default(&rtcp)
        case .aesCM128HmacSHA1_32:
            srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&rtp)
            srtp_crypto_policy_set_rtp_default(&rtcp)
        case .aes192CMHmacSHA1_80:
            srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(&rtp)
            srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(&rtcp)
        case .aes192CMHmacSHA1_32:
            srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32(&rtp)
            srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(&rtcp)
        case .aes256CMHmacSHA1_80:
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&rtp)
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&rtcp)
        case .aes256CMHmacSHA1_32:
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&rtp)
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&rtcp)
        case .aeadAES128GCM:
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&rtp)
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&rtcp)
        case .aeadAES256GCM:
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&rtp)
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&rtcp)
        }
    }
}
