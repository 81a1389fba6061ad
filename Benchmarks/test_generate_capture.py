#!/usr/bin/env python3
"""Self-tests for Benchmarks/generate_capture.py (no calltap needed).

    python3 Benchmarks/test_generate_capture.py -v

Checks the G.711 encoder/decoder against CPython's audioop (when present),
then generates small captures and re-parses them with a small pure-Python
pcap reader: time order, checksums, SIP framing, RTP sequence/timestamp/
marker, packet counts against FILE.calls.json, the tone of every stream
(FFT peak), determinism, jitter and loss.  If tshark is installed, it also
cross-checks stream and SIP message counts with tshark.
"""

import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import warnings

import numpy as np

sys.dont_write_bytecode = True          # keep Benchmarks/ free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_capture as gen  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import audioop  # removed in Python 3.13
    except ImportError:  # pragma: no cover
        audioop = None

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "generate_capture.py")


def read_pcap(path):
    """Yield (t_ns, frame) from a classic pcap (micro- or nanosecond)."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack_from("<I", data, 0)[0]
    assert magic in (0xA1B2C3D4, 0xA1B23C4D), hex(magic)
    scale = 1 if magic == 0xA1B23C4D else 1000
    linktype = struct.unpack_from("<I", data, 20)[0]
    assert linktype == 1
    off = 24
    while off < len(data):
        sec, frac, incl, orig = struct.unpack_from("<IIII", data, off)
        assert incl == orig
        off += 16
        yield sec * 1_000_000_000 + frac * scale, data[off:off + incl]
        off += incl


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def parse_udp(frame):
    assert frame[12:14] == b"\x08\x00"
    ip = frame[14:34]
    assert ip[0] == 0x45 and ip[9] == 17
    assert csum(ip) == 0xFFFF, "bad IPv4 checksum"
    total = struct.unpack("!H", ip[2:4])[0]
    assert total == len(frame) - 14
    src, dst = ip[12:16], ip[16:20]
    udp = frame[34:14 + total]
    sport, dport, ulen, uck = struct.unpack("!HHHH", udp[:8])
    assert ulen == len(udp)
    assert uck != 0
    pseudo = src + dst + struct.pack("!BBH", 0, 17, ulen)
    assert csum(pseudo + udp) == 0xFFFF, "bad UDP checksum"
    return ".".join(map(str, src)), sport, ".".join(map(str, dst)), dport, udp[8:]


def run_gen(tmp, name, *extra):
    out = os.path.join(tmp, name + ".pcap")
    subprocess.run([sys.executable, SCRIPT, "--out", out, "--quiet", *extra], check=True)
    with open(os.path.join(tmp, name + ".calls.json")) as f:
        meta = json.load(f)
    return out, meta


def analyse(path, meta):
    """Parse the capture; return per-SSRC packet lists and SIP messages."""
    streams = {}
    sip = []
    last_t = -1
    first_t = None
    for t, frame in read_pcap(path):
        assert t >= last_t, "capture not in time order"
        last_t = t
        if first_t is None:
            first_t = t
        src, sport, dst, dport, payload = parse_udp(frame)
        if sport == 5060 and dport == 5060:
            sip.append((t - first_t, src, dst, payload))
            continue
        b0, b1, seq, ts, ssrc = struct.unpack("!BBHII", payload[:12])
        assert b0 == 0x80
        streams.setdefault(ssrc, []).append(
            ((t - first_t), b1 >> 7, b1 & 0x7F, seq, ts, payload[12:], src, sport, dst, dport))
    return streams, sip


class G711Tests(unittest.TestCase):
    @unittest.skipIf(audioop is None, "audioop not available")
    def test_encoders_match_audioop_exhaustively(self):
        pcm = np.arange(-32768, 32768, dtype="<i2").tobytes()
        for codec, ref in (("pcmu", audioop.lin2ulaw), ("pcma", audioop.lin2alaw)):
            ours = gen.encode_table(codec).tobytes()
            self.assertEqual(ours, ref(pcm, 2), codec)

    @unittest.skipIf(audioop is None, "audioop not available")
    def test_decoders_match_audioop(self):
        codes = bytes(range(256))
        for codec, ref in (("pcmu", audioop.ulaw2lin), ("pcma", audioop.alaw2lin)):
            ours = gen.decode_table(codec).astype("<i2").tobytes()
            self.assertEqual(ours, ref(codes, 2), codec)

    def test_round_trip_error_is_small(self):
        for codec in ("pcmu", "pcma"):
            enc, dec = gen.encode_table(codec), gen.decode_table(codec)
            x = np.arange(-32768, 32768)
            y = dec[enc[x + 32768]].astype(np.int64)
            err = np.abs(y - x)
            # Segment quantisation: error bounded by ~1/32 of magnitude + small floor.
            self.assertTrue(np.all(err <= np.abs(x) // 16 + 64), codec)
            self.assertEqual(int(dec[enc[32768]]), 0 if codec == 'pcmu' else 8)

    def test_known_codes(self):
        self.assertEqual(gen.linear_to_ulaw(0), 0xFF)
        self.assertEqual(gen.linear_to_ulaw(-4), 0x7E)
        self.assertEqual(gen.linear_to_ulaw(-1), 0x7E)   # -1 >> 2 == -1 (Sun g711.c)
        self.assertEqual(gen.linear_to_ulaw(32767), 0x80)
        self.assertEqual(gen.linear_to_ulaw(-32768), 0x00)
        self.assertEqual(gen.linear_to_alaw(0), 0xD5)
        self.assertEqual(gen.linear_to_alaw(-1), 0x55)
        self.assertEqual(gen.linear_to_alaw(32767), 0xAA)
        self.assertEqual(gen.linear_to_alaw(-32768), 0x2A)


class CaptureTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="calltap-gen-test-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def check_capture(self, codec, calls=3, seconds=3.0, extra=()):
        path, meta = run_gen(self.tmp, "c_%s_%d" % (codec, len(extra)), "--calls", str(calls),
                             "--seconds", str(seconds), "--codec", codec, *extra)
        streams, sip = analyse(path, meta)
        pt = gen.CODECS[codec]["pt"]
        dec = gen.decode_table(codec)
        pkts = int(round(seconds * 50))
        self.assertEqual(meta["rtp_packets_per_stream"], pkts)
        self.assertEqual(len(streams), 2 * calls)
        self.assertEqual(len(sip), 7 * calls)
        self.assertEqual(meta["sip_packets"], len(sip))
        self.assertEqual(meta["rtp_packets"], sum(len(v) for v in streams.values()))
        self.assertEqual(os.path.getsize(path), meta["pcap_bytes"])
        self.assertEqual(len(meta["calls"]), calls)
        lossy = "--loss" in extra
        for call in meta["calls"]:
            i = call["index"]
            self.assertEqual(call["caller"]["tone_hz"], 300 + 5 * (i % 300))
            self.assertEqual(call["callee"]["tone_hz"], 2000 + 5 * (i % 300))
            for side, other in (("caller", "callee"), ("callee", "caller")):
                st, ot = call[side], call[other]
                pk = streams[st["ssrc"]]
                self.assertEqual(len(pk), st["rtp_packets_in_capture"])
                if not lossy:
                    self.assertEqual(len(pk), pkts)
                # addressing
                for p in pk:
                    self.assertEqual(p[6:], (st["ip"], st["rtp_port"], ot["ip"], ot["rtp_port"]))
                    self.assertEqual(p[2], pt)
                # sequence / timestamp / marker, in sequence order
                by_seq = sorted(pk, key=lambda p: (p[3] - st["first_seq"]) & 0xFFFF)
                ks = [(p[3] - st["first_seq"]) & 0xFFFF for p in by_seq]
                for k, p in zip(ks, by_seq):
                    self.assertEqual(p[4], (st["first_rtp_timestamp"] + 160 * k) & 0xFFFFFFFF)
                    self.assertEqual(p[1], 1 if k == 0 else 0)
                if not lossy:
                    self.assertEqual(ks, list(range(pkts)))
                    times = [p[0] for p in pk]
                    self.assertTrue(all(b - a == 20_000_000 for a, b in zip(times, times[1:])))
                    self.assertAlmostEqual(times[0] / 1e9, st["rtp_nominal_start"], places=6)
                    self.assertGreater(times[0] / 1e9, call["ack_time"])
                    self.assertLess(times[-1] / 1e9, call["bye_time"])
                # tone: concatenate payloads in sequence order (lost = silence)
                pcm = np.zeros(pkts * 160)
                for k, p in zip(ks, by_seq):
                    pcm[k * 160:(k + 1) * 160] = dec[np.frombuffer(p[5], np.uint8)]
                spec = np.abs(np.fft.rfft(pcm * np.hanning(len(pcm))))
                peak = np.argmax(spec) * 8000.0 / len(pcm)
                self.assertAlmostEqual(peak, st["tone_hz"], delta=8000.0 / len(pcm) + 0.01)
                if not lossy:
                    # Continuous sine across packet boundaries: compare with the ideal.
                    t = np.arange(len(pcm))
                    ideal = 10000 * np.sin(2 * np.pi * st["tone_hz"] * t / 8000)
                    snr = 10 * np.log10(np.sum(ideal ** 2) / np.sum((pcm - ideal) ** 2))
                    self.assertGreater(snr, 30.0)
        # SIP framing and content
        msgs = [m for _, _, _, m in sip]
        first_lines = sorted(m.split(b"\r\n", 1)[0].split(b" ")[0] for m in msgs)
        for m in msgs:
            head, body = m.split(b"\r\n\r\n", 1)
            hdrs = dict(l.split(b": ", 1) for l in head.split(b"\r\n")[1:])
            self.assertEqual(int(hdrs[b"Content-Length"]), len(body))
            for h in (b"Via", b"From", b"To", b"Call-ID", b"CSeq"):
                self.assertIn(h, hdrs)
            self.assertIn(b";branch=z9hG4bK", hdrs[b"Via"])
            self.assertIn(b";tag=", hdrs[b"From"])
            if m.startswith(b"SIP/2.0"):
                self.assertIn(b";tag=", hdrs[b"To"])
            if body:
                self.assertEqual(hdrs[b"Content-Type"], b"application/sdp")
                self.assertIn(b"m=audio ", body)
                self.assertIn(b"a=rtpmap:%d %s/8000" % (pt, gen.CODECS[codec]["name"].encode()), body)
                self.assertIn(b"a=sendrecv", body)
        self.assertEqual(first_lines.count(b"INVITE"), calls)
        self.assertEqual(first_lines.count(b"ACK"), calls)
        self.assertEqual(first_lines.count(b"BYE"), calls)
        call_ids = {c["call_id"] for c in meta["calls"]}
        self.assertEqual(len(call_ids), calls)
        self.assertEqual(sip[0][0], 0)               # first packet is call 0's INVITE
        return path, meta

    def test_pcmu(self):
        self.check_capture("pcmu")

    def test_pcma(self):
        self.check_capture("pcma")

    def test_jitter_and_loss(self):
        path, meta = self.check_capture("pcmu", calls=4, seconds=4.0,
                                        extra=("--jitter-ms", "30", "--loss", "0.05"))
        lost = 4 * 2 * 200 - meta["rtp_packets"]
        self.assertGreater(lost, 10)
        self.assertLess(lost, 150)

    def test_deterministic(self):
        a = os.path.join(self.tmp, "a")
        b = os.path.join(self.tmp, "b")
        os.makedirs(a)
        os.makedirs(b)
        args = ("--calls", "5", "--seconds", "2", "--seed", "7", "--jitter-ms", "3",
                "--loss", "0.01")
        digests = []
        for d in (a, b):
            run_gen(d, "x", *args)
            digests.append(tuple(hashlib.sha256(open(os.path.join(d, n), "rb").read()).hexdigest()
                                 for n in ("x.pcap", "x.calls.json")))
        self.assertEqual(digests[0], digests[1])
        run_gen(b, "y", "--calls", "5", "--seconds", "2", "--seed", "8")
        self.assertNotEqual(hashlib.sha256(open(os.path.join(b, "y.pcap"), "rb").read()).hexdigest(),
                            digests[0][0])

    def test_rolling_layout(self):
        # 12 calls of 3 s, 4 always in media: INVITE i at i * 0.75 s.
        path, meta = self.check_capture("pcmu", calls=12, seconds=3.0, extra=("--rolling", "4"))
        calls = meta["calls"]
        for c in calls:
            self.assertAlmostEqual(c["invite_time"], c["index"] * 0.75, places=9)
        self.assertEqual(len({c["caller"]["ip"] for c in calls}), 12)
        self.assertEqual(len({c["callee"]["rtp_port"] for c in calls}), 12)
        # In the steady part (after call 3 started, before call 8 ends) 4 or 5 calls are
        # in media at any time: 4 while one ends and the next starts within a packet.
        for t in np.arange(3.0, 6.5, 0.01):
            live = sum(1 for c in calls
                       if min(c[s]["rtp_nominal_start"] for s in ("caller", "callee")) <= t
                       < max(c[s]["rtp_nominal_end"] for s in ("caller", "callee")))
            self.assertIn(live, (4, 5), t)

    def test_rolling_calls_are_the_same_in_any_window(self):
        # A call's parameters depend on (seed, index) only, not on which calls are built.
        whole, wmeta = run_gen(self.tmp, "rw", "--calls", "30", "--seconds", "2",
                               "--rolling", "5")
        part, pmeta = run_gen(self.tmp, "rp", "--calls", "30", "--seconds", "2",
                              "--rolling", "5", "--from-seconds", "6", "--to-seconds", "7")
        by_index = {c["index"]: c for c in wmeta["calls"]}
        self.assertTrue(pmeta["calls"])
        self.assertGreater(pmeta["calls"][0]["index"], 5)     # calls 0..5 ended before 6 s
        for c in pmeta["calls"]:
            w = by_index[c["index"]]
            for k in ("call_id", "invite_time", "bye_time", "end_time"):
                self.assertEqual(c[k], w[k])
            for side in ("caller", "callee"):
                for k in ("ip", "rtp_port", "tone_hz", "ssrc", "first_seq",
                          "first_rtp_timestamp", "rtp_nominal_start", "rtp_nominal_end"):
                    self.assertEqual(c[side][k], w[side][k])
        self.assertEqual(pmeta["window"], [6.0, 7.0])
        for t, _ in read_pcap(part):
            self.assertTrue(6.0 <= (t / 1e9 - gen.EPOCH) < 7.0)

    def check_windows_join(self, name, args, edges):
        whole, wmeta = run_gen(self.tmp, name, *args)
        with open(whole, "rb") as f:
            expected = f.read()
        joined = b""
        total = 0
        per_call = {}
        for j, (a, b) in enumerate(zip(edges, edges[1:])):
            extra = ["--from-seconds", str(a)] + (["--to-seconds", str(b)] if b is not None else [])
            path, meta = run_gen(self.tmp, "%s_w%d" % (name, j), *args, *extra)
            with open(path, "rb") as f:
                data = f.read()
            joined += data if j == 0 else data[24:]
            total += meta["packets"]
            for c in meta["calls"]:
                for side in ("caller", "callee"):
                    key = (c["index"], side)
                    per_call[key] = per_call.get(key, 0) + c[side]["rtp_packets_in_capture"]
        self.assertEqual(joined, expected)
        self.assertEqual(total, wmeta["packets"])
        for c in wmeta["calls"]:
            for side in ("caller", "callee"):
                self.assertEqual(per_call[(c["index"], side)], c[side]["rtp_packets_in_capture"])

    def test_rolling_windows_join_into_the_whole_capture(self):
        self.check_windows_join("rj", ("--calls", "12", "--seconds", "3", "--rolling", "4"),
                                [0, 2.5, 5, 5.01, 7.5, None])

    def test_default_layout_windows_join(self):
        self.check_windows_join("dj", ("--calls", "6", "--seconds", "2", "--jitter-ms", "30",
                                       "--loss", "0.02"), [0, 0.6, 1.3, 2.0, None])

    def test_rolling_reuses_addresses_only_after_64000_calls(self):
        # 100 calls of 2 s always in media: call i at i * 0.02 s; call 64005 at 1280.1 s.
        path, meta = run_gen(self.tmp, "far", "--calls", "70000", "--seconds", "2",
                             "--rolling", "100", "--from-seconds", "1280.1",
                             "--to-seconds", "1280.2")
        calls = {c["index"]: c for c in meta["calls"]}
        self.assertIn(64005, calls)
        self.assertLess(len(calls), 120)                   # only calls near the window built
        self.assertEqual(calls[64005]["caller"]["ip"], "10.1.0.6")     # slot 5, like call 5
        self.assertEqual(calls[64005]["callee"]["ip"], "10.2.0.6")
        self.assertEqual(calls[64005]["caller"]["rtp_port"], 20010)
        self.assertEqual(calls[64005]["caller"]["number"], "65005")
        ips = [c["caller"]["ip"] for c in meta["calls"]]
        self.assertEqual(len(ips), len(set(ips)))          # no two calls of the window share one
        streams, sip = analyse(path, meta)
        self.assertEqual(sum(len(v) for v in streams.values()) + len(sip), meta["packets"])
        self.assertGreater(meta["packets"], 0)

    def test_bad_window_and_rolling_arguments(self):
        for extra in (("--rolling", "4", "--loss", "0.1"), ("--rolling", "4", "--jitter-ms", "5"),
                      ("--rolling", "0"), ("--from-seconds", "3", "--to-seconds", "3")):
            r = subprocess.run([sys.executable, SCRIPT, "--calls", "2", "--seconds", "1",
                                "--out", os.path.join(self.tmp, "bad.pcap"), "--quiet", *extra],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 2, extra)

    @unittest.skipIf(shutil.which("tshark") is None, "tshark not installed")
    def test_tshark_agrees(self):
        path, meta = run_gen(self.tmp, "ts", "--calls", "3", "--seconds", "5")
        out = subprocess.run(["tshark", "-r", path, "-q", "-o", "rtp.heuristic_rtp:FALSE",
                              "-z", "rtp,streams", "-z", "sip,stat"],
                             capture_output=True, text=True, check=True).stdout
        rows = [l.split() for l in out.splitlines() if " g711U " in l]
        self.assertEqual(len(rows), 6)
        for r in rows:
            self.assertEqual(r[8], "250")           # packets
            self.assertEqual(r[9], "0")             # lost
            self.assertEqual(r[11:14], ["20.000"] * 3)   # min/mean/max delta
            self.assertEqual(r[14:17], ["0.000"] * 3)    # jitter
        self.assertIn("Number of SIP messages: 21", out)
        self.assertRegex(out, r"INVITE\s+:\s+3 Packets")
        self.assertRegex(out, r"BYE\s+:\s+3 Packets")


if __name__ == "__main__":
    unittest.main()
