#!/usr/bin/env python3
"""Synthesise a complete SIP + SDP (SDES a=crypto) + SRTP call and write it as a pcap.

An independent implementation of SRTP for calltap's test captures, built only on the
`cryptography` package (AES and HMAC primitives); nothing here comes from libsrtp.
make-srtp-captures.sh checks every file this writes with srtp_check (libsrtp2).

  RFC 3711  AES-CM key derivation (kdr 0), AES-CM encryption, HMAC-SHA1 tags (80 / 32 bit)
  RFC 6188  AES_256_CM_HMAC_SHA1_80 / _32 (same scheme, 256-bit master key)
  RFC 7714  AEAD_AES_128_GCM / AEAD_AES_256_GCM (96-bit salt, 16-byte tag, header as AAD)
  RFC 4568  SDES: a=crypto:<tag> <suite> inline:<base64(key||salt)>[|lifetime][|MKI:len]

The call: caller INVITE (offer) -> 100 -> 180 -> 200 (answer) -> ACK -> both sides send a
PCMU (or PCMA) sine tone every 20 ms -> [re-INVITE with new keys from both sides] -> BYE ->
200. Each key in an SDP is the key its author SENDS with (RFC 4568). Only the caller's
packets carry the 20 ms spacing exactly; nothing is jittered. Output: classic pcap, EN10MB
with zero MAC addresses (like tcpdump on lo), microsecond timestamps.

Options that make damaged captures:
  --tamper N         flip one bit of the encrypted payload of every Nth SRTP packet of each
                     stream (packets N, 2N, ... counted from 1): those fail authentication.
  --truncate N       record every Nth SRTP packet of each stream cut short in the pcap (caplen = wire length
                     - 6, the auth tag partly missing), as a small snaplen would.
  --wrong-key        the SDP shows keys that differ from the ones the media is protected with.
  --start-after-answer   the file starts with the first media packet (no INVITE/200/SDP).

  python3 make_srtp_capture.py -o out.pcap --suite AES_CM_128_HMAC_SHA1_80 \
      --caller-hz 440 --callee-hz 1000 --duration 4 --seq 65436,65500
"""
import argparse
import base64
import hashlib
import hmac
import math
import random
import struct
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# suite -> (master key bytes, master salt bytes, auth tag bytes, aead)
SUITES = {
    "AES_CM_128_HMAC_SHA1_80": (16, 14, 10, False),
    "AES_CM_128_HMAC_SHA1_32": (16, 14, 4, False),
    "AES_256_CM_HMAC_SHA1_80": (32, 14, 10, False),
    "AES_256_CM_HMAC_SHA1_32": (32, 14, 4, False),
    "AEAD_AES_128_GCM": (16, 12, 16, True),
    "AEAD_AES_256_GCM": (32, 12, 16, True),
}


# ---------------------------------------------------------------- SRTP (RFC 3711 / 7714)
def aes_ctr(key, iv16, data):
    """AES in counter mode from the 128-bit counter block iv16 (SRTP's AES-CM: the low 16
    bits of every IV here are zero, so a 16-bit and a 128-bit counter agree)."""
    enc = Cipher(algorithms.AES(key), modes.CTR(iv16)).encryptor()
    return enc.update(data) + enc.finalize()


def kdf(master_key, master_salt, label, length):
    """RFC 3711 4.3.1/4.3.3 AES-CM PRF, key_derivation_rate 0 (so r = 0).
    x = key_id XOR master_salt, key_id = label || 48 zero bits; IV = x * 2^16.
    A 96-bit GCM salt is used as the 112-bit KDF salt padded with two zero bytes on the
    right (RFC 7714 section 11; libsrtp does the same)."""
    salt = master_salt + b"\0" * (14 - len(master_salt))
    x = int.from_bytes(salt, "big") ^ (label << 48)
    iv = (x << 16).to_bytes(16, "big")
    return aes_ctr(master_key, iv, b"\0" * length)


