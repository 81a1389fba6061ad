#!/usr/bin/env python3
"""Self-tests for generate_capture.py --codec g722 and --codec opus (no calltap needed).

    python3 Benchmarks/test_generate_codecs.py -v

Generates small captures, re-parses them with the pcap reader of test_generate_capture.py
(time order, IPv4 and UDP checksums), and checks the RTP (payload type, payload size,
sequence numbers, timestamps +160 or +960 per 20 ms, marker), the SDP (rtpmap, fmtp) and
the tone of every stream, decoded with the reference libraries through ctypes: spandsp's
G.722 decoder and libopus. Skipped where cc, pkg-config or the libraries are missing.
"""

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np

sys.dont_write_bytecode = True          # keep Benchmarks/ free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_capture as gen  # noqa: E402
from test_generate_capture import analyse, run_gen  # noqa: E402


def _load(name):
    path = ctypes.util.find_library(name)
    try:
        return ctypes.CDLL(path) if path else None
    except OSError:
        return None


SPANDSP = _load("spandsp")
OPUS = _load("opus")
HAVE_BUILD = bool(shutil.which("cc") and shutil.which("pkg-config")) and subprocess.run(
    ["pkg-config", "--exists", "opus", "spandsp", "libbcg729"]).returncode == 0


def decode_g722(payloads):
    SPANDSP.g722_decode_init.restype = ctypes.c_void_p
    SPANDSP.g722_decode_init.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
    SPANDSP.g722_decode.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    SPANDSP.g722_decode_free.argtypes = [ctypes.c_void_p]
    state = SPANDSP.g722_decode_init(None, 64000, 0)
    out = []
    for p in payloads:
        buf = (ctypes.c_int16 * (2 * len(p)))()
        n = SPANDSP.g722_decode(state, buf, p, len(p))
        out.append(np.frombuffer(buf, dtype=np.int16)[:n].copy())
    SPANDSP.g722_decode_free(state)
    return np.concatenate(out).astype(np.float64), 16000


