#!/usr/bin/env python3
"""Generate a synthetic SIP/RTP capture for benchmarking and testing calltap.

Writes a classic pcap file (nanosecond-resolution magic 0xa1b23c4d,
LINKTYPE_ETHERNET) holding N concurrent SIP calls over UDP/IPv4, each carrying
S seconds of two-way G.711, G.722 or Opus RTP, plus FILE.calls.json
describing every call.

    python3 Benchmarks/generate_capture.py --calls 200 --seconds 60 \\
        --codec pcmu --out /tmp/bench.pcap

Call layout (call index i = 0 .. N-1)
-------------------------------------
* Caller: extension 1000+i at 10.1.(i // 250).(i % 250 + 1), SIP port 5060,
  RTP port 20000 + 2*(i % 5000).
* Callee: extension 2000+i at 10.2.(i // 250).(i % 250 + 1), SIP port 5060,
  RTP port 40000 + 2*(i % 5000).
* Call i's INVITE is sent at 2.0 * i / N seconds (starts staggered over the
  first ~2 s, so all calls overlap).  Relative to the INVITE:
  100 Trying +5 ms, 180 Ringing +20 ms, 200 OK (with SDP) +500 ms, ACK +510 ms.
  Each RTP stream starts at +520 ms plus a fixed, seeded phase offset in
  [0, ptime) and carries exactly S*1000/ptime packets, ptime apart.
  BYE is sent 20 ms after the later of the two streams' last nominal packet
  time (by the caller for even i, by the callee for odd i), and its 200 OK
  5 ms later.
* Tone scheme: every direction carries one pure sine tone,
      caller -> callee : 300 + 5 * (i % 300) Hz   (300 .. 1795 Hz)
      callee -> caller : 2000 + 5 * (i % 300) Hz  (2000 .. 3495 Hz)
  so the two sides of a call never share a band, and every call of a run of
  up to 300 calls has its own pair of frequencies.  Peak amplitude is
  AMPLITUDE (10000 of 32767, about -10 dBFS) before G.711 encoding.
* RTP: version 2, PT 0 (PCMU) or 8 (PCMA), seeded random SSRC, initial
  sequence number and initial timestamp per stream; sequence +1 and
  timestamp +8*ptime per packet; marker bit on the first packet.
* --codec g722 / opus: PT 9 (G722/8000: clock 8000, 160 bytes per 20 ms)
  or PT 111 (opus/48000/2 with a=fmtp:111 useinbandfec=1: timestamp
  +48*ptime, i.e. +960 per 20 ms; mono 48 kHz, CBR 32 kbit/s, so 80 bytes
  per 20 ms; in-band FEC on; encoder complexity 5).  The payloads come from
  captures/make/tone_rtp.c (spandsp's G.722 encoder, libopus), which this
  script compiles with cc and runs once per run: each distinct tone is
  encoded by a fresh encoder for ENCODED_WARMUP_S seconds, which are thrown
  away, and then for one loop of L = lcm(200 ms, ptime) (a whole number of
  cycles of every tone, all multiples of 5 Hz, and of packets); packet k of
  a stream carries loop packet k % (L / ptime).  Encoding the tones of 200
  calls takes about 8 s of CPU (Opus; G.722 well under 1 s), in two
  processes.
* --jitter-ms J adds seeded uniform jitter in [0, J) ms to each RTP capture
  time (the file stays sorted by time); --loss P drops a seeded fraction P
  of RTP packets (sequence numbers keep counting over the gaps).
* --rolling C (the soak layout): call i's INVITE is at i * S / C seconds
  instead, so that C calls are always in media, calls ending and starting
  all the time; --calls is the number of calls of the whole capture.  Each
  call's parameters (Call-ID, tags, SSRCs, phases...) come from a generator
  seeded by (seed, i) alone, and its addresses from slot i % 64000 (reused
  only 64000 calls later), so any part of an hours-long capture can be
  written without the rest.
* --from-seconds A / --to-seconds B write only the packets whose capture
  time is in [A, B) seconds after the first INVITE, with their times
  unchanged: the windows [0, W), [W, 2W), ... of one capture, joined (each
  file after the first without its 24-byte pcap header), are byte for byte
  the whole capture.  FILE.calls.json then lists the calls that have a
  packet in the window, and its per-stream counts (rtp_packets_in_capture,
  rtp_first_capture, rtp_last_capture) are those of the window.

Everything is derived from the arguments (and --seed), so the same arguments
always give a byte-identical file.

All times in FILE.calls.json are seconds from the file's first packet (call
0's INVITE, which is written at capture time EPOCH).
"""

import argparse
import hashlib
import json
import math
import os
import random
import struct
import sys
import time

import numpy as np

EPOCH = 1_700_000_000            # capture time of the first packet (UTC seconds)
AMPLITUDE = 10000                # peak sine amplitude, 16-bit linear
SAMPLE_RATE = 8000
NS = 1_000_000_000
MS = 1_000_000

CALLER_MAC = bytes.fromhex("020000000001")
CALLEE_MAC = bytes.fromhex("020000000002")
SIP_PORT = 5060
ADDRESS_SLOTS = 250 * 256        # distinct caller (and callee) addresses: 10.1.0.1 .. 10.1.255.250

# Offsets inside one call's timeline, nanoseconds after its INVITE.
T_TRYING = 5 * MS
T_RINGING = 20 * MS
T_OK = 500 * MS
T_ACK = 510 * MS
T_MEDIA = 520 * MS
T_BYE_AFTER_MEDIA = 20 * MS
T_BYE_OK = 5 * MS

