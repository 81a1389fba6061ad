import CSRTP
import SRTPCrypto

/// Decrypts the SRTP of one flow with libsrtp, on the media worker that owns the flow's call
/// (never on the capture thread). Each SSRC of the flow gets a libsrtp session of its own, made
/// when a key authenticates its packets: the sender's SDP may offer several keys, and only the
/// authentication tag tells which one it uses. A capture that starts in the middle of a long
/// call does not know the stream's rollover counter; the first packets of an SSRC search it,
/// boundedly. A packet whose tag fails with every key is reported, never decrypted to noise.
///
/// Per packet, this code copies the packet into the worker's scratch buffer and allocates
/// nothing; sessions are made only when an SSRC is new or its key changes. libsrtp's ciphers
/// and HMAC are replaced by ones on libcrypto that allocate nothing per packet either
/// (`SRTPCrypto`; Debian's libsrtp is built on NSS, which makes a cipher context per packet). At most
/// `maxStreams` SSRCs are kept per flow, so that garbage with a new SSRC in every packet costs
/// neither memory nor a search per packet once they are taken.
public final class SRTPDecryptor {
    public enum Outcome: Equatable {
        /// The scratch buffer holds the plain RTP packet of `length` bytes. `newKey` is true on
        /// the first packet an SSRC decrypts with a key (its first, or one after a re-key).
        case decrypted(length: Int, newKey: Bool)
        /// No key authenticates the packet (wrong keys, tampered, truncated).
        case authenticationFailed
        /// The packet was decrypted before (a duplicate) or is older than the replay window.
        case replayed
        /// Not an SRTP packet at all (too short, not version 2).
        case malformed
    }

    /// Rollover counters tried when an SSRC is first seen: 64 wraps of the sequence number are
    /// about 23 hours of a 20 ms stream.
    public static let rolloverSearch: UInt32 = 64
    /// An SSRC that no key opens is searched again only on every this many failed packets, so
    /// that wrong keys cost one attempt per key per packet.
    static let searchEvery = 250
    /// Old keys kept after a re-key, for packets still in flight under them.
    static let maxKeys = 8
    /// libsrtp's replay window in packets: reordering deeper than this is not decrypted.
    static let replayWindow: UInt = 1024
    /// SSRCs kept per flow (a flow carries one, a few after re-INVITEs or forks).
    static let maxStreams = 16

    public private(set) var keys: [SRTPKeys]
    private var streams: [Stream] = []
    private var last = -1

    private struct Stream {
        var ssrc: UInt32
        var session: srtp_t?
        var keyIndex = -1
        /// The rollover counter of the last packet decrypted: where a search after a re-key starts.
        var rollover: UInt32 = 0
        /// Packets that failed since the session last decrypted one (or since the SSRC appeared).
        var failures = 0
    }

    public init(keys: [SRTPKeys]) {
        self.keys = keys
    }

    deinit {
        for stream in streams { if let s = stream.session { srtp_dealloc(s) } }
    }

    /// The sender re-keyed (a re-INVITE): the new keys are tried first, the old ones after them
    /// for packets sent before the change.
    public func replaceKeys(_ new: [SRTPKeys]) {
        var merged = new
        for key in keys where !merged.contains(key) { merged.append(key) }
        let kept = Array(merged.prefix(Self.maxKeys))
        // Sessions keep their key object; only the indices into the list move.
        for i in streams.indices where streams[i].keyIndex >= 0 {
            let key = keys[streams[i].keyIndex]
            streams[i].keyIndex = kept.firstIndex(of: key) ?? -1
            if streams[i].keyIndex < 0, let s = streams[i].session {
                srtp_dealloc(s)
                streams[i].session = nil
            }
        }
        keys = kept
    }

    /// SSRCs the flow keeps entries for.
    var ssrcCount: Int { streams.count }

    /// The suite with which `ssrc` is being decrypted, if any key opened it.
    public func suite(of ssrc: UInt32) -> SRTPSuite? {
        guard let i = streams.firstIndex(where: { $0.ssrc == ssrc }), streams[i].keyIndex >= 0 else { return nil }
        return keys[streams[i].keyIndex].suite
    }