def decode_opus(payloads):
    OPUS.opus_decoder_create.restype = ctypes.c_void_p
    OPUS.opus_decoder_create.argtypes = [ctypes.c_int32, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
    OPUS.opus_decode.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32,
                                 ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
    OPUS.opus_decoder_destroy.argtypes = [ctypes.c_void_p]
    err = ctypes.c_int()
    dec = OPUS.opus_decoder_create(48000, 1, ctypes.byref(err))
    assert err.value == 0
    out = []
    for p in payloads:
        buf = (ctypes.c_int16 * 5760)()
        n = OPUS.opus_decode(dec, p, len(p), buf, 5760, 0)
        assert n > 0, n
        out.append(np.frombuffer(buf, dtype=np.int16)[:n].copy())
    OPUS.opus_decoder_destroy(dec)
    return np.concatenate(out).astype(np.float64), 48000


def tone(x, rate):
    x = x[rate // 10:]                                   # decoder run-in
    x = x - x.mean()
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    k = int(np.argmax(spec))
    bin_hz = rate / len(x)
    near = int(round(15.0 / bin_hz))
    purity = spec[max(0, k - near):k + near + 1].sum() / spec.sum()
    return k * bin_hz, bin_hz, purity


@unittest.skipUnless(HAVE_BUILD, "needs cc, pkg-config and libopus/spandsp/bcg729 headers")
class EncodedCodecTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="calltap-gen-codec-test-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def check(self, codec, ticks, payload_bytes, rtpmap, fmtp, decoder, calls=2, seconds=3.0):
        path, meta = run_gen(self.tmp, "c_" + codec, "--calls", str(calls), "--seconds",
                             str(seconds), "--codec", codec)
        streams, sip = analyse(path, meta)
        pt = gen.CODECS[codec]["pt"]
        pkts = int(round(seconds * 50))
        self.assertEqual(meta["samples_per_packet"], ticks)
        self.assertEqual(meta["payload_bytes"], payload_bytes)
        self.assertEqual(meta["rtp_clock"], ticks * 50)
        self.assertEqual(len(streams), 2 * calls)
        self.assertEqual(os.path.getsize(path), meta["pcap_bytes"])
        for call in meta["calls"]:
            for side, other in (("caller", "callee"), ("callee", "caller")):
                st, ot = call[side], call[other]
                pk = streams[st["ssrc"]]
                self.assertEqual(len(pk), pkts)
                self.assertEqual(st["rtp_samples_sent"], pkts * ticks)
                for k, p in enumerate(pk):
                    self.assertEqual(p[6:], (st["ip"], st["rtp_port"], ot["ip"], ot["rtp_port"]))
                    self.assertEqual(p[2], pt)
                    self.assertEqual(p[1], 1 if k == 0 else 0)
                    self.assertEqual(p[3], (st["first_seq"] + k) & 0xFFFF)
                    self.assertEqual(p[4], (st["first_rtp_timestamp"] + ticks * k) & 0xFFFFFFFF)
                    self.assertEqual(len(p[5]), payload_bytes)
                audio, rate = decoder([p[5] for p in pk])
                self.assertEqual(len(audio), pkts * rate // 50)
                hz, bin_hz, purity = tone(audio, rate)
                self.assertLessEqual(abs(hz - st["tone_hz"]), bin_hz, (side, call["index"]))
                self.assertGreater(purity, 0.9, (side, call["index"]))
        bodies = [m.split(b"\r\n\r\n", 1)[1] for _, _, _, m in sip]
        sdps = [b for b in bodies if b]
        self.assertEqual(len(sdps), 2 * calls)
        for body in sdps:
            self.assertIn(b"m=audio ", body)
            self.assertIn(b" RTP/AVP %d\r\n" % pt, body)
            self.assertIn(b"a=rtpmap:%d %s\r\n" % (pt, rtpmap), body)
            if fmtp:
                self.assertIn(b"a=fmtp:%d %s\r\n" % (pt, fmtp), body)
            else:
                self.assertNotIn(b"a=fmtp", body)
        return path, meta

    @unittest.skipIf(SPANDSP is None, "libspandsp not found")
    def test_g722(self):
        self.check("g722", 160, 160, b"G722/8000", None, decode_g722)

    @unittest.skipIf(OPUS is None, "libopus not found")
    def test_opus(self):
        path, meta = self.check("opus", 960, 80, b"opus/48000/2", b"useinbandfec=1", decode_opus)
        streams, _ = analyse(path, meta)
        for pk in streams.values():
            toc = pk[0][5][0]
            self.assertEqual(toc & 0x04, 0)          # mono
            # one frame per packet: code 0, or code 3 (CBR pads with it) with a count of 1
            self.assertTrue(toc & 0x03 == 0 or (toc & 0x03 == 3 and pk[0][5][1] & 0x3F == 1))
            config = toc >> 3                        # 20 ms frames (RFC 6716 table 2)
            twenty_ms = config % 4 == 1 if config < 12 else config % 2 == 1 if config < 16 \
                else config % 4 == 3
            self.assertTrue(twenty_ms, config)
            self.assertEqual(len({p[5] for p in pk}), 10)   # a loop of 10 packets (200 ms)

    def test_opus_rejects_30ms(self):
        r = subprocess.run([sys.executable, gen.__file__, "--calls", "1", "--seconds", "1",
                            "--codec", "opus", "--ptime", "30", "--out",
                            os.path.join(self.tmp, "x.pcap"), "--quiet"], capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--ptime", r.stderr)

    def test_deterministic(self):
        hashes = []
        for n in ("d1", "d2"):
            path, _ = run_gen(self.tmp, n, "--calls", "3", "--seconds", "1", "--codec", "g722",
                              "--jitter-ms", "5", "--loss", "0.02")
            with open(path, "rb") as f:
                hashes.append(f.read())
        self.assertEqual(hashes[0], hashes[1])

    def test_g711_summary_unchanged(self):
        _, meta = run_gen(self.tmp, "u", "--calls", "1", "--seconds", "1", "--codec", "pcmu")
        for key in ("rtp_clock", "payload_bytes", "encoder"):
            self.assertNotIn(key, meta)


if __name__ == "__main__":
    unittest.main()
