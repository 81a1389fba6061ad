#!/usr/bin/env python3
"""Check a SIP/RTP capture of any codec: RTP stream statistics and each stream's tone.

The companion of rtp_report.py (G.711 only) for the codec captures: it reads the capture
with tshark, puts each RTP stream (source, destination, SSRC) in sequence-number order,
counts its duplicates, reordered and lost packets, and decodes the payload of each payload
type with an independent decoder, ffmpeg's own (not spandsp, bcg729 or libopus, which
tone_rtp.c encodes with and calltap decodes with):

  PT 0 / 8   PCMU / PCMA   G.711 tables (as rtp_report.py), 8 kHz
  PT 9       G.722         ffmpeg `-f g722` (its native g722 decoder), 16 kHz
  PT 18      G.729         ffmpeg `-f g729` (native g729 decoder, 10-byte frames; a 2-byte
                           Annex B SID frame is decoded as 10 ms of silence), 8 kHz
  PT 96-127  opus          the packets put in an Ogg Opus file, ffmpeg `-c:a opus` (native
                           decoder), 48 kHz, stereo when the packets' TOC says so
  PT 10/11   L16           big-endian 16-bit, 44.1 kHz stereo / mono, read directly
A dynamic PT is taken as Opus unless --pt-codec PT=CODEC says otherwise (l16/16000 etc.).
Packets missing from a stream (lost) are replaced by silence of one packet's duration for
G.711 and L16, and simply skipped for the other codecs. The dominant frequency of each
decoded segment (one per payload type, in sequence order), per channel, comes from an FFT
of the audio after its first 100 ms, with its purity (share of the energy within 15 Hz
of the peak) as in rtp_report.py.

  codec_report.py FILE [--calls N] [--streams N] [--expect 'SRC:PORT>DST:PORT=HZ' ...]
                  [--stats 'SRC:PORT>DST:PORT=packets,lost,dup,reordered' ...] [--max-delta MS]
                  [--pt-codec PT=CODEC/RATE ...] [--json]

--expect: that stream exists and every segment, every channel, carries HZ (within 5 Hz,
purity >= 0.9). --stats: exact counts (or *, any) for that stream (packets in the capture, lost =
expected - distinct sequence numbers, duplicates, reordered = packets that arrive after a
packet with a higher sequence number). Exit status 1 on a failed check.
Needs tshark, ffmpeg, python3-numpy.
"""

import argparse
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

import numpy as np

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rtp_report import (TABLES, endpoint, sip_events, tshark)  # noqa: E402

STATIC = {0: ("pcmu", 8000, 8000), 8: ("pcma", 8000, 8000), 9: ("g722", 8000, 16000),
          18: ("g729", 8000, 8000), 10: ("l16", 44100, 44100), 11: ("l16", 44100, 44100)}


def codec_of(pt, overrides):
    """(name, rtp clock, audio rate) for a payload type."""
    if pt in overrides:
        name, rate = overrides[pt]
        return name, (48000 if name == "opus" else rate), rate
    if pt in STATIC:
        return STATIC[pt]
    if 96 <= pt <= 127:
        return "opus", 48000, 48000
    return "unknown", 8000, 8000


# ---- Ogg Opus, so that ffmpeg can decode the packets --------------------------------

def _crc_table():
    t = []
    for i in range(256):
        r = i << 24
        for _ in range(8):
            r = ((r << 1) ^ 0x04C11DB7) if r & 0x80000000 else (r << 1)
        t.append(r & 0xFFFFFFFF)
    return t


CRC = _crc_table()


def ogg_crc(data):
    c = 0
    for b in data:
        c = ((c << 8) & 0xFFFFFFFF) ^ CRC[((c >> 24) ^ b) & 0xFF]
    return c


def ogg_page(packet, granule, seq, flags, serial=0x0CA11):
    lacing = []
    n = len(packet)
    while n >= 255:
        lacing.append(255)
        n -= 255
    lacing.append(n)
    hdr = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, serial, seq, 0, len(lacing))
    page = bytearray(hdr + bytes(lacing) + packet)
    struct.pack_into("<I", page, 22, ogg_crc(page))
    return bytes(page)