    /// Decrypts `packet` into `scratch` (at least `packet.count` bytes, 4-byte aligned).
    public func unprotect(_ packet: UnsafeRawBufferPointer, into scratch: UnsafeMutableRawPointer) -> Outcome {
        guard packet.count >= 12, packet[0] >> 6 == 2 else { return .malformed }
        let ssrc = RTPPacket.ssrc(of: packet)
        guard let i = streamIndex(ssrc) else { return .authenticationFailed }
        if let session = streams[i].session {
            var length = Int32(packet.count)
            scratch.copyMemory(from: packet.baseAddress!, byteCount: packet.count)
            let status = unprotect(session, scratch, &length, usesMKI: !keys[streams[i].keyIndex].mki.isEmpty)
            switch status {
            case srtp_err_status_ok:
                streams[i].failures = 0
                return .decrypted(length: Int(length), newKey: false)
            case srtp_err_status_replay_fail, srtp_err_status_replay_old:
                return .replayed
            default:
                // The key may have changed: a search starts from where this session's counter is.
                if streams[i].failures == 0 {
                    var roc: UInt32 = 0
                    if srtp_get_stream_roc(session, ssrc, &roc) == srtp_err_status_ok { streams[i].rollover = roc }
                }
            }
        }
        streams[i].failures += 1
        let failures = streams[i].failures
        // The first packets of a stream, and now and then after: a re-key, or a key that
        // only now authenticates.
        guard failures <= 4 || failures % Self.searchEvery == 0 else { return .authenticationFailed }
        if let length = search(i, packet, scratch) { return .decrypted(length: length, newKey: true) }
        return .authenticationFailed
    }

    /// Decrypts an SRTCP packet into `scratch` (at least `packet.count` bytes, 4-byte aligned)
    /// with the session of its sender's SSRC, made when that SSRC's RTP was first decrypted.
    /// Returns the length of the plain RTCP, or nil when that session does not authenticate it
    /// (plain RTCP on an SRTP leg, tampered, or RTCP before the SSRC's first RTP).
    public func unprotectRTCP(_ packet: UnsafeRawBufferPointer, into scratch: UnsafeMutableRawPointer) -> Int? {
        guard RTPPacket.isRTCP(packet), let ssrc = RTCPPacket.senderSSRC(of: packet),
              let i = streams.firstIndex(where: { $0.ssrc == ssrc }), let session = streams[i].session else { return nil }
        var length = Int32(packet.count)
        scratch.copyMemory(from: packet.baseAddress!, byteCount: packet.count)
        let status = keys[streams[i].keyIndex].mki.isEmpty
            ? srtp_unprotect_rtcp(session, scratch, &length)
            : srtp_unprotect_rtcp_mki(session, scratch, &length, 1)
        return status == srtp_err_status_ok ? Int(length) : nil
    }

    /// The entry of `ssrc`, made if new; nil when every entry is taken by an SSRC that some key
    /// opened (a new one then gets no search).
    @inline(__always)
    private func streamIndex(_ ssrc: UInt32) -> Int? {
        if last >= 0, streams[last].ssrc == ssrc { return last }
        if let i = streams.firstIndex(where: { $0.ssrc == ssrc }) {
            last = i
            return i
        }
        if streams.count < Self.maxStreams {
            streams.append(Stream(ssrc: ssrc))
            last = streams.count - 1
        } else {
            // An SSRC that no key ever opened gives its entry up.
            guard let unopened = streams.firstIndex(where: { $0.session == nil }) else { return nil }
            streams[unopened] = Stream(ssrc: ssrc)
            last = unopened
        }
        return last
    }