class SrtpSender:
    """The sending crypto context of one SRTP stream (one SSRC)."""

    def __init__(self, suite, master_key, master_salt, mki=None):
        self.suite = suite
        klen, slen, self.tag_len, self.aead = SUITES[suite]
        assert len(master_key) == klen and len(master_salt) == slen
        self.k_e = kdf(master_key, master_salt, 0, klen)
        self.k_a = kdf(master_key, master_salt, 1, 20)
        self.k_s = kdf(master_key, master_salt, 2, slen)
        self.mki = mki or b""  # MKI bytes carried in every packet (empty: no MKI)

    def protect(self, rtp, roc):
        """rtp: a plain RTP packet (12-byte header, no CSRC/extension); roc: its rollover
        counter. Returns the SRTP packet."""
        hdr, payload = rtp[:12], rtp[12:]
        seq = struct.unpack("!H", rtp[2:4])[0]
        ssrc = struct.unpack("!I", rtp[8:12])[0]
        if self.aead:
            # RFC 7714 8.1: IV = (00 00 || SSRC || ROC || SEQ) XOR salt; AAD = RTP header.
            iv = bytes(a ^ b for a, b in zip(
                struct.pack("!HIIH", 0, ssrc, roc, seq), self.k_s))
            sealed = AESGCM(self.k_e).encrypt(iv, payload, hdr)  # ciphertext || 16-byte tag
            return hdr + sealed + self.mki  # RFC 7714 9: the MKI follows the tag
        # RFC 3711 4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16), i = ROC*2^16+SEQ
        index = (roc << 16) | seq
        iv = (int.from_bytes(self.k_s, "big") << 16) ^ (ssrc << 64) ^ (index << 16)
        enc = aes_ctr(self.k_e, iv.to_bytes(16, "big"), payload)
        # RFC 3711 4.2: tag = HMAC-SHA1(k_a, header || encrypted payload || ROC), truncated;
        # the MKI sits between the encrypted portion and the tag and is not authenticated.
        tag = hmac.new(self.k_a, hdr + enc + struct.pack("!I", roc), hashlib.sha1).digest()
        return hdr + enc + self.mki + tag[: self.tag_len]