CODECS = {
    "pcmu": {"pt": 0, "name": "PCMU"},
    "pcma": {"pt": 8, "name": "PCMA"},
    # Encoded by captures/make/tone_rtp.c (see encoded_tone_tables).
    "g722": {"pt": 9, "name": "G722", "encoder": "g722"},
    "opus": {"pt": 111, "name": "opus", "clock": 48000, "channels": 2,
             "fmtp": "useinbandfec=1", "encoder": "opus",
             "ptimes": (10, 20, 40, 60)},
}

HERE = os.path.dirname(os.path.abspath(__file__))
TONE_RTP_SOURCE = os.path.join(os.path.dirname(HERE), "captures", "make", "tone_rtp.c")
ENCODED_WARMUP_S = 1.0           # encoder run-in before the loop that is kept
OPUS_BITRATE = 32000             # CBR, so that every packet has the same size
OPUS_COMPLEXITY = 5              # half the encoding time of 10, for the same decoder work

PCAP_MAGIC_NS = 0xA1B23C4D
LINKTYPE_ETHERNET = 1
SNAPLEN = 65535


# --------------------------------------------------------------------------
# G.711 (ITU-T G.711 segment encoding; same algorithm as the reference
# Sun Microsystems g711.c that most implementations, including CPython's
# audioop, derive from).
# --------------------------------------------------------------------------

_SEG_UEND = (0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF)
_SEG_AEND = (0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF)
_ULAW_BIAS = 0x84
_ULAW_CLIP = 8159


def _segment(value, table):
    for seg, end in enumerate(table):
        if value <= end:
            return seg
    return len(table)


def linear_to_ulaw(sample):
    """Encode one signed 16-bit linear sample to an 8-bit mu-law code."""
    pcm = sample >> 2                         # 14-bit magnitude range
    if pcm < 0:
        pcm = -pcm
        mask = 0x7F
    else:
        mask = 0xFF
    if pcm > _ULAW_CLIP:
        pcm = _ULAW_CLIP
    pcm += _ULAW_BIAS >> 2
    seg = _segment(pcm, _SEG_UEND)
    if seg >= 8:
        return 0x7F ^ mask
    return ((seg << 4) | ((pcm >> (seg + 1)) & 0x0F)) ^ mask


def linear_to_alaw(sample):
    """Encode one signed 16-bit linear sample to an 8-bit A-law code."""
    pcm = sample >> 3                         # 13-bit magnitude range
    if pcm >= 0:
        mask = 0xD5                           # sign bit set, even bits inverted
    else:
        mask = 0x55
        pcm = -pcm - 1
    seg = _segment(pcm, _SEG_AEND)
    if seg >= 8:
        return 0x7F ^ mask
    aval = seg << 4
    if seg < 2:
        aval |= (pcm >> 1) & 0x0F
    else:
        aval |= (pcm >> seg) & 0x0F
    return aval ^ mask


def ulaw_to_linear(code):
    """Decode one 8-bit mu-law code to a signed 16-bit linear sample."""
    code = ~code & 0xFF
    t = ((code & 0x0F) << 3) + _ULAW_BIAS
    t <<= (code & 0x70) >> 4
    return (_ULAW_BIAS - t) if (code & 0x80) else (t - _ULAW_BIAS)


def alaw_to_linear(code):
    """Decode one 8-bit A-law code to a signed 16-bit linear sample."""
    code ^= 0x55
    t = (code & 0x0F) << 4
    seg = (code & 0x70) >> 4
    if seg == 0:
        t += 8
    elif seg == 1:
        t += 0x108
    else:
        t += 0x108
        t <<= seg - 1
    return t if (code & 0x80) else -t


_ENCODERS = {"pcmu": linear_to_ulaw, "pcma": linear_to_alaw}
_DECODERS = {"pcmu": ulaw_to_linear, "pcma": alaw_to_linear}


def encode_table(codec):
    """65536-entry uint8 table: code = table[sample + 32768]."""
    enc = _ENCODERS[codec]
    return np.array([enc(s) for s in range(-32768, 32768)], dtype=np.uint8)


def decode_table(codec):
    """256-entry int16 table: sample = table[code]."""
    dec = _DECODERS[codec]
    return np.array([dec(c) for c in range(256)], dtype=np.int16)


# --------------------------------------------------------------------------
# Tones
# --------------------------------------------------------------------------

def caller_tone_hz(i):
    return 300 + 5 * (i % 300)


def callee_tone_hz(i):
    return 2000 + 5 * (i % 300)


TONE_SCHEME = ("caller->callee tone = 300 + 5*(i %% 300) Hz; "
               "callee->caller tone = 2000 + 5*(i %% 300) Hz; "
               "i = call index from 0; peak amplitude %d/32767" % AMPLITUDE)


def tone_payload_table(freq_hz, samples_per_packet, enc_table):
    """All distinct payloads of a continuous tone, one row per packet phase.

    The tone repeats every P = 8000 / gcd(f, 8000) samples, so packet k's
    payload is row (k % rows) with rows = P / gcd(P, samples_per_packet).
    """
    period = SAMPLE_RATE // math.gcd(int(freq_hz), SAMPLE_RATE)
    rows = period // math.gcd(period, samples_per_packet)
    n = rows * samples_per_packet
    t = np.arange(n, dtype=np.float64)
    pcm = np.rint(AMPLITUDE * np.sin(2.0 * np.pi * freq_hz * t / SAMPLE_RATE))
    codes = enc_table[pcm.astype(np.int64) + 32768]
    return codes.reshape(rows, samples_per_packet)