    /// Tries every key with the stream's last rollover counter, the next one, then the others
    /// up to `rolloverSearch`; installs the session that authenticates the packet.
    private func search(_ i: Int, _ packet: UnsafeRawBufferPointer, _ scratch: UnsafeMutableRawPointer) -> Int? {
        let ssrc = streams[i].ssrc
        let known = streams[i].rollover
        var rollovers: [UInt32] = [known, known &+ 1]
        for r in 0..<Self.rolloverSearch where r != known && r != known &+ 1 { rollovers.append(r) }
        for (k, key) in keys.enumerated() {
            // The session in use was tried already for this packet.
            if k == streams[i].keyIndex, streams[i].session != nil { continue }
            guard let session = Self.makeSession(key: key, ssrc: ssrc) else { continue }
            for rollover in rollovers {
                srtp_set_stream_roc(session, ssrc, rollover)
                var length = Int32(packet.count)
                scratch.copyMemory(from: packet.baseAddress!, byteCount: packet.count)
                if unprotect(session, scratch, &length, usesMKI: !key.mki.isEmpty) == srtp_err_status_ok {
                    if let old = streams[i].session { srtp_dealloc(old) }
                    streams[i].session = session
                    streams[i].keyIndex = k
                    streams[i].failures = 0
                    var roc: UInt32 = 0
                    if srtp_get_stream_roc(session, ssrc, &roc) == srtp_err_status_ok { streams[i].rollover = roc }
                    return Int(length)
                }
            }
            srtp_dealloc(session)
        }
        return nil
    }

    @inline(__always)
    private func unprotect(_ session: srtp_t, _ buffer: UnsafeMutableRawPointer, _ length: inout Int32,
                           usesMKI: Bool) -> srtp_err_status_t {
        usesMKI ? srtp_unprotect_mki(session, buffer, &length, 1) : srtp_unprotect(session, buffer, &length)
    }

    /// A session for one SSRC under one key (the tests send with one too).
    static func makeSession(key: SRTPKeys, ssrc: UInt32) -> srtp_t? {
        SRTPLibrary.initialize()
        var policy = srtp_policy_t()
        key.suite.apply(rtp: &policy.rtp, rtcp: &policy.rtcp)
        policy.ssrc.type = ssrc_specific
        policy.ssrc.value = ssrc
        policy.window_size = replayWindow
        var session: srtp_t?
        var keyBytes = key.keyAndSalt
        var mki = key.mki
        let status = keyBytes.withUnsafeMutableBufferPointer { keyBuffer in
            mki.withUnsafeMutableBufferPointer { mkiBuffer in
                if mkiBuffer.isEmpty {
                    policy.key = keyBuffer.baseAddress
                    return srtp_create(&session, &policy)
                }
                var master = srtp_master_key_t(key: keyBuffer.baseAddress, mki_id: mkiBuffer.baseAddress,
                                               mki_size: UInt32(mkiBuffer.count))
                return withUnsafeMutablePointer(to: &master) { masterPointer in
                    var list: UnsafeMutablePointer<srtp_master_key_t>? = masterPointer
                    return withUnsafeMutablePointer(to: &list) { listPointer in
                        policy.keys = listPointer
                        policy.num_master_keys = 1
                        return srtp_create(&session, &policy)
                    }
                }
            }
        }
        return status == srtp_err_status_ok ? session : nil
    }
}

/// libsrtp's one-time initialisation (its crypto kernel, with the libcrypto ciphers and HMAC
/// of `SRTPCrypto` in place of its own), done before the first session.
enum SRTPLibrary {
    /// libsrtp's status on replacing its crypto, or -1 when srtp_init failed. Should the
    /// replacement fail (a libsrtp whose known-answer tests it does not pass), libsrtp's own
    /// crypto stays: slower and allocating, never wrong.
    static let cryptoStatus: Int32 = {
        guard srtp_init() == srtp_err_status_ok else { return -1 }
        return calltap_srtp_use_libcrypto()
    }()

    /// Whether packets are decrypted by `SRTPCrypto` (allocation-free) rather than libsrtp's own.
    static var usesLibcrypto: Bool { cryptoStatus == 0 }

    static func initialize() { _ = cryptoStatus }
}
