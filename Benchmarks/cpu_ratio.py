#!/usr/bin/env python3
"""CPU per packet of a replay with many live calls against one with few (issue 11: 2,000 calls
x 30 s may cost at most 1.3 times the CPU per packet of 200 calls x 60 s).

The machine is shared and noisy, so one run of each proves little: this runs ROUNDS rounds, each
replaying the small and the large capture once per binary, in an order that alternates from
round to round, and reports every run's CPU (user + sys of calltap alone, from wait4) per packet
and the ratio of the medians. With --baseline, a second binary is interleaved with the first, so
that an A/B comparison sees the same load.

    python3 Benchmarks/cpu_ratio.py --calltap .build/release/calltap [--baseline OLD] [--rounds 5]

Runs are made and checked as `bench.py` makes them (fresh output folder, summary checks, the
output deleted after); the captures are bench.py's cached ones. The output goes to a journaled
ext4 made for the invocation (scratch_fs.JournaledExt4; root only), not to the work folder,
whose file system (this machine's root: ext4 without a journal) made each run pay for the files
the run before it had left and the harness had deleted. `--output-on work` writes there anyway.
"""

import argparse
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402
from scratch_fs import JournaledExt4  # noqa: E402


def sizes(a):
    return [("small", a.small_calls, a.small_seconds), ("large", a.large_calls, a.large_seconds)]


def run_args(a, calltap, calls, seconds, work=None):
    """The namespace bench.py's helpers expect for one capture size (`work`: where the runs'
    output goes, the work folder unless given)."""
    return argparse.Namespace(
        calltap=calltap, calls=calls, seconds=seconds, codec="pcmu", ptime=20, seed=1,
        jitter_ms=0.0, loss=0.0, work=work or a.work, timeout=a.timeout, calltap_arg=[],
        keep_output=False, no_file_check=False, allow_undecoded=False)


def run_rounds(a, binaries, captures, per_packet, output, log):
    """Runs every round with its output in `output`, adding each run's CPU per packet to
    `per_packet`; True when a run failed."""
    failed = False
    for r in range(a.rounds):
        order = [(b, path, s, c, sec) for b, path in binaries for s, c, sec in sizes(a)]
        if r % 2:
            order.reverse()
        for b, path, s, calls, seconds in order:
            ra = run_args(a, path, calls, seconds, work=output)
            pcap, meta = captures[s]
            res = bench.run_once(ra, pcap, "ratio-%s-%s-%d" % (b, s, r + 1), lambda _: None)
            errs = bench.check_run(res, meta, ra)
            if errs or not isinstance(res["packets"], int) or res["packets"] <= 0:
                log("%s %s round %d FAILED: %s" % (b, s, r + 1, "; ".join(errs) or "no packets"))
                failed = True
                continue
            us = res["cpu_s"] / res["packets"] * 1e6
            per_packet[(b, s)].append(us)
            log("round %d %-8s %-5s %5d x %g s: cpu %.2f s (user %.2f sys %.2f), wall %.2f s, "
                "peak %.0f MiB, %.3f us/packet"
                % (r + 1, b, s, calls, seconds, res["cpu_s"], res["user_s"], res["sys_s"],
                   res["wall_s"], res["peak_rss_mib"], us))
    return failed


def main(argv=None):
    p = argparse.ArgumentParser(description="CPU per packet, many live calls against few.")
    p.add_argument("--calltap", required=True)
    p.add_argument("--baseline", help="a second calltap binary, interleaved with the first")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--small-calls", type=int, default=200)
    p.add_argument("--small-seconds", type=float, default=60.0)
    p.add_argument("--large-calls", type=int, default=2000)
    p.add_argument("--large-seconds", type=float, default=30.0)
    p.add_argument("--work", default=os.path.join(HERE, "work"))
    p.add_argument("--timeout", type=float, default=900.0)
    p.add_argument("--output-on", choices=["ext4", "work"], default="ext4",
                   help="the runs' output on a journaled ext4 made for them (root), or in --work")
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    a = p.parse_args(argv)
    a.work = os.path.abspath(a.work)
    binaries = [("calltap", os.path.abspath(a.calltap))]
    if a.baseline:
        binaries.append(("baseline", os.path.abspath(a.baseline)))
    report = sys.stderr if a.json else sys.stdout

    def log(msg):
        print(msg, file=report, flush=True)

    captures = {}
    for name, calls, seconds in sizes(a):
        captures[name] = bench.ensure_capture(run_args(a, binaries[0][1], calls, seconds), log)

    per_packet = {(b, s): [] for b, _ in binaries for s, _, _ in sizes(a)}
    if a.output_on == "work":
        failed = run_rounds(a, binaries, captures, per_packet, a.work, log)
    else:
        output = os.path.join(a.work, "ratio-output")
        size = max(JournaledExt4.size_for(c, sec) for _, c, sec in sizes(a))
        with JournaledExt4(a.work, output, size, log=log):
            failed = run_rounds(a, binaries, captures, per_packet, output, log)

    result = {"rounds": a.rounds, "binaries": {}}
    for b, path in binaries:
        small, large = per_packet[(b, "small")], per_packet[(b, "large")]
        entry = {"path": path, "small_us_per_packet": small, "large_us_per_packet": large}
        if small and large:
            entry["ratio_of_medians"] = statistics.median(large) / statistics.median(small)
            # Each round ran the two sizes back to back, under much the same load: the median of
            # the rounds' own ratios is less moved by a busy minute than either median alone.
            # Only when no run failed: the lists then pair by round.
            paired = ""
            if len(small) == len(large) == a.rounds:
                rounds = [l / s for s, l in zip(small, large)]
                entry["median_round_ratio"] = statistics.median(rounds)
                paired = " (rounds' own ratios: median %.2f, %.2f to %.2f)" % (
                    entry["median_round_ratio"], min(rounds), max(rounds))
            log("%s: median %.3f us/packet small, %.3f large, ratio %.2f%s"
                % (b, statistics.median(small), statistics.median(large), entry["ratio_of_medians"], paired))
        result["binaries"][b] = entry
    if a.json:
        print(json.dumps(result, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
