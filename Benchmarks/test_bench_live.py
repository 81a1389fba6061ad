#!/usr/bin/env python3
"""Self-tests for the checks and the soak's feeder of Benchmarks/bench_live.py (no calltap, no
root needed).

    python3 Benchmarks/test_bench_live.py -v

A recording written here as calltap would (WAV and sidecar) must pass the checks when it is
right, and fail them, saying why, when a packet's audio is missing, a tone is wrong, the
channels are swapped, a stream lost packets or overflowed its ring. tcpreplay's and
/metrics' texts are parsed as the benchmark reads them. The soak's chunks, fed through a FIFO,
join into the capture made whole.
"""

import json
import os
import shutil
import sys
import tempfile
import unittest
import wave

import numpy as np

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_live as bl  # noqa: E402

RATE = 8000


def call_doc(index=3, seconds=2.0):
    return {"index": index, "call_id": "abc%d@10.1.0.%d" % (index, index + 1),
            "caller": {"tone_hz": 300 + 5 * index, "rtp_packets_sent": int(seconds * 50),
                       "rtp_nominal_start": 0.520, "rtp_nominal_end": 0.520 + seconds},
            "callee": {"tone_hz": 2000 + 5 * index, "rtp_packets_sent": int(seconds * 50),
                       "rtp_nominal_start": 0.530, "rtp_nominal_end": 0.530 + seconds}}


def tone(freq, n, offset=0):
    t = np.arange(offset, offset + n)
    return np.rint(10000 * np.sin(2 * np.pi * freq * t / RATE)).astype(np.int16)


class RecordingCheckTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="calltap-bench-live-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, call, left=None, right=None, streams=None, end_reason="bye", roles=None):
        """A recording as calltap writes it: caller left from 0, callee right from 10 ms."""
        n = int(round((call["callee"]["rtp_nominal_end"] - call["caller"]["rtp_nominal_start"])
                      * RATE))
        data = np.zeros((n, 2), dtype=np.int16)
        k = int(call["caller"]["rtp_packets_sent"] * 160)
        data[:k, 0] = tone(call["caller"]["tone_hz"], k) if left is None else left
        data[80:80 + k, 1] = tone(call["callee"]["tone_hz"], k) if right is None else right
        wav = os.path.join(self.tmp, "r.wav")
        with wave.open(wav, "wb") as w:
            w.setnchannels(2)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes(data.astype("<i2").tobytes())
        if streams is None:
            streams = [{"Role": r, "Packets": call[r]["rtp_packets_sent"], "Lost": 0,
                        "RingOverflow": 0} for r in ("caller", "callee")]
        doc = {"RecordingIdentifier": "x", "CallInstance": call["call_id"],
               "EndReason": end_reason, "Streams": streams,
               "Audio": {"File": "r.wav", "ChannelRoles": roles or ["caller", "callee"]}}
        path = os.path.join(self.tmp, "r.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    def test_right_recording_passes(self):
        call = call_doc()
        res = bl.check_recording(self.write(call), call)
        self.assertEqual(res["errors"], [])
        self.assertTrue(res["ok"])
        self.assertEqual([c["gaps"] for c in res["channels"]], [0, 0])
        self.assertAlmostEqual(res["channels"][0]["peak_hz"], 315, delta=1)
        self.assertAlmostEqual(res["channels"][1]["peak_hz"], 2015, delta=1)

    def test_one_missing_packet_is_a_silent_gap(self):
        call = call_doc()
        k = call["caller"]["rtp_packets_sent"] * 160
        left = tone(call["caller"]["tone_hz"], k)
        left[160 * 40:160 * 41] = 0                # packet 40 lost: 20 ms of silence
        res = bl.check_recording(self.write(call, left=left), call)
        self.assertFalse(res["ok"])
        self.assertEqual(res["channels"][0]["gaps"], 1)
        self.assertEqual(res["channels"][0]["gap_ms"], 20.0)
        self.assertIn("silent gap", " ".join(res["errors"]))

    def test_swapped_channels_fail(self):
        call = call_doc()
        k = call["caller"]["rtp_packets_sent"] * 160
        res = bl.check_recording(self.write(call, left=tone(call["callee"]["tone_hz"], k),
                                            right=tone(call["caller"]["tone_hz"], k)), call)
        self.assertFalse(res["ok"])
        self.assertEqual(sum("peak at" in e for e in res["errors"]), 2)

    def test_two_tones_in_one_channel_fail(self):
        call = call_doc()
        k = call["caller"]["rtp_packets_sent"] * 160
        # The right tone is still the peak, but a fifth of the power is the other side's.
        mixed = (tone(call["caller"]["tone_hz"], k) // 3 * 2 + tone(call["callee"]["tone_hz"], k) // 3)
        res = bl.check_recording(self.write(call, left=mixed), call)
        self.assertFalse(res["ok"])
        self.assertIn("purity", " ".join(res["errors"]))

    def test_short_channel_fails(self):
        call = call_doc()
        k = call["caller"]["rtp_packets_sent"] * 160
        left = tone(call["caller"]["tone_hz"], k)
        left[-160 * 5:] = 0                         # the last 100 ms never came
        res = bl.check_recording(self.write(call, left=left), call)
        self.assertFalse(res["ok"])
        self.assertIn("active for", " ".join(res["errors"]))

    def test_stream_figures_count(self):
        call = call_doc()
        streams = [{"Role": "caller", "Packets": 97, "Lost": 3, "RingOverflow": 2},
                   {"Role": "callee", "Packets": 100, "Lost": 0, "RingOverflow": 0}]
        res = bl.check_recording(self.write(call, streams=streams, end_reason="shutdown"), call)
        self.assertFalse(res["ok"])
        self.assertEqual((res["lost"], res["ring_overflow"], res["missing"]), (3, 2, 3))
        text = " ".join(res["errors"])
        for what in ("EndReason 'shutdown'", "97 of 100", "Lost 3", "RingOverflow 2"):
            self.assertIn(what, text)
        summary = bl.summarise_checks([res], [call, call_doc(index=4)])
        self.assertEqual(summary["calls_without_recording"], 1)
        self.assertEqual(summary["stream_packets_missing"], 3 + 200)
        self.assertEqual(summary["stream_ring_overflow"], 2)

    def test_sidecar_without_ring_overflow_field(self):
        call = call_doc()
        streams = [{"Role": r, "Packets": 100, "Lost": 0} for r in ("caller", "callee")]
        res = bl.check_recording(self.write(call, streams=streams), call)
        self.assertTrue(res["ok"], res["errors"])
        self.assertIsNone(res["ring_overflow"])
        self.assertIsNone(bl.summarise_checks([res], [call])["stream_ring_overflow"])


class ParserTests(unittest.TestCase):
    def test_tcpreplay_output(self):
        text = """File Cache is enabled
Actual: 3007000 packets (688603000 bytes) sent in 32.54 seconds
Rated: 21161643.5 Bps, 169.29 Mbps, 92409.31 pps
Statistics for network device: ctb1-i
\tSuccessful packets:        3007000
\tFailed packets:            2
\tTruncated packets:         0
\tRetried packets (ENOBUFS): 0
\tRetried packets (EAGAIN):  5
"""
        r = bl.parse_tcpreplay(text)
        self.assertEqual((r["sent"], r["bytes"], r["seconds"]), (3007000, 688603000, 32.54))
        self.assertEqual((r["rated_pps"], r["rated_mbps"]), (92409.31, 169.29))
        self.assertEqual((r["successful"], r["failed"], r["retried_eagain"]), (3007000, 2, 5))

    def test_metrics(self):
        text = """# HELP calltap_pcap_received_total x
# TYPE calltap_pcap_received_total counter
calltap_pcap_received_total{interface="ctb1-o"} 1200
calltap_pcap_dropped_total{interface="ctb1-o"} 3
calltap_packets_not_used_total{cause="ringOverflow"} 7
calltap_packets_not_used_total{cause="otherUdp"} 2
calltap_ring_fill_ratio{worker="0"} 0.25
"""
        m = bl.parse_metrics(text)
        f = bl.capture_figures(m)
        self.assertEqual((f["pcap_received"], f["pcap_dropped"], f["ring_overflow"]), (1200, 3, 7))
        self.assertEqual(f["not_used"], {"ringOverflow": 7, "otherUdp": 2})
        self.assertIsNone(bl.msum(m, "calltap_absent_total"))

    def test_final_metrics_wait_for_the_packet_counters_to_settle(self):
        # What /metrics said after the last sidecar of a 1,000-call run, then a moment later.
        reads = [(2995550, 2996039), (3006100, 3006400), (3007000, 3007000), (3007000, 3007000)]

        class FakeServer:
            def __init__(self):
                self.n = 0

            def metrics(self):
                packets, received = reads[min(self.n, len(reads) - 1)]
                self.n += 1
                text = "calltap_packets_total %d\ncalltap_pcap_received_total %d\n" % (packets, received)
                return bl.parse_metrics(text), text

        server = FakeServer()
        m, _ = bl.Server.settled_metrics(server, limit=5.0, interval=0.0)
        f = bl.capture_figures(m)
        self.assertEqual((f["packets_total"], f["pcap_received"]), (3007000, 3007000))
        self.assertEqual(server.n, 4)


class ChunkFeederTests(unittest.TestCase):
    """The soak's feeder: what the sender reads through the FIFO is the whole capture."""

    def test_chunks_join_into_the_whole_capture_and_are_deleted_once_fed(self):
        import argparse
        import subprocess
        import threading
        tmp = tempfile.mkdtemp(prefix="calltap-feeder-test-")
        self.addCleanup(shutil.rmtree, tmp, True)
        a = argparse.Namespace(chunk_seconds=1.0, soak_call_seconds=2.0, soak_calls=5,
                               codec="pcmu", ptime=20, seed=1)
        total, chunks = 10, 4
        whole = os.path.join(tmp, "whole.pcap")
        subprocess.run([sys.executable, bl.GENERATOR, "--calls", str(total), "--seconds", "2",
                        "--rolling", "5", "--codec", "pcmu", "--ptime", "20", "--seed", "1",
                        "--from-seconds", "0", "--to-seconds", str(chunks * 1.0),
                        "--out", whole, "--quiet"], check=True)
        fifo = os.path.join(tmp, "capture.fifo")
        os.mkfifo(fifo)
        got = bytearray()

        def read():
            with open(fifo, "rb") as f:
                while True:
                    block = f.read(1 << 16)
                    if not block:
                        return
                    got.extend(block)
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        feeder = bl.ChunkFeeder(a, fifo, tmp, total, chunks)
        feeder.start()
        feeder.join(120)
        reader.join(30)
        self.assertIsNone(feeder.error)
        with open(whole, "rb") as f:
            self.assertEqual(bytes(got), f.read())
        self.assertEqual(feeder.fed, chunks)
        self.assertEqual(len(feeder.boundary_gaps_ms), chunks - 1)
        self.assertEqual(feeder.bytes_fed, len(got))
        feeder.delete_spent()
        self.assertFalse([n for n in os.listdir(tmp) if n.startswith("chunk-")])


if __name__ == "__main__":
    unittest.main()