def encoded_tone_tables(codec, freqs, ptime, log=None):
    """{freq: uint8 array (rows, payload_bytes)} of encoded tone payloads.

    Compiles captures/make/tone_rtp.c (cc, pkg-config: opus spandsp
    libbcg729) into a temporary folder and runs it in --raw mode: for each
    frequency a fresh encoder runs ENCODED_WARMUP_S seconds (not kept), then
    one loop of L ms, L a multiple of ptime and of every tone's period, so
    that packet k of a stream can carry row k % rows without a seam in the
    tone.  Two processes share the frequencies (the machine has 2 cores).
    """
    import shutil
    import subprocess
    import tempfile
    freqs = sorted(set(int(f) for f in freqs))
    loop_ms = ptime
    for f in freqs:
        loop_ms = math.lcm(loop_ms, 1000 // math.gcd(f, 1000))
    rows = loop_ms // ptime
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc or not shutil.which("pkg-config"):
        raise SystemExit("--codec %s needs cc and pkg-config (with libopus-dev, "
                         "libspandsp-dev, libbcg729-dev) to build %s" % (codec, TONE_RTP_SOURCE))
    with tempfile.TemporaryDirectory(prefix="calltap-tone-rtp-") as tmp:
        exe = os.path.join(tmp, "tone_rtp")
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "opus", "spandsp", "libbcg729"],
                               check=True, capture_output=True, text=True).stdout.split()
        subprocess.run([cc, "-O2", "-o", exe, TONE_RTP_SOURCE] + flags + ["-lm"], check=True)
        base = [exe, "--codec", codec, "--raw", "--ptime", str(ptime),
                "--amplitude", "%.12f" % (AMPLITUDE / 32767.0),
                "--warmup", "%g" % ENCODED_WARMUP_S, "--duration", "%g" % (loop_ms / 1000.0)]
        if codec == "opus":
            base += ["--cbr", "--bitrate", str(OPUS_BITRATE), "--complexity", str(OPUS_COMPLEXITY)]
        half = (len(freqs) + 1) // 2
        parts = [freqs[:half], freqs[half:]]
        procs = []
        for j, part in enumerate(parts):
            if not part:
                continue
            out = os.path.join(tmp, "frames%d" % j)
            cmd = base + ["-o", out]
            for f in part:
                cmd += ["--freq", str(f)]
            procs.append((part, out, subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)))
        tables = {}
        for part, out, proc in procs:
            _, err = proc.communicate()
            if proc.returncode != 0:
                raise SystemExit("tone_rtp failed: " + err.strip())
            size = int(err.split("payload_bytes")[1].split()[0])
            with open(out, "rb") as fh:
                data = np.frombuffer(fh.read(), dtype=np.uint8)
            if data.size != len(part) * rows * size:
                raise SystemExit("tone_rtp wrote %d bytes, expected %d" % (
                    data.size, len(part) * rows * size))
            data = data.reshape(len(part), rows, size)
            for j, f in enumerate(part):
                tables[f] = data[j]
    return tables


# --------------------------------------------------------------------------
# Packet building helpers
# --------------------------------------------------------------------------

def ip_bytes(dotted):
    return bytes(int(x) for x in dotted.split("."))


def checksum16(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def udp_frame(src_mac, dst_mac, src_ip, dst_ip, sport, dport, payload, ip_id):
    """Ethernet + IPv4 + UDP frame with correct IP and UDP checksums."""
    sip_b, dip_b = ip_bytes(src_ip), ip_bytes(dst_ip)
    udp_len = 8 + len(payload)
    pseudo = sip_b + dip_b + struct.pack("!BBH", 0, 17, udp_len)
    udp_hdr = struct.pack("!HHHH", sport, dport, udp_len, 0)
    ucs = checksum16(pseudo + udp_hdr + payload)
    if ucs == 0:
        ucs = 0xFFFF
    udp_hdr = struct.pack("!HHHH", sport, dport, udp_len, ucs)
    ip_hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, ip_id & 0xFFFF,
                         0x4000, 64, 17, 0, sip_b, dip_b)
    ip_hdr = ip_hdr[:10] + struct.pack("!H", checksum16(ip_hdr)) + ip_hdr[12:]
    return dst_mac + src_mac + b"\x08\x00" + ip_hdr + udp_hdr + payload


def pcap_record(t_ns, frame):
    sec, nsec = divmod(t_ns, NS)
    return struct.pack("<IIII", EPOCH + sec, nsec, len(frame), len(frame)) + frame


# --------------------------------------------------------------------------
# SIP
# --------------------------------------------------------------------------

def sip_message(start_line, headers, body=b""):
    lines = [start_line] + ["%s: %s" % (k, v) for k, v in headers]
    lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


