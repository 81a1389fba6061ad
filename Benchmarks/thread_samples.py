#!/usr/bin/env python3
"""perf samples per million packets, by thread, of two calltap builds replaying one capture in
alternating runs (issue 11: what grows with the number of live calls, and where).

On this shared machine the CPU time of a replay moves by a fifth from one hour to the next, more
than most changes to the RTP path. The samples of one thread, and of one symbol in it, move less:
a change to the capture thread shows in the capture thread's samples while the media worker's
take the noise. Each run is `perf record -F FREQ` of `calltap replay` with its output on a
journaled ext4 made for the invocation (as `cpu_ratio.py` does; root only); the samples are
split by thread (the capture thread, each media worker and the finisher, told apart by the
functions they run) and divided by the capture's millions of packets.

    python3 Benchmarks/thread_samples.py --calltap NEW --baseline OLD [--calls 2000 --seconds 30] [--rounds 4]

The captures are bench.py's cached ones. It prints each run, then per build the median samples
per million packets of each thread and the thread's busiest symbols.
"""

import argparse
import collections
import os
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402
from cpu_ratio import run_args  # noqa: E402
from scratch_fs import JournaledExt4  # noqa: E402

THREADS = ("capture", "worker", "finisher")


def thread_kind(symbols):
    """Which of calltap's busy threads ran these samples, by the functions among its busiest."""
    top = " ".join(s for s, _ in symbols.most_common(12))
    if "CaptureEngine" in top or "CaptureA0C3run" in top:
        return "capture"
    if "MediaWorker" in top or "RecordingTimeline" in top:
        return "worker"
    if "RecordingFinisher" in top or "sha256" in top:
        return "finisher"
    return None


def samples_by_thread(data):
    """Per thread kind, the samples by symbol (workers summed)."""
    out = subprocess.run(["perf", "script", "-i", data, "-F", "tid,ip,sym"], capture_output=True, text=True,
                         check=True).stdout
    per_tid = collections.defaultdict(collections.Counter)
    for line in out.splitlines():
        fields = line.split(None, 2)
        if len(fields) == 3:
            per_tid[fields[0]][fields[2].strip()] += 1
    kinds = {k: collections.Counter() for k in THREADS}
    for symbols in per_tid.values():
        kind = thread_kind(symbols)
        if kind:
            kinds[kind].update(symbols)
    return kinds


def main(argv=None):
    p = argparse.ArgumentParser(description="perf samples per million packets, by thread, two builds alternating.")
    p.add_argument("--calltap", required=True)
    p.add_argument("--baseline", required=True)
    p.add_argument("--calls", type=int, default=2000)
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--frequency", type=int, default=1999)
    p.add_argument("--top", type=int, default=6, help="symbols listed per thread")
    p.add_argument("--work", default=os.path.join(HERE, "work"))
    p.add_argument("--timeout", type=float, default=900.0, help="seconds a run may take")
    a = p.parse_args(argv)
    a.work = os.path.abspath(a.work)
    builds = [("calltap", os.path.abspath(a.calltap)), ("baseline", os.path.abspath(a.baseline))]
    pcap, meta = bench.ensure_capture(run_args(a, builds[0][1], a.calls, a.seconds), print)
    mpackets = meta["packets"] / 1e6
    runs = {b: [] for b, _ in builds}
    output = os.path.join(a.work, "samples-output")
    with JournaledExt4(a.work, output, JournaledExt4.size_for(a.calls, a.seconds), log=print):
        for r in range(a.rounds):
            for b, binary in (builds if r % 2 == 0 else builds[::-1]):
                out = os.path.join(output, "out")
                shutil.rmtree(out, ignore_errors=True)
                os.makedirs(out)
                bench.read_through(pcap)
                data = os.path.join(a.work, "samples-%s.data" % b)
                run = subprocess.run(["perf", "record", "-q", "-F", str(a.frequency), "-o", data, "--",
                                      binary, "replay", pcap, "--out", out, "--json"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=a.timeout)
                if run.returncode != 0:
                    sys.exit("%s round %d failed: %s" % (b, r + 1, run.stderr.strip()[-500:]))
                kinds = samples_by_thread(data)
                runs[b].append(kinds)
                print("round %d %-8s %s" % (r + 1, b, "  ".join(
                    "%s %.0f" % (k, sum(kinds[k].values()) / mpackets) for k in THREADS)), flush=True)
                os.remove(data)
    print("samples per million packets (median of %d runs), %d calls x %g s:" % (a.rounds, a.calls, a.seconds))
    for b, _ in builds:
        print("  %-8s %s" % (b, "  ".join(
            "%s %.0f" % (k, statistics.median(sum(run[k].values()) / mpackets for run in runs[b])) for k in THREADS)))
    for k in THREADS:
        print("%s, busiest symbols (mean samples per million packets):" % k)
        for b, _ in builds:
            total = collections.Counter()
            for run in runs[b]:
                total.update(run[k])
            print("  %-8s %s" % (b, ", ".join("%s %.0f" % (s[:60], n / len(runs[b]) / mpackets)
                                              for s, n in total.most_common(a.top))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