def opus_samples(pkt):
    """Samples at 48 kHz in one Opus packet (RFC 6716 section 3.1)."""
    toc = pkt[0]
    config = toc >> 3
    if config < 12:
        size = (480, 960, 1920, 2880)[config % 4]
    elif config < 16:
        size = (480, 960)[config % 2]
    else:
        size = (120, 240, 480, 960)[config % 4]
    code = toc & 3
    frames = 1 if code == 0 else 2 if code in (1, 2) else (pkt[1] & 0x3F if len(pkt) > 1 else 0)
    return size * frames


def opus_mode(pkt):
    config = pkt[0] >> 3
    return "SILK" if config < 12 else "hybrid" if config < 16 else "CELT"


def opus_lbrr(pkt):
    """True if a one-frame SILK or hybrid packet carries in-band FEC (LBRR) data.

    The first symbols of the SILK layer (RFC 6716 section 4.2.3) are the VAD flag and the
    LBRR flag of the (mid) channel, each one bit of probability 1/2 in the range coder;
    this decodes just those two bits (the range decoder of RFC 6716 section 4.1).
    """
    toc = pkt[0]
    if toc >> 3 >= 16:
        return False                                  # CELT only: no SILK, no FEC
    data = pkt[1:]
    if toc & 3 == 3:                                  # code 3: count byte, padding
        if len(pkt) < 2 or pkt[1] & 0x3F != 1:
            return False
        off, pad = 2, 0
        if pkt[1] & 0x40:
            while True:
                b = pkt[off]
                off += 1
                pad += 254 if b == 255 else b
                if b != 255:
                    break
        data = pkt[off:len(pkt) - pad]
    elif toc & 3:
        return False
    pos = [0]

    def byte():
        b = data[pos[0]] if pos[0] < len(data) else 0
        pos[0] += 1
        return b

    rem = byte()
    rng, val = 128, 127 - (rem >> 1)

    def normalize():
        nonlocal rng, val, rem
        while rng <= 1 << 23:
            rng <<= 8
            sym = rem
            rem = byte()
            sym = ((sym << 8) | rem) >> 1
            val = ((val << 8) + (0xFF & ~sym)) & 0x7FFFFFFF

    def bit():
        nonlocal rng, val
        s = rng >> 1
        ret = val < s
        if not ret:
            val -= s
        rng = s if ret else rng - s
        normalize()
        return ret

    normalize()
    bit()                                             # VAD flag
    return bool(bit())                                # LBRR flag


def write_ogg_opus(path, packets, channels):
    pages = [ogg_page(struct.pack("<8sBBHIhB", b"OpusHead", 1, channels, 0, 48000, 0, 0), 0, 0, 2),
             ogg_page(struct.pack("<8sI", b"OpusTags", 7) + b"calltap" + struct.pack("<I", 0), 0, 1, 0)]
    granule = 0
    for i, p in enumerate(packets):
        granule += opus_samples(p)
        pages.append(ogg_page(p, granule, i + 2, 4 if i == len(packets) - 1 else 0))
    with open(path, "wb") as f:
        f.write(b"".join(pages))


def ffmpeg_decode(args, channels):
    cmd = ["ffmpeg", "-v", "error", "-nostdin"] + args + ["-f", "s16le", "-acodec", "pcm_s16le", "-"]
    res = subprocess.run(cmd, check=True, capture_output=True)
    x = np.frombuffer(res.stdout, dtype="<i2").astype(np.float64) / 32768.0
    return x.reshape(-1, channels) if channels > 1 else x.reshape(-1, 1)