def call_sip_packets(call, codec, ptime, rng):
    """Return [(t_ns, order, frame_bytes)] for one call's SIP exchange."""
    i = call["index"]
    cr, ce = call["caller"], call["callee"]
    t0 = call["_invite_ns"]
    hexid = lambda n: "%0*x" % (n, rng.getrandbits(4 * n))
    call_id = call["call_id"]
    from_tag, to_tag = call["_from_tag"], call["_to_tag"]
    caller_uri = "sip:%s@%s" % (cr["number"], cr["ip"])
    callee_uri = "sip:%s@%s" % (ce["number"], ce["ip"])
    caller_contact = "<sip:%s@%s:%d>" % (cr["number"], cr["ip"], SIP_PORT)
    callee_contact = "<sip:%s@%s:%d>" % (ce["number"], ce["ip"], SIP_PORT)
    from_hdr = '"Ext %s" <%s>;tag=%s' % (cr["number"], caller_uri, from_tag)
    to_hdr = "<%s>" % callee_uri
    to_hdr_tag = "<%s>;tag=%s" % (callee_uri, to_tag)
    ua = ("User-Agent", "calltap-bench-generator/1")
    srv = ("Server", "calltap-bench-generator/1")
    allow = ("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS")

    sess_a = rng.randrange(10**8, 10**9)
    sess_b = rng.randrange(10**8, 10**9)
    sdp_offer = sdp(cr["number"], cr["ip"], cr["rtp_port"], codec, ptime, sess_a)
    sdp_answer = sdp(ce["number"], ce["ip"], ce["rtp_port"], codec, ptime, sess_b)

    out = []
    ip_id = {"a": (i * 131) & 0xFFFF, "b": (i * 137 + 7) & 0xFFFF}

    def send(t, frm_caller, payload):
        side = "a" if frm_caller else "b"
        ip_id[side] += 1
        src, dst = (cr, ce) if frm_caller else (ce, cr)
        smac, dmac = (CALLER_MAC, CALLEE_MAC) if frm_caller else (CALLEE_MAC, CALLER_MAC)
        frame = udp_frame(smac, dmac, src["ip"], dst["ip"], SIP_PORT, SIP_PORT,
                          payload, ip_id[side])
        out.append((t, len(out), frame))

    # INVITE transaction
    via_inv = "SIP/2.0/UDP %s:%d;branch=z9hG4bK%s" % (cr["ip"], SIP_PORT, hexid(16))
    send(t0, True, sip_message("INVITE %s SIP/2.0" % callee_uri, [
        ("Via", via_inv), ("Max-Forwards", "70"), ("From", from_hdr),
        ("To", to_hdr), ("Call-ID", call_id), ("CSeq", "1 INVITE"),
        ("Contact", caller_contact), allow, ua,
        ("Content-Type", "application/sdp")], sdp_offer))
    resp = [("Via", via_inv), ("From", from_hdr), ("To", to_hdr_tag),
            ("Call-ID", call_id), ("CSeq", "1 INVITE")]
    send(t0 + T_TRYING, False, sip_message("SIP/2.0 100 Trying", resp + [srv]))
    send(t0 + T_RINGING, False, sip_message("SIP/2.0 180 Ringing",
                                            resp + [("Contact", callee_contact), srv]))
    send(t0 + T_OK, False, sip_message("SIP/2.0 200 OK", resp + [
        ("Contact", callee_contact), allow, srv,
        ("Content-Type", "application/sdp")], sdp_answer))
    # ACK (new branch, same CSeq number)
    via_ack = "SIP/2.0/UDP %s:%d;branch=z9hG4bK%s" % (cr["ip"], SIP_PORT, hexid(16))
    send(t0 + T_ACK, True, sip_message("ACK sip:%s@%s:%d SIP/2.0" % (
        ce["number"], ce["ip"], SIP_PORT), [
        ("Via", via_ack), ("Max-Forwards", "70"), ("From", from_hdr),
        ("To", to_hdr_tag), ("Call-ID", call_id), ("CSeq", "1 ACK"), ua]))

    # BYE transaction: caller hangs up on even calls, callee on odd calls.
    t_bye = call["_bye_ns"]
    if call["hangup_by"] == "caller":
        via_bye = "SIP/2.0/UDP %s:%d;branch=z9hG4bK%s" % (cr["ip"], SIP_PORT, hexid(16))
        bye_hdrs = [("Via", via_bye), ("Max-Forwards", "70"), ("From", from_hdr),
                    ("To", to_hdr_tag), ("Call-ID", call_id), ("CSeq", "2 BYE")]
        send(t_bye, True, sip_message("BYE sip:%s@%s:%d SIP/2.0" % (
            ce["number"], ce["ip"], SIP_PORT), bye_hdrs + [ua]))
        send(t_bye + T_BYE_OK, False, sip_message("SIP/2.0 200 OK", [
            h for h in bye_hdrs if h[0] != "Max-Forwards"] + [srv]))
    else:
        via_bye = "SIP/2.0/UDP %s:%d;branch=z9hG4bK%s" % (ce["ip"], SIP_PORT, hexid(16))
        bye_hdrs = [("Via", via_bye), ("Max-Forwards", "70"), ("From", to_hdr_tag),
                    ("To", from_hdr), ("Call-ID", call_id), ("CSeq", "1 BYE")]
        send(t_bye, False, sip_message("BYE sip:%s@%s:%d SIP/2.0" % (
            cr["number"], cr["ip"], SIP_PORT), bye_hdrs + [ua]))
        send(t_bye + T_BYE_OK, True, sip_message("SIP/2.0 200 OK", [
            h for h in bye_hdrs if h[0] != "Max-Forwards"] + [srv]))
    return out