# ---------------------------------------------------------------- G.711
def linear2ulaw(sample):
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    if sample < 0:
        sample = -sample
    sample = min(sample, clip) + bias
    exponent = 7
    mask = 0x4000
    while exponent > 0 and not sample & mask:
        exponent -= 1
        mask >>= 1
    mantissa = (sample >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def linear2alaw(sample):
    sign = 0x80 if sample >= 0 else 0
    if sample < 0:
        sample = -sample - 1
    sample = min(sample, 32767) >> 3
    if sample < 32:
        code = sample >> 1
    else:
        exponent = 1
        while sample >= 64 and exponent < 7:
            sample >>= 1
            exponent += 1
        code = (exponent << 4) | ((sample >> 1) & 0x0F)
    return (code | sign) ^ 0x55


def tone_payloads(hz, count, pt, amplitude=0.5, rate=8000, ptime=20):
    enc = linear2ulaw if pt == 0 else linear2alaw
    per = rate * ptime // 1000
    out = []
    for p in range(count):
        out.append(bytes(enc(int(round(amplitude * 32767 *
                                       math.sin(2 * math.pi * hz * (p * per + n) / rate))))
                         for n in range(per)))
    return out


# ---------------------------------------------------------------- pcap / UDP
def ip_checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Pcap:
    def __init__(self):
        self.records = []  # (time, frame bytes, caplen)
        self.ip_id = 1

    def udp(self, t, src, sport, dst, dport, payload, caplen_cut=0):
        s, d = bytes(map(int, src.split("."))), bytes(map(int, dst.split(".")))
        ulen = 8 + len(payload)
        pseudo = s + d + struct.pack("!BBH", 0, 17, ulen)
        udp_hdr = struct.pack("!HHHH", sport, dport, ulen, 0)
        csum = ip_checksum(pseudo + udp_hdr + payload) or 0xFFFF
        udp_hdr = struct.pack("!HHHH", sport, dport, ulen, csum)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, self.ip_id & 0xFFFF, 0x4000,
                         64, 17, 0, s, d)
        ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
        self.ip_id += 1
        frame = b"\0" * 12 + b"\x08\x00" + ip + udp_hdr + payload
        self.records.append((t, frame, len(frame) - caplen_cut))

    def write(self, path, t0):
        self.records.sort(key=lambda r: r[0])
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
            for t, frame, caplen in self.records:
                us = int(round((t0 + t) * 1e6))
                f.write(struct.pack("<IIII", us // 1000000, us % 1000000, caplen, len(frame)))
                f.write(frame[:caplen])


# ---------------------------------------------------------------- SIP
class Party:
    def __init__(self, name, ip, sip_port, rtp_port, hz, ssrc, seq, ts):
        self.name, self.ip, self.sip_port, self.rtp_port = name, ip, sip_port, rtp_port
        self.hz, self.ssrc, self.seq0, self.ts0 = hz, ssrc, seq, ts
        self.sess_version = 1


def crypto_line(tag, suite, key, salt, lifetime, mki):
    inline = "inline:" + base64.b64encode(key + salt).decode()
    if lifetime:
        inline += "|" + lifetime
    if mki:
        inline += "|%d:%d" % mki
    return "a=crypto:%d %s %s" % (tag, suite, inline)


def sdp(p, pt, suite, key, salt, lifetime, mki, sess_id):
    codec = "PCMU" if pt == 0 else "PCMA"
    lines = [
        "v=0",
        "o=%s %d %d IN IP4 %s" % (p.name, sess_id, p.sess_version, p.ip),
        "s=calltap-synth",
        "c=IN IP4 %s" % p.ip,
        "t=0 0",
        "m=audio %d RTP/SAVP %d" % (p.rtp_port, pt),
        "a=rtpmap:%d %s/8000" % (pt, codec),
        "a=ptime:20",
        crypto_line(1, suite, key, salt, lifetime, mki),
        "a=sendrecv",
    ]
    p.sess_version += 1
    return ("\r\n".join(lines) + "\r\n").encode()


class Dialog:
    def __init__(self, caller, callee, rng):
        self.a, self.b = caller, callee
        self.call_id = "%032x@%s" % (rng.getrandbits(128), caller.ip)
        self.from_tag = "%08x" % rng.getrandbits(32)
        self.to_tag = "%08x" % rng.getrandbits(32)
        self.rng = rng
        self.cseq = 0

    def _uri(self, p):
        return "sip:%s@%s:%d" % (p.name, p.ip, p.sip_port)

    def request(self, method, body=None, cseq=None, to_tag=True):
        if cseq is None:
            self.cseq += 1
            cseq = self.cseq
        a, b = self.a, self.b
        branch = "z9hG4bK%08x" % self.rng.getrandbits(32)
        h = ["%s %s SIP/2.0" % (method, self._uri(b)),
             "Via: SIP/2.0/UDP %s:%d;branch=%s;rport" % (a.ip, a.sip_port, branch),
             "Max-Forwards: 70",
             "From: <sip:%s@%s>;tag=%s" % (a.name, a.ip, self.from_tag),
             "To: <sip:%s@%s>%s" % (b.name, b.ip, (";tag=" + self.to_tag) if to_tag else ""),
             "Call-ID: " + self.call_id,
             "CSeq: %d %s" % (cseq, method),
             "Contact: <%s>" % self._uri(a),
             "User-Agent: calltap make_srtp_capture.py"]
        return self._finish(h, body), branch, cseq, method

    def response(self, req, code, reason, body=None, to_tag=True):
        _, branch, cseq, method = req
        a, b = self.a, self.b
        h = ["SIP/2.0 %d %s" % (code, reason),
             "Via: SIP/2.0/UDP %s:%d;branch=%s;rport=%d;received=%s"
             % (a.ip, a.sip_port, branch, a.sip_port, a.ip),
             "From: <sip:%s@%s>;tag=%s" % (a.name, a.ip, self.from_tag),
             "To: <sip:%s@%s>%s" % (b.name, b.ip, (";tag=" + self.to_tag) if to_tag else ""),
             "Call-ID: " + self.call_id,
             "CSeq: %d %s" % (cseq, method)]
        if code == 200 and method == "INVITE":
            h.append("Contact: <%s>" % self._uri(b))
        return self._finish(h, body)

    @staticmethod
    def _finish(h, body):
        if body:
            h.append("Content-Type: application/sdp")
        h.append("Content-Length: %d" % (len(body) if body else 0))
        return ("\r\n".join(h) + "\r\n\r\n").encode() + (body or b"")


# ---------------------------------------------------------------- main
def parse_mki(text):
    if not text:
        return None
    v, l = text.split(":")
    return int(v), int(l)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--suite", default="AES_CM_128_HMAC_SHA1_80", choices=sorted(SUITES))
    ap.add_argument("--caller-hz", type=float, default=440)
    ap.add_argument("--callee-hz", type=float, default=1000)
    ap.add_argument("--duration", type=float, default=4.0, help="seconds of media")
    ap.add_argument("--pt", type=int, default=0, choices=(0, 8), help="0 PCMU, 8 PCMA")
    ap.add_argument("--seq", default="1000,2000",
                    help="first sequence number of caller[,callee] (near 65535 to wrap)")
    ap.add_argument("--caller", default="127.0.20.1", help="caller IPv4 address")
    ap.add_argument("--callee", default="127.0.20.2", help="callee IPv4 address")
    ap.add_argument("--caller-rtp", type=int, default=6100)
    ap.add_argument("--callee-rtp", type=int, default=6000)
    ap.add_argument("--start-after-answer", action="store_true",
                    help="drop everything before the first media packet")
    ap.add_argument("--rekey-at", type=float,
                    help="seconds into the media: re-INVITE/200/ACK with new keys both ways")
    ap.add_argument("--tamper", type=int, default=0, metavar="N")
    ap.add_argument("--truncate", type=int, default=0, metavar="N")
    ap.add_argument("--wrong-key", action="store_true")
    ap.add_argument("--mki", metavar="VALUE:LEN", help="MKI in SDP and in every packet, e.g. 1:4")
    ap.add_argument("--lifetime", default="", help="key lifetime in SDP, e.g. 2^31")
    ap.add_argument("--seed", type=int, default=1, help="random seed (keys, SSRCs, tags)")
    ap.add_argument("--keys-out", help="write 'SRC_IP:PORT SUITE KEY_B64 FROM_TIME' lines")
    ap.add_argument("--stream-only", choices=("caller", "callee"),
                    help="write only that side's SRTP packets (an RTP-only pcap for SIPp's "
                         "play_pcap_audio), from t=0, with --key, --ssrc, --ts; "
                         "its first sequence number is the --seq value of that side")
    ap.add_argument("--key", help="base64 master key||salt for --stream-only")
    ap.add_argument("--ssrc", type=lambda x: int(x, 0), help="SSRC for --stream-only")
    ap.add_argument("--ts", type=lambda x: int(x, 0), default=0,
                    help="first RTP timestamp for --stream-only")
    args = ap.parse_args()
    if args.stream_only:
        return stream_only(args)

    rng = random.Random(args.seed)
    seqs = [int(x) for x in args.seq.split(",")]
    if len(seqs) == 1:
        seqs.append((seqs[0] + 1000) % 65536)
    caller = Party("alice", args.caller, 5060, args.caller_rtp, args.caller_hz,
                   rng.getrandbits(32), seqs[0], rng.getrandbits(32))
    callee = Party("bob", args.callee, 5060, args.callee_rtp, args.callee_hz,
                   rng.getrandbits(32), seqs[1], rng.getrandbits(32))
    klen, slen, _, _ = SUITES[args.suite]
    mki = parse_mki(args.mki)
    mki_bytes = mki[0].to_bytes(mki[1], "big") if mki else None

    def new_keys():
        real = (rng.randbytes(klen), rng.randbytes(slen))
        shown = (rng.randbytes(klen), rng.randbytes(slen)) if args.wrong_key else real
        return real, shown

    pcap = Pcap()
    dlg = Dialog(caller, callee, rng)
    sess_a, sess_b = rng.getrandbits(31), rng.getrandbits(31)
    keys_log = []

    def sip(t, frm, to, msg):
        pcap.udp(t, frm.ip, frm.sip_port, to.ip, to.sip_port, msg)

    def log_keys(t, party, shown):
        keys_log.append("%s:%d %s %s %.6f" % (party.ip, party.rtp_port, args.suite,
                                              base64.b64encode(shown[0] + shown[1]).decode(), t))

    # Call set-up
    t = 0.0
    (ka_real, ka_shown), (kb_real, kb_shown) = new_keys(), new_keys()
    invite = dlg.request("INVITE", sdp(caller, args.pt, args.suite, *ka_shown,
                                       args.lifetime, mki, sess_a), to_tag=False)
    sip(t, caller, callee, invite[0])
    sip(t + 0.0003, callee, caller, dlg.response(invite, 100, "Trying", to_tag=False))
    sip(t + 0.0012, callee, caller, dlg.response(invite, 180, "Ringing"))
    sip(t + 0.5000, callee, caller, dlg.response(
        invite, 200, "OK", sdp(callee, args.pt, args.suite, *kb_shown, args.lifetime, mki,
                               sess_b)))
    sip(t + 0.5004, caller, callee, dlg.request("ACK", cseq=invite[2])[0])
    log_keys(0.0, caller, ka_shown)
    log_keys(0.5, callee, kb_shown)
    media_t0 = 0.52

    # Media
    npk = int(round(args.duration / 0.020))
    rekey_pk = int(round(args.rekey_at / 0.020)) if args.rekey_at else None
    streams = []
    for p, real, offset in ((caller, ka_real, 0.0), (callee, kb_real, 0.0073)):
        streams.append({"p": p, "ctx": SrtpSender(args.suite, *real, mki=mki_bytes),
                        "payloads": tone_payloads(p.hz, npk, args.pt), "offset": offset})
    other = {caller.name: callee, callee.name: caller}
    for i in range(npk):
        if rekey_pk is not None and i == rekey_pk:
            tr = media_t0 + i * 0.020 - 0.010
            (na_real, na_shown), (nb_real, nb_shown) = new_keys(), new_keys()
            reinv = dlg.request("INVITE", sdp(caller, args.pt, args.suite, *na_shown,
                                              args.lifetime, mki, sess_a))
            sip(tr, caller, callee, reinv[0])
            sip(tr + 0.0010, callee, caller, dlg.response(
                reinv, 200, "OK", sdp(callee, args.pt, args.suite, *nb_shown, args.lifetime,
                                      mki, sess_b)))
            sip(tr + 0.0015, caller, callee, dlg.request("ACK", cseq=reinv[2])[0])
            streams[0]["ctx"] = SrtpSender(args.suite, *na_real, mki=mki_bytes)
            streams[1]["ctx"] = SrtpSender(args.suite, *nb_real, mki=mki_bytes)
            log_keys(tr, caller, na_shown)
            log_keys(tr + 0.001, callee, nb_shown)
        for s in streams:
            p = s["p"]
            seq_full = p.seq0 + i
            seq, roc = seq_full & 0xFFFF, seq_full >> 16
            ts = (p.ts0 + 160 * i) & 0xFFFFFFFF
            marker = 0x80 if i == 0 else 0
            rtp = struct.pack("!BBHII", 0x80, marker | args.pt, seq, ts, p.ssrc) + s["payloads"][i]
            pkt = bytearray(s["ctx"].protect(rtp, roc))
            if args.tamper and (i + 1) % args.tamper == 0:
                pkt[12 + 5] ^= 0x10  # a bit of the encrypted payload
            cut = 6 if args.truncate and (i + 1) % args.truncate == 0 else 0
            q = other[p.name]
            pcap.udp(media_t0 + i * 0.020 + s["offset"], p.ip, p.rtp_port, q.ip, q.rtp_port,
                     bytes(pkt), caplen_cut=cut)

    # Hang up
    tb = media_t0 + npk * 0.020 + 0.010
    bye = dlg.request("BYE")
    sip(tb, caller, callee, bye[0])
    sip(tb + 0.0005, callee, caller, dlg.response(bye, 200, "OK"))

    if args.start_after_answer:
        first_media = min(r[0] for r in pcap.records if r[0] >= media_t0)
        pcap.records = [r for r in pcap.records if r[0] >= first_media]
        pcap.records = [(r[0] - first_media, r[1], r[2]) for r in pcap.records]
        keys_log = [k for k in keys_log]  # keys are still reported: they are not in the file
    pcap.write(args.output, 1767225600.0)  # 2026-01-01T00:00:00Z
    if args.keys_out:
        with open(args.keys_out, "w") as f:
            f.write("\n".join(keys_log) + "\n")
    print("%s: %s, %d media packets per side, %d frames" %
          (args.output, args.suite, npk, len(pcap.records)), file=sys.stderr)


def stream_only(args):
    """One direction only, as RTP-only pcap: SIPp replays these packets (payload unchanged)
    from its own media address to the other side's SDP address."""
    seqs = [int(x) for x in args.seq.split(",")]
    side = 0 if args.stream_only == "caller" else 1
    seq0 = seqs[side] if side < len(seqs) else seqs[0]
    hz = args.caller_hz if side == 0 else args.callee_hz
    src, sport = (args.caller, args.caller_rtp) if side == 0 else (args.callee, args.callee_rtp)
    dst, dport = (args.callee, args.callee_rtp) if side == 0 else (args.caller, args.caller_rtp)
    klen, slen, _, _ = SUITES[args.suite]
    raw = base64.b64decode(args.key)
    assert len(raw) == klen + slen, "key length does not fit the suite"
    mki = parse_mki(args.mki)
    ctx = SrtpSender(args.suite, raw[:klen], raw[klen:],
                     mki=mki[0].to_bytes(mki[1], "big") if mki else None)
    npk = int(round(args.duration / 0.020))
    pcap = Pcap()
    for i, payload in enumerate(tone_payloads(hz, npk, args.pt)):
        full = seq0 + i
        rtp = struct.pack("!BBHII", 0x80, (0x80 if i == 0 else 0) | args.pt, full & 0xFFFF,
                          (args.ts + 160 * i) & 0xFFFFFFFF, args.ssrc) + payload
        pcap.udp(i * 0.020, src, sport, dst, dport, ctx.protect(rtp, full >> 16))
    pcap.write(args.output, 1767225600.0)


if __name__ == "__main__":
    main()