def decode(name, rate, payloads, spp_missing, channels, tmp):
    """Decode a list of payloads (None = a lost packet) to (samples[n, channels], rate, info)."""
    info = {}
    if name in ("pcmu", "pcma"):
        table = TABLES[0 if name == "pcmu" else 8]
        parts = [table[np.frombuffer(p, dtype=np.uint8)] if p is not None else np.zeros(spp_missing)
                 for p in payloads]
        return np.concatenate(parts).reshape(-1, 1), 8000, info
    if name == "l16":
        parts = [np.frombuffer(p, dtype=">i2").astype(np.float64) / 32768.0 for p in payloads if p is not None]
        return np.concatenate(parts).reshape(-1, channels), rate, info
    real = [p for p in payloads if p is not None]
    raw = os.path.join(tmp, "payload")
    if name == "g722":
        with open(raw, "wb") as f:
            f.write(b"".join(real))
        return ffmpeg_decode(["-f", "g722", "-i", raw], 1), 16000, info
    if name == "g729":
        frames, sid = [], 0
        for p in real:
            n_voice = len(p) // 10
            frames += [p[10 * k:10 * k + 10] for k in range(n_voice)]
            if len(p) % 10 == 2:
                sid += 1
                frames.append(None)
        info["sid_frames"] = sid
        # SID frames cannot go through ffmpeg's raw G.729 demuxer: decode the voice frames in
        # runs, and put 10 ms of silence for each SID frame.
        out, run = [], []
        for fr in frames + [None]:
            if fr is None:
                if run:
                    with open(raw, "wb") as f:
                        f.write(b"".join(run))
                    out.append(ffmpeg_decode(["-f", "g729", "-i", raw], 1))
                    run = []
                out.append(np.zeros((80, 1)))
            else:
                run.append(fr)
        return np.concatenate(out[:-1]), 8000, info
    if name == "opus":
        stereo = bool(real[0][0] & 0x04)
        modes = sorted({opus_mode(p) for p in real})
        info.update({"opus_stereo": stereo, "opus_modes": modes,
                     "opus_fec_packets": sum(1 for p in real if opus_lbrr(p)),
                     "opus_frame_ms": sorted({opus_samples(p) / 48 for p in real})})
        ogg = os.path.join(tmp, "stream.opus")
        ch = 2 if stereo else 1
        write_ogg_opus(ogg, real, ch)
        return ffmpeg_decode(["-c:a", "opus", "-i", ogg], ch), 48000, info
    raise ValueError("cannot decode %s" % name)


def dominant_tone(x, rate):
    if len(x) < rate // 10:
        return None, 0.0
    x = x - x.mean()
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    spectrum[:3] = 0.0
    k = int(np.argmax(spectrum))
    if 0 < k < len(spectrum) - 1:
        a, b, c = np.log(spectrum[k - 1:k + 2] + 1e-30)
        delta = 0.5 * (a - c) / (a - 2 * b + c)
    else:
        delta = 0.0
    bin_hz = rate / len(x)
    near = int(round(15.0 / bin_hz))
    purity = spectrum[max(0, k - near):k + near + 1].sum() / spectrum.sum()
    return round(float((k + delta) * bin_hz), 2), round(float(purity), 4)


def analyse(path, overrides):
    fields = ["frame.number", "frame.time_relative", "ip.src", "ipv6.src", "udp.srcport", "ip.dst",
              "ipv6.dst", "udp.dstport", "rtp.ssrc", "rtp.p_type", "rtp.seq", "rtp.timestamp",
              "rtp.marker", "rtp.payload"]
    streams = {}
    for r in tshark(path, "rtp", fields):
        key = (endpoint(r["ip.src"], r["ipv6.src"], r["udp.srcport"]),
               endpoint(r["ip.dst"], r["ipv6.dst"], r["udp.dstport"]), r["rtp.ssrc"])
        streams.setdefault(key, []).append(r)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for (src, dst, ssrc), pkts in streams.items():
            out.append(stream_report(src, dst, ssrc, pkts, overrides, tmp))
    out.sort(key=lambda s: (s["first"], s["src"]))
    return out