def sdp(user, ip, port, codec, ptime, sess_id):
    c = CODECS[codec]
    rtpmap = "%s/%d" % (c["name"], c.get("clock", SAMPLE_RATE))
    if "channels" in c:
        rtpmap += "/%d" % c["channels"]
    if "fmtp" in c:
        rtpmap += "\r\na=fmtp:%d %s" % (c["pt"], c["fmtp"])
    return ("v=0\r\n"
            "o=%s %d %d IN IP4 %s\r\n"
            "s=calltap bench\r\n"
            "c=IN IP4 %s\r\n"
            "t=0 0\r\n"
            "m=audio %d RTP/AVP %d\r\n"
            "a=rtpmap:%d %s\r\n"
            "a=ptime:%d\r\n"
            "a=sendrecv\r\n" % (user, sess_id, sess_id, ip, ip, port, c["pt"],
                                c["pt"], rtpmap, ptime)).encode("ascii")


# --------------------------------------------------------------------------
# Main generation
# --------------------------------------------------------------------------

def calls_json_path(out):
    base = out[:-5] if out.endswith(".pcap") else out
    return base + ".calls.json"


def uniform_from_raw(raw):
    """uint64 raw generator output -> float64 uniform in [0, 1)."""
    return (raw >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def generate(args, log=sys.stderr):
    n_calls = args.calls
    ptime = args.ptime
    codec = args.codec
    cdef = CODECS[codec]
    pt = cdef["pt"]
    # RTP timestamp ticks per packet (= samples = payload bytes for G.711)
    spp = cdef.get("clock", SAMPLE_RATE) * ptime // 1000
    plen = spp                                      # payload bytes per packet
    pkts = int(round(args.seconds * 1000 / ptime))  # packets per stream
    if ptime not in cdef.get("ptimes", (ptime,)):
        raise SystemExit("--codec %s needs --ptime in %s" % (codec, cdef["ptimes"]))
    if n_calls < 1 or pkts < 1:
        raise SystemExit("need at least one call and one packet per stream")
    rolling = getattr(args, "rolling", None)
    if n_calls > ADDRESS_SLOTS and not rolling:
        raise SystemExit("at most %d calls" % ADDRESS_SLOTS)
    ptime_ns = ptime * MS
    rng = random.Random("calltap-bench/%d" % args.seed)   # stable across Python versions
    # The window [from, to) of capture time (ns after EPOCH) whose packets are written.
    win_from = getattr(args, "from_seconds", None)
    win_to = getattr(args, "to_seconds", None)
    windowed = win_from is not None or win_to is not None
    win_lo = int(round(win_from * NS)) if win_from is not None else None
    win_hi = int(round(win_to * NS)) if win_to is not None else None
    media_ns = pkts * ptime_ns
    if rolling:
        # Only the calls that can have a packet inside the window are built; each call's
        # parameters come from a generator of its own, so every window agrees on them.
        span = T_MEDIA + ptime_ns + media_ns + T_BYE_AFTER_MEDIA + T_BYE_OK
        first = 0 if win_lo is None else max(0, (win_lo - span) * rolling // media_ns - 1)
        last = n_calls - 1 if win_hi is None else min(n_calls - 1,
                                                       win_hi * rolling // media_ns + 1)
        call_indices = range(first, last + 1)
    else:
        call_indices = range(n_calls)

    encoded = None
    if "encoder" in cdef:
        freqs = [f(i) for i in list(call_indices)[:300] for f in (caller_tone_hz, callee_tone_hz)]
        encoded = encoded_tone_tables(cdef["encoder"], freqs, ptime)
        plen = next(iter(encoded.values())).shape[1]
    else:
        enc = encode_table(codec)

    # ---- per-call and per-stream parameters ----------------------------
    calls = []
    n_streams = 2 * len(call_indices)
    s_start = np.zeros(n_streams, dtype=np.int64)   # first nominal packet time
    s_ssrc = np.zeros(n_streams, dtype=np.uint64)
    s_seq0 = np.zeros(n_streams, dtype=np.int64)
    s_ts0 = np.zeros(n_streams, dtype=np.int64)
    s_ipid0 = np.zeros(n_streams, dtype=np.int64)
    s_rowbase = np.zeros(n_streams, dtype=np.int64)
    s_rows = np.zeros(n_streams, dtype=np.int64)
    templates = []
    payload_tables = []
    row_count = 0
    hdr_len = 16 + 14 + 20 + 8 + 12
    rec_len = hdr_len + plen
    frame_len = rec_len - 16

    for j, i in enumerate(call_indices):
        if rolling:
            crng = random.Random("calltap-bench/%d/rolling/%d" % (args.seed, i))
            slot = i % ADDRESS_SLOTS        # reused ADDRESS_SLOTS calls later, long after
            invite_ns = (i * media_ns) // rolling
        else:
            crng, slot = rng, i
            invite_ns = (2 * NS * i) // n_calls
        x, y = slot // 250, slot % 250 + 1
        caller = {"number": str(1000 + i), "ip": "10.1.%d.%d" % (x, y),
                  "sip_port": SIP_PORT, "rtp_port": 20000 + 2 * (slot % 5000),
                  "tone_hz": caller_tone_hz(i)}
        callee = {"number": str(2000 + i), "ip": "10.2.%d.%d" % (x, y),
                  "sip_port": SIP_PORT, "rtp_port": 40000 + 2 * (slot % 5000),
                  "tone_hz": callee_tone_hz(i)}
        call = {"index": i,
                "call_id": "%032x@%s" % (crng.getrandbits(128), caller["ip"]),
                "codec": codec, "payload_type": pt, "ptime_ms": ptime,
                "caller": caller, "callee": callee,
                "hangup_by": "caller" if i % 2 == 0 else "callee",
                "_invite_ns": invite_ns, "_rng": crng,
                "_from_tag": "%08x" % crng.getrandbits(32),
                "_to_tag": "%08x" % crng.getrandbits(32)}
        last_nominal = 0
        for d, (src, dst, smac, dmac) in enumerate(
                ((caller, callee, CALLER_MAC, CALLEE_MAC),
                 (callee, caller, CALLEE_MAC, CALLER_MAC))):
            s = 2 * j + d
            phase = crng.randrange(ptime_ns // 1000) * 1000      # whole microseconds
            s_start[s] = invite_ns + T_MEDIA + phase
            last_nominal = max(last_nominal, int(s_start[s]) + (pkts - 1) * ptime_ns)
            ssrc = crng.getrandbits(32)
            seq0 = crng.getrandbits(16)
            ts0 = crng.getrandbits(32)
            s_ssrc[s], s_seq0[s], s_ts0[s] = ssrc, seq0, ts0
            s_ipid0[s] = crng.getrandbits(16)
            src["ssrc"] = ssrc
            src["first_seq"] = seq0
            src["first_rtp_timestamp"] = ts0
            src["rtp_phase_ms"] = phase / MS
            if encoded is None:
                tbl = tone_payload_table(src["tone_hz"], spp, enc)
            else:
                tbl = encoded[src["tone_hz"]]
            payload_tables.append(tbl)
            s_rowbase[s] = row_count
            s_rows[s] = tbl.shape[0]
            row_count += tbl.shape[0]
            # Static part of the record: pcap lengths, Ethernet, IP, UDP, RTP.
            sip_b, dip_b = ip_bytes(src["ip"]), ip_bytes(dst["ip"])
            udp_len = 8 + 12 + plen
            tpl = bytearray(hdr_len)
            struct.pack_into("<II", tpl, 8, frame_len, frame_len)
            tpl[16:30] = dmac + smac + b"\x08\x00"
            struct.pack_into("!BBHHHBBH4s4s", tpl, 30, 0x45, 0, 20 + udp_len, 0,
                             0x4000, 64, 17, 0, sip_b, dip_b)
            struct.pack_into("!HHHH", tpl, 50, src["rtp_port"], dst["rtp_port"],
                             udp_len, 0)
            struct.pack_into("!BBHII", tpl, 58, 0x80, pt, 0, 0, ssrc)
            templates.append(bytes(tpl) + bytes(plen))
        call["_bye_ns"] = last_nominal + T_BYE_AFTER_MEDIA
        calls.append(call)

    templates = np.frombuffer(b"".join(templates), dtype=np.uint8).reshape(n_streams, rec_len)
    payload_table = np.concatenate(payload_tables, axis=0)

    # Per-stream UDP pseudo-header sums (src, dst, proto, length).
    w = templates[:, 42:50].copy().view(">u2").astype(np.uint64)   # src+dst IP
    pseudo = w.sum(axis=1) + np.uint64(17) + np.uint64(8 + 12 + plen)

    # ---- SIP packets ---------------------------------------------------
    def in_window(t):
        return (win_lo is None or t >= win_lo) and (win_hi is None or t < win_hi)

    sip = []
    for call in calls:
        for t, order, frame in call_sip_packets(call, codec, ptime, call["_rng"]):
            if windowed and not in_window(t):
                continue
            sip.append((t, call["index"], order, frame))
    sip.sort(key=lambda p: (p[0], p[1], p[2]))

    # ---- RTP packet times, loss, jitter ---------------------------------
    k_all = np.arange(pkts, dtype=np.int64)
    times = (s_start[:, None] + k_all[None, :] * ptime_ns).ravel()
    sid = np.repeat(np.arange(n_streams, dtype=np.int64), pkts)
    kidx = np.tile(k_all, n_streams)
    bitgen = np.random.PCG64(args.seed)            # raw stream is version-stable
    if args.jitter_ms > 0:
        u = uniform_from_raw(bitgen.random_raw(times.size))
        times = times + np.floor(u * args.jitter_ms * MS).astype(np.int64)
    if args.loss > 0:
        u = uniform_from_raw(bitgen.random_raw(times.size))
        keep = u >= args.loss
        times, sid, kidx = times[keep], sid[keep], kidx[keep]
    if windowed:
        keep = np.ones(times.size, dtype=bool)
        if win_lo is not None:
            keep &= times >= win_lo
        if win_hi is not None:
            keep &= times < win_hi
        times, sid, kidx = times[keep], sid[keep], kidx[keep]
        del keep
    order = np.lexsort((kidx, sid, times))
    times, sid, kidx = times[order], sid[order], kidx[order]
    del order

    # Per-stream received-packet bookkeeping for calls.json.
    received = np.bincount(sid, minlength=n_streams)
    first_t = np.full(n_streams, np.iinfo(np.int64).max, dtype=np.int64)
    last_t = np.full(n_streams, -1, dtype=np.int64)
    np.minimum.at(first_t, sid, times)
    np.maximum.at(last_t, sid, times)

    # ---- record dtype for vectorised field writes -----------------------
    rec_dtype = np.dtype({
        "names": ["ts_sec", "ts_nsec", "ip_id", "ip_ck", "udp_ck", "rtp_b1",
                  "seq", "rtp_ts", "payload"],
        "formats": ["<u4", "<u4", ">u2", ">u2", ">u2", "u1", ">u2", ">u4",
                    ("u1", (plen,))],
        "offsets": [0, 4, 34, 40, 56, 59, 60, 62, hdr_len],
        "itemsize": rec_len})

    # SIP insertion points: a SIP packet goes after RTP packets with equal time.
    sip_times = np.array([p[0] for p in sip], dtype=np.int64)
    sip_pos = np.searchsorted(times, sip_times, side="right")

    out_path = args.out
    tmp_path = out_path + ".tmp"
    n_rtp = times.size
    chunk = 1 << 16
    sip_i = 0
    total_bytes = 0
    with open(tmp_path, "wb") as f:
        hdr = struct.pack("<IHHiIII", PCAP_MAGIC_NS, 2, 4, 0, 0, SNAPLEN,
                          LINKTYPE_ETHERNET)
        f.write(hdr)
        total_bytes += len(hdr)

        def write_sip_until(pos):
            nonlocal sip_i, total_bytes
            while sip_i < len(sip) and sip_pos[sip_i] <= pos:
                rec = pcap_record(sip[sip_i][0], sip[sip_i][3])
                f.write(rec)
                total_bytes += len(rec)
                sip_i += 1

        for a in range(0, n_rtp, chunk):
            b = min(a + chunk, n_rtp)
            s = sid[a:b]
            k = kidx[a:b]
            t = times[a:b]
            raw = templates[s]                         # (m, rec_len) copy
            rec = raw.view(rec_dtype).reshape(-1)
            sec, nsec = np.divmod(t, NS)
            rec["ts_sec"] = EPOCH + sec
            rec["ts_nsec"] = nsec
            rec["ip_id"] = (s_ipid0[s] + k) & 0xFFFF
            rec["rtp_b1"] = np.where(k == 0, 0x80 | pt, pt)
            rec["seq"] = (s_seq0[s] + k) & 0xFFFF
            rec["rtp_ts"] = (s_ts0[s] + spp * k) & 0xFFFFFFFF
            rec["payload"] = payload_table[s_rowbase[s] + k % s_rows[s]]
            # IPv4 header checksum (bytes 30..50 of the record).
            ipw = raw[:, 30:50].copy().view(">u2").astype(np.uint64).sum(axis=1)
            rec["ip_ck"] = _fold(ipw) ^ 0xFFFF
            # UDP checksum over pseudo header + UDP header + RTP + payload.
            uw = raw[:, 50:rec_len]
            if (rec_len - 50) % 2:
                uw = np.concatenate([uw, np.zeros((uw.shape[0], 1), np.uint8)], axis=1)
            us = np.ascontiguousarray(uw).view(">u2").astype(np.uint64).sum(axis=1)
            uck = _fold(us + pseudo[s]) ^ 0xFFFF
            uck[uck == 0] = 0xFFFF
            rec["udp_ck"] = uck
            # Interleave: SIP packets whose position falls inside this chunk.
            pos = a
            while sip_i < len(sip) and sip_pos[sip_i] < b:
                p = int(sip_pos[sip_i])
                if p > pos:
                    f.write(raw[pos - a:p - a])
                    total_bytes += (p - pos) * rec_len
                    pos = p
                write_sip_until(p)
            f.write(raw[pos - a:])
            total_bytes += (b - pos) * rec_len
        write_sip_until(n_rtp)
    os.replace(tmp_path, out_path)

    # ---- calls.json ----------------------------------------------------
    sec = lambda ns: round(ns / NS, 9)
    call_docs = []
    sip_calls = {p[1] for p in sip}
    for j, call in enumerate(calls):
        i = call["index"]
        if windowed and not (received[2 * j] or received[2 * j + 1] or i in sip_calls):
            continue                                   # nothing of this call in the window
        doc = {k: v for k, v in call.items() if not k.startswith("_")}
        for d, side in enumerate(("caller", "callee")):
            s = 2 * j + d
            st = doc[side]
            st["rtp_packets_sent"] = pkts
            st["rtp_packets_in_capture"] = int(received[s])
            st["rtp_samples_sent"] = pkts * spp
            st["rtp_nominal_start"] = sec(int(s_start[s]))
            st["rtp_nominal_end"] = sec(int(s_start[s]) + pkts * ptime_ns)
            st["rtp_first_capture"] = sec(int(first_t[s])) if received[s] else None
            st["rtp_last_capture"] = sec(int(last_t[s])) if received[s] else None
        t0 = call["_invite_ns"]
        doc["invite_time"] = sec(t0)
        doc["answer_time"] = sec(t0 + T_OK)
        doc["ack_time"] = sec(t0 + T_ACK)
        doc["media_start"] = sec(t0 + T_MEDIA)
        doc["bye_time"] = sec(call["_bye_ns"])
        doc["start_time"] = sec(t0)
        doc["end_time"] = sec(call["_bye_ns"] + T_BYE_OK)
        call_docs.append(doc)

    summary = {
        "generator": "Benchmarks/generate_capture.py",
        "arguments": {"calls": n_calls, "seconds": args.seconds, "codec": codec,
                      "ptime": ptime, "seed": args.seed, "jitter_ms": args.jitter_ms,
                      "loss": args.loss},
        "pcap": os.path.basename(out_path),
        "pcap_bytes": total_bytes,
        "pcap_sha256": None,
        "epoch": EPOCH,
        "time_base": "seconds from the first packet (call 0 INVITE at capture time epoch)",
        "tone_scheme": TONE_SCHEME,
        "amplitude": AMPLITUDE,
        "codec": codec, "payload_type": pt, "ptime_ms": ptime,
        "samples_per_packet": spp,
        "rtp_streams": n_streams,
        "rtp_packets_per_stream": pkts,
        "rtp_packets": int(n_rtp),
        "sip_packets": len(sip),
        "packets": int(n_rtp) + len(sip),
        "calls": call_docs,
    }
    if rolling or windowed:
        # Only for these options, so that the default output stays as it was.
        summary["arguments"].update({"rolling": rolling, "from_seconds": win_from,
                                     "to_seconds": win_to})
        summary["layout"] = ("rolling: call i's INVITE at i * %g / %d s, %d calls in all"
                             % (media_ns / NS, rolling, n_calls) if rolling else
                             "default: call i's INVITE at 2 * i / %d s" % n_calls)
        summary["window"] = [win_from, win_to]
        firsts = ([int(times[0])] if times.size else []) + ([sip[0][0]] if sip else [])
        summary["first_packet_time"] = sec(min(firsts)) if firsts else None
    if encoded is not None:
        # Only for the encoded codecs, so that G.711 output stays as it was.
        extra = {"rtp_clock": cdef.get("clock", SAMPLE_RATE), "payload_bytes": plen,
                 "encoder": "captures/make/tone_rtp.c --codec %s%s: per tone %g s run-in, "
                            "then a loop of %d packets" % (
                                codec, " --cbr --bitrate %d --complexity %d" % (
                                    OPUS_BITRATE, OPUS_COMPLEXITY) if codec == "opus" else "",
                                ENCODED_WARMUP_S, next(iter(encoded.values())).shape[0])}
        keys = list(summary)
        at = keys.index("samples_per_packet") + 1
        summary = dict([(k, summary[k]) for k in keys[:at]] + list(extra.items())
                       + [(k, summary[k]) for k in keys[at:]])
    return summary


def _fold(s):
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return s.astype(np.uint16)


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Generate a synthetic SIP/RTP (G.711, G.722 or Opus) pcap for calltap "
                    "benchmarks.",
        epilog=TONE_SCHEME)
    p.add_argument("--calls", type=int, required=True, help="number of concurrent calls")
    p.add_argument("--seconds", type=float, required=True, help="media seconds per call")
    p.add_argument("--codec", choices=sorted(CODECS), default="pcmu")
    p.add_argument("--ptime", type=int, default=20, choices=(10, 20, 30, 40, 60),
                   help="packetisation time in ms (default 20; opus: not 30)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--jitter-ms", type=float, default=0.0,
                   help="add seeded uniform [0, J) ms jitter to RTP capture times")
    p.add_argument("--loss", type=float, default=0.0,
                   help="drop this seeded fraction (0..1) of RTP packets")
    p.add_argument("--rolling", type=int, metavar="C",
                   help="rolling layout: call i's INVITE at i * SECONDS / C s, so that C calls "
                        "are always in media; --calls is then the number of calls of the whole "
                        "(virtual) capture, which may be longer than fits in one file")
    p.add_argument("--from-seconds", type=float, metavar="A",
                   help="write only the packets at A s (after the first INVITE) or later")
    p.add_argument("--to-seconds", type=float, metavar="B",
                   help="write only the packets before B s; with --from-seconds, consecutive "
                        "windows of one capture give files whose packets join without a gap")
    p.add_argument("--out", required=True, help="output .pcap file")
    p.add_argument("--sha256", action="store_true",
                   help="also hash the pcap and record it in calls.json")
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args(argv)
    if not 0.0 <= a.loss < 1.0:
        p.error("--loss must be in [0, 1)")
    if a.jitter_ms < 0:
        p.error("--jitter-ms must be >= 0")
    if a.rolling is not None:
        if not 1 <= a.rolling <= 10000:
            p.error("--rolling must be in 1..10000")
        if a.jitter_ms or a.loss:
            p.error("--rolling takes no --jitter-ms or --loss (they would differ between windows)")
    if a.from_seconds is not None and a.to_seconds is not None \
            and a.from_seconds >= a.to_seconds:
        p.error("--from-seconds must be less than --to-seconds")
    return a


def main(argv=None):
    args = parse_args(argv)
    t = time.perf_counter()
    summary = generate(args)
    if args.sha256:
        h = hashlib.sha256()
        with open(args.out, "rb") as f:
            for block in iter(lambda: f.read(1 << 22), b""):
                h.update(block)
        summary["pcap_sha256"] = h.hexdigest()
    jpath = calls_json_path(args.out)
    with open(jpath + ".tmp", "w") as f:
        json.dump(summary, f, indent=1, sort_keys=False)
        f.write("\n")
    os.replace(jpath + ".tmp", jpath)
    elapsed = time.perf_counter() - t
    if not args.quiet:
        print("wrote %s: %d calls, %d RTP + %d SIP packets, %d bytes, %.2f s"
              % (args.out, args.calls, summary["rtp_packets"], summary["sip_packets"],
                 summary["pcap_bytes"], elapsed), file=sys.stderr)
        print("wrote %s" % jpath, file=sys.stderr)
        print("tones: " + TONE_SCHEME, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