def stream_report(src, dst, ssrc, pkts, overrides, tmp):
    # Extended sequence numbers, in arrival order (a wrap is a step back of over 32768).
    ext, highest = [], None
    for p in pkts:
        s = int(p["rtp.seq"])
        if highest is None:
            e = s
        else:
            d = (s - highest) & 0xFFFF
            e = highest + d if d < 0x8000 else highest - ((highest - s) & 0xFFFF)
        ext.append(e)
        highest = e if highest is None else max(highest, e)
    times = [float(p["frame.time_relative"]) for p in pkts]
    seen, dups, reordered, highest = set(), [], [], None
    for p, e in zip(pkts, ext):
        if e in seen:
            dups.append(int(p["rtp.seq"]))
            continue
        if highest is not None and e < highest:
            reordered.append(int(p["rtp.seq"]))
        seen.add(e)
        highest = e if highest is None else max(highest, e)
    lo, hi = min(seen), max(seen)
    lost = [s & 0xFFFF for s in range(lo, hi + 1) if s not in seen]
    deltas = np.diff(times) * 1000.0 if len(times) > 1 else np.zeros(1)
    # RFC 3550 interarrival jitter, in arrival order, each packet at its own PT's clock
    # (as tshark computes it).
    jitter, max_jitter, prev = 0.0, 0.0, None
    for p, t in zip(pkts, times):
        clock = codec_of(int(p["rtp.p_type"]), overrides)[1]
        ts = int(p["rtp.timestamp"])
        if prev is not None and prev[2] == clock:
            dts = (ts - prev[1] + 2**31) % 2**32 - 2**31      # across a timestamp wrap too
            d = abs((t - prev[0]) * clock - dts)
            jitter += (d - jitter) / 16.0
            max_jitter = max(max_jitter, jitter * 1000.0 / clock)
        prev = (t, ts, clock)
    # Segments by payload type, in sequence order; decode each.
    by_seq = {}
    for p, e in zip(pkts, ext):
        by_seq.setdefault(e, p)
    ordered = [by_seq.get(e) for e in range(lo, hi + 1)]
    segments, cur = [], None
    for e, p in zip(range(lo, hi + 1), ordered):
        pt = int(p["rtp.p_type"]) if p is not None else (cur["pt"] if cur else None)
        if cur is None or pt != cur["pt"]:
            cur = {"pt": pt, "items": []}
            segments.append(cur)
        cur["items"].append(p)
    seg_reports = []
    for seg in segments:
        pt = seg["pt"]
        name, clock, rate = codec_of(pt, overrides)
        real = [p for p in seg["items"] if p is not None]
        payloads = [bytes.fromhex(p["rtp.payload"].replace(":", "")) if p is not None else None
                    for p in seg["items"]]
        sizes = sorted({len(b) for b in payloads if b is not None})
        report = {"pt": pt, "codec": name, "clock": clock, "packets": len(real),
                  "first_seq": int(real[0]["rtp.seq"]), "last_seq": int(real[-1]["rtp.seq"]),
                  "first_time": round(float(real[0]["frame.time_relative"]), 6),
                  "first_timestamp": int(real[0]["rtp.timestamp"]),
                  "last_timestamp": int(real[-1]["rtp.timestamp"]),
                  "payload_bytes": sizes if len(sizes) <= 6 else [sizes[0], "..", sizes[-1]],
                  "markers": sum(1 for p in real if p["rtp.marker"] in ("1", "True"))}
        channels = 2 if name == "l16" and pt == 10 else 1
        try:
            audio, arate, info = decode(name, rate, payloads, rate * 20 // 1000, channels, tmp)
            report.update(info)
            report["decoded_seconds"] = round(len(audio) / arate, 3)
            report["rate"] = arate
            skip = arate // 10
            tones = [dominant_tone(audio[skip:, c], arate) for c in range(audio.shape[1])]
            report["tone_hz"] = [t[0] for t in tones]
            report["tone_purity"] = [t[1] for t in tones]
        except (ValueError, subprocess.CalledProcessError) as exc:
            report["error"] = str(exc)
            report["tone_hz"], report["tone_purity"] = [None], [0.0]
        seg_reports.append(report)
    return {
        "src": src, "dst": dst, "ssrc": ssrc, "packets": len(pkts), "distinct": len(seen),
        "expected": hi - lo + 1, "lost": len(lost), "lost_seqs": lost,
        "duplicates": len(dups), "duplicate_seqs": dups,
        "reordered": len(reordered), "reordered_seqs": reordered,
        "first": round(times[0], 6), "last": round(times[-1], 6),
        "max_delta_ms": round(float(deltas.max()), 3), "max_jitter_ms": round(max_jitter, 3),
        "segments": seg_reports,
    }


SIDE = r"(\[[^\]]+\]:\d+|[\d.]+:\d+)"
EXPECT = re.compile(r"^(?P<src>%s)>(?P<dst>%s)=(?P<hz>[\d.]+)$" % (SIDE, SIDE))
STATS = re.compile(r"^(?P<src>%s)>(?P<dst>%s)=(?P<v>[\d*]+,[\d*]+,[\d*]+,[\d*]+)$" % (SIDE, SIDE))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pcap")
    ap.add_argument("--expect", action="append", default=[], metavar="SRC>DST=HZ")
    ap.add_argument("--stats", action="append", default=[], metavar="SRC>DST=P,L,D,R")
    ap.add_argument("--streams", type=int)
    ap.add_argument("--calls", type=int)
    ap.add_argument("--max-delta", type=float, metavar="MS",
                    help="every stream's largest inter-arrival time must be at most MS")
    ap.add_argument("--pt-codec", action="append", default=[], metavar="PT=CODEC/RATE",
                    help="e.g. 96=l16/16000 or 111=opus/48000")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    overrides = {}
    for o in args.pt_codec:
        pt, spec = o.split("=")
        name, rate = spec.split("/")
        overrides[int(pt)] = (name, int(rate))

    events = sip_events(args.pcap)
    streams = analyse(args.pcap, overrides)
    failures = []
    calls = {e["call_id"] for e in events if e["what"] == "INVITE"}
    if args.calls is not None and len(calls) != args.calls:
        failures.append(f"{len(calls)} INVITE Call-IDs, expected {args.calls}")
    if args.streams is not None and len(streams) != args.streams:
        failures.append(f"{len(streams)} RTP streams, expected {args.streams}")

    if args.max_delta is not None:
        for s in streams:
            if s["max_delta_ms"] > args.max_delta:
                failures.append(f"{s['src']}>{s['dst']}: inter-arrival gap of {s['max_delta_ms']} ms, "
                                f"more than {args.max_delta:g}")

    def find(m):
        found = [s for s in streams if s["src"] == m["src"] and s["dst"] == m["dst"]]
        if len(found) != 1:
            failures.append(f"{m['src']}>{m['dst']}: {len(found)} streams, expected 1")
            return None
        return found[0]

    for e in args.expect:
        m = EXPECT.match(e)
        if not m:
            sys.exit(f"bad --expect {e!r}")
        s = find(m)
        if s is None:
            continue
        for seg in s["segments"]:
            for hz, purity in zip(seg["tone_hz"], seg["tone_purity"]):
                if hz is None or abs(hz - float(m["hz"])) > 5.0 or purity < 0.9:
                    failures.append(f"{m['src']}>{m['dst']} PT {seg['pt']}: tone {hz} Hz purity "
                                    f"{purity}, expected {m['hz']} Hz")
    for e in args.stats:
        m = STATS.match(e)
        if not m:
            sys.exit(f"bad --stats {e!r}")
        s = find(m)
        if s is None:
            continue
        want = [None if v == "*" else int(v) for v in m["v"].split(",")]
        got = [s["packets"], s["lost"], s["duplicates"], s["reordered"]]
        if any(w is not None and w != g for w, g in zip(want, got)):
            failures.append(f"{m['src']}>{m['dst']}: packets,lost,dup,reordered {got}, expected {want}")

    if args.json:
        print(json.dumps({"file": args.pcap, "sip": events, "rtp": streams, "failures": failures},
                         indent=1))
    else:
        print(f"== {args.pcap}")
        print(f"SIP ({len(events)} messages, {len(calls)} Call-IDs with INVITE):")
        for e in events:
            sdp = f" SDP port {e['sdp_port']} {e['sdp_direction']}" if e["sdp_port"] else ""
            print(f"  {e['time']:10.6f}  {e['src']:>22} -> {e['dst']:<22} {e['what']:<7} "
                  f"CSeq {e['cseq']}{sdp}")
        print(f"RTP ({len(streams)} streams):")
        for s in streams:
            print(f"  {s['src']:>22} -> {s['dst']:<22} ssrc {s['ssrc']} {s['packets']} pkts "
                  f"{s['first']:.3f}-{s['last']:.3f} s, lost {s['lost']}, dup {s['duplicates']}, "
                  f"reordered {s['reordered']}, max delta {s['max_delta_ms']} ms, "
                  f"max jitter {s['max_jitter_ms']} ms")
            for seg in s["segments"]:
                extra = "".join(f", {k} {seg[k]}" for k in ("opus_stereo", "opus_modes", "opus_fec_packets", "sid_frames")
                                if k in seg)
                print(f"      PT {seg['pt']} {seg['codec']}: {seg['packets']} pkts from "
                      f"{seg['first_time']:.3f} s, seq {seg['first_seq']}..{seg['last_seq']}, "
                      f"ts {seg['first_timestamp']}..{seg['last_timestamp']}, "
                      f"{seg['payload_bytes']} B, decoded {seg.get('decoded_seconds')} s at "
                      f"{seg.get('rate')} Hz: tone {seg['tone_hz']} Hz (purity {seg['tone_purity']})"
                      f"{extra}")
            for k in ("lost_seqs", "duplicate_seqs", "reordered_seqs"):
                if s[k]:
                    print(f"      {k}: {s[k]}")
        for f in failures:
            print(f"FAIL: {f}")
        if not failures and (args.expect or args.stats or args.streams is not None
                             or args.max_delta is not None
                             or args.calls is not None):
            print("OK: all checks passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
