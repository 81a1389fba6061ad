#!/usr/bin/env python3
"""Throughput benchmark for `calltap replay`.

    python3 Benchmarks/bench.py --calltap .build/release/calltap \\
        [--calls 200] [--seconds 60] [--codec pcmu|pcma|g722|opus] [--runs 3] \\
        [--work Benchmarks/work] [--json]

1. Generates (once, cached in the work folder under a name keyed by the
   generator arguments and the generator's own source hash) a synthetic
   capture with Benchmarks/generate_capture.py: N concurrent SIP calls, each
   S seconds of two-way RTP at 20 ms ptime: G.711 (pcmu, pcma), G.722 (g722)
   or Opus (opus; 48 kHz mono CBR 32 kbit/s, PT 111).
2. Runs `CALLTAP replay CAPTURE --out WORK/out-RUN --json` --runs times, each
   into a fresh empty output folder that is measured and then deleted.
   Per run it records wall time (perf_counter around the child), the child's
   own CPU time (user + sys) and peak RSS from os.wait4 (rusage of exactly
   that child, so runs never mix), the JSON summary calltap prints
   (Packets, Recordings, ...) and the bytes of audio written.
3. Prints a table and a summary line: median wall s, packets/s
   (Packets / median wall), median CPU s, peak RSS MiB (max over runs),
   recordings written, audio bytes.  With --json the table goes to stderr
   and a JSON document to stdout.

Exit status: 0 on success; 1 if calltap fails (non-zero exit, signal,
timeout, unreadable JSON), reports Truncated, counts RTP packets of an
unsupported codec under NotUsed (unless --allow-undecoded), writes a number
of recordings different from the number of calls generated, or leaves a number of audio
files on disk different from the Recordings it reports (a benchmark that did
less work must not look fast); 2 on usage errors.
"""

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATOR = os.path.join(HERE, "generate_capture.py")
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".au", ".caf", ".aiff")


def die(msg, code=1):
    print("bench: error: " + msg, file=sys.stderr)
    sys.exit(code)


def generator_hash():
    with open(GENERATOR, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:10]


def fmt_num(x):
    s = ("%g" % x).replace(".", "p").replace("-", "m")
    return s


def capture_name(a):
    name = "capture-c%d-s%s-%s-p%d-seed%d" % (a.calls, fmt_num(a.seconds), a.codec,
                                              a.ptime, a.seed)
    if a.jitter_ms:
        name += "-j%s" % fmt_num(a.jitter_ms)
    if a.loss:
        name += "-l%s" % fmt_num(a.loss)
    return name + "-g" + generator_hash()


def ensure_capture(a, log):
    os.makedirs(a.work, exist_ok=True)
    base = os.path.join(a.work, capture_name(a))
    pcap, meta_path = base + ".pcap", base + ".calls.json"
    meta = None
    if os.path.exists(pcap) and os.path.exists(meta_path):
        try:
            with open(meta_path) as f:
                meta = json.load(f)
            if os.path.getsize(pcap) != meta["pcap_bytes"]:
                meta = None
        except (OSError, ValueError, KeyError):
            meta = None
    if meta is not None:
        log("capture: %s (cached)" % pcap)
        return pcap, meta
    # Captures made by an older generator version can never be used again.
    suffix = "-g" + generator_hash()
    for n in os.listdir(a.work):
        if n.startswith("capture-") and (n.endswith(".pcap") or n.endswith(".calls.json")) \
                and suffix + "." not in n:
            log("capture: removing stale %s" % n)
            os.unlink(os.path.join(a.work, n))
    cmd = [sys.executable, GENERATOR, "--calls", str(a.calls), "--seconds", str(a.seconds),
           "--codec", a.codec, "--ptime", str(a.ptime), "--seed", str(a.seed),
           "--jitter-ms", str(a.jitter_ms), "--loss", str(a.loss), "--out", pcap, "--quiet"]
    log("capture: generating %s" % pcap)
    t = time.perf_counter()
    r = subprocess.run(cmd)
    if r.returncode != 0:
        die("capture generator failed (exit %d)" % r.returncode)
    log("capture: generated in %.2f s" % (time.perf_counter() - t))
    with open(meta_path) as f:
        meta = json.load(f)
    return pcap, meta


def parse_summary(text):
    """Find calltap's JSON summary object in its stdout."""
    text = text.strip()
    if not text:
        return None
    try:
        obj = json.loads(text)
        if isinstance(obj, dict):
            return obj
    except ValueError:
        pass
    for line in reversed(text.splitlines()):       # last JSON-object line wins
        line = line.strip()
        if line.startswith("{"):
            try:
                obj = json.loads(line)
                if isinstance(obj, dict):
                    return obj
            except ValueError:
                continue
    i, j = text.find("{"), text.rfind("}")
    if 0 <= i < j:
        try:
            obj = json.loads(text[i:j + 1])
            if isinstance(obj, dict):
                return obj
        except ValueError:
            pass
    return None


def field(obj, name):
    """Case-insensitive lookup of a top-level summary field."""
    if name in obj:
        return obj[name]
    low = name.lower()
    for k, v in obj.items():
        if k.lower() == low:
            return v
    return None


def measure_output(folder):
    total = audio = 0
    files = audio_files = 0
    for root, _, names in os.walk(folder):
        for n in names:
            try:
                size = os.lstat(os.path.join(root, n)).st_size
            except OSError:
                continue
            total += size
            files += 1
            if n.lower().endswith(AUDIO_EXTENSIONS):
                audio += size
                audio_files += 1
    return {"audio_bytes": audio, "audio_files": audio_files,
            "output_bytes": total, "output_files": files}


def read_through(path):
    """Reads a file once so that the run after finds it in the page cache: a capture read from
    the disk cost a 2,000-call replay 47 % more CPU (`perf`: a quarter of its samples copying
    the freshly read pages), which is the disk's and the host's cost, not calltap's."""
    buf = bytearray(1 << 20)
    with open(path, "rb", buffering=0) as f:
        while f.readinto(buf):
            pass


def run_once(a, pcap, label, log):
    read_through(pcap)
    out = os.path.join(a.work, "out-%s" % label)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    so_path = os.path.join(a.work, "run-%s.stdout" % label)
    se_path = os.path.join(a.work, "run-%s.stderr" % label)
    cmd = [a.calltap, "replay", pcap, "--out", out, "--json"] + a.calltap_arg
    timed_out = threading.Event()
    with open(so_path, "wb") as so, open(se_path, "wb") as se:
        t0 = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=so, stderr=se)
        except OSError as e:
            die("cannot start %s: %s" % (a.calltap, e))

        def on_timeout():
            timed_out.set()
            try:
                os.kill(proc.pid, 9)   # still unreaped (waitid WNOWAIT), so the pid is ours
            except OSError:
                pass
        timer = threading.Timer(a.timeout, on_timeout)
        timer.daemon = True
        timer.start()
        # Wait for exit without reaping, so the timer can never signal a reused pid.
        while True:
            try:
                os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
                break
            except InterruptedError:
                continue
        wall = time.perf_counter() - t0
        timer.cancel()
        _, status, ru = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    with open(so_path, "rb") as f:
        stdout = f.read().decode("utf-8", "replace")
    with open(se_path, "rb") as f:
        stderr = f.read().decode("utf-8", "replace")
    sizes = measure_output(out)
    if not a.keep_output:
        shutil.rmtree(out, ignore_errors=True)
    res = {
        "run": label,
        "exit": proc.returncode,
        "timed_out": timed_out.is_set(),
        "wall_s": wall,
        "user_s": ru.ru_utime,
        "sys_s": ru.ru_stime,
        "cpu_s": ru.ru_utime + ru.ru_stime,
        "peak_rss_mib": ru.ru_maxrss / 1024.0,         # Linux: ru_maxrss in KiB
        "summary": parse_summary(stdout),
        "stderr_tail": stderr[-2000:],
    }
    res.update(sizes)
    s = res["summary"] or {}
    res["packets"] = field(s, "Packets")
    res["recordings"] = field(s, "Recordings")
    res["calls"] = field(s, "Calls")
    res["truncated"] = field(s, "Truncated")
    res["not_used"] = field(s, "NotUsed")
    res["calltap_seconds"] = field(s, "Seconds")
    res["stdout_path"], res["stderr_path"] = so_path, se_path
    return res


def check_run(res, meta, a):
    """Return a list of reasons this run does not count."""
    errs = []
    if res["timed_out"]:
        errs.append("timed out after %g s" % a.timeout)
    if res["exit"] != 0:
        errs.append("exit status %d" % res["exit"] if res["exit"] > 0
                    else "killed by signal %d" % -res["exit"])
    if res["summary"] is None:
        errs.append("no JSON summary on stdout")
        return errs
    if not isinstance(res["recordings"], int):
        errs.append("summary has no integer Recordings")
    elif res["recordings"] != a.calls:
        errs.append("Recordings %d != calls generated %d" % (res["recordings"], a.calls))
    if not isinstance(res["packets"], int):
        errs.append("summary has no integer Packets")
    if res["truncated"]:
        errs.append("Truncated is true")
    undecoded = unsupported_codec_packets(res["not_used"])
    if undecoded and not a.allow_undecoded:
        errs.append("%d RTP packets not decoded (NotUsed: unsupported codec); "
                    "--allow-undecoded to time it anyway" % undecoded)
    if not a.no_file_check and isinstance(res["recordings"], int) \
            and res["audio_files"] != res["recordings"]:
        errs.append("%d audio files on disk but Recordings = %d"
                    % (res["audio_files"], res["recordings"]))
    return errs


def unsupported_codec_packets(not_used):
    """Packets calltap's summary counts under NotUsed as of an unsupported codec."""
    if not isinstance(not_used, dict):
        return 0
    return sum(v for k, v in not_used.items()
               if "unsupported" in k.lower() and isinstance(v, int))


def mib(n):
    return n / (1024.0 * 1024.0)


def main(argv=None):
    p = argparse.ArgumentParser(description="Benchmark `calltap replay` on a synthetic capture.")
    p.add_argument("--calltap", required=True, help="path to the calltap binary")
    p.add_argument("--calls", type=int, default=200)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--codec", choices=("pcmu", "pcma", "g722", "opus"), default="pcmu")
    p.add_argument("--ptime", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--jitter-ms", type=float, default=0.0)
    p.add_argument("--loss", type=float, default=0.0)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--warmup", type=int, default=0,
                   help="extra untimed runs first (default 0; they are still checked)")
    p.add_argument("--work", default=os.path.join(HERE, "work"),
                   help="work folder for the cached capture and outputs (default Benchmarks/work)")
    p.add_argument("--timeout", type=float, default=900.0, help="per-run timeout in seconds")
    p.add_argument("--calltap-arg", action="append", default=[],
                   help="extra argument appended to the calltap command line (repeatable)")
    p.add_argument("--keep-output", action="store_true",
                   help="keep WORK/out-RUN folders instead of deleting them")
    p.add_argument("--no-file-check", action="store_true",
                   help="do not require #audio files on disk == Recordings")
    p.add_argument("--allow-undecoded", action="store_true",
                   help="count a run whose summary has NotUsed unsupported-codec packets "
                        "(a calltap that does not decode the codec does less work)")
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    a = p.parse_args(argv)
    if a.runs < 1:
        p.error("--runs must be >= 1")
    a.calltap = os.path.abspath(a.calltap) if os.sep in a.calltap else (
        shutil.which(a.calltap) or a.calltap)
    if not (os.path.isfile(a.calltap) and os.access(a.calltap, os.X_OK)):
        p.error("calltap binary not found or not executable: %s" % a.calltap)
    a.work = os.path.abspath(a.work)

    report = sys.stderr if a.json else sys.stdout

    def log(msg):
        print(msg, file=report, flush=True)

    pcap, meta = ensure_capture(a, log)
    capture_packets = meta["packets"]
    log("capture: %d calls x %g s %s, %d packets (%d RTP + %d SIP), %.1f MiB"
        % (a.calls, a.seconds, a.codec, capture_packets, meta["rtp_packets"],
           meta["sip_packets"], mib(meta["pcap_bytes"])))
    log("command: %s replay %s --out %s --json%s" % (
        a.calltap, pcap, os.path.join(a.work, "out-RUN"),
        "".join(" " + x for x in a.calltap_arg)))
    load_before = os.getloadavg()

    failures = []
    for w in range(a.warmup):
        res = run_once(a, pcap, "warmup%d" % (w + 1), log)
        errs = check_run(res, meta, a)
        if not errs:
            for path in (res.pop("stdout_path"), res.pop("stderr_path")):
                os.unlink(path)
        log("warmup %d: %.3f s%s" % (w + 1, res["wall_s"], "" if not errs else " FAILED: " + "; ".join(errs)))
        if errs:
            failures.append(("warmup%d" % (w + 1), errs, res))
            break

    runs = []
    hdr = "%-4s %9s %8s %8s %8s %9s %10s %12s %5s %10s %11s" % (
        "run", "wall_s", "cpu_s", "user_s", "sys_s", "rss_MiB", "packets", "packets/s",
        "recs", "audio_MiB", "status")
    if not failures:
        log(hdr)
        for r in range(a.runs):
            res = run_once(a, pcap, str(r + 1), log)
            errs = check_run(res, meta, a)
            res["errors"] = errs
            runs.append(res)
            if not errs:                 # keep calltap's stdout/stderr only for failed runs
                for path in (res.pop("stdout_path"), res.pop("stderr_path")):
                    os.unlink(path)
            pk = res["packets"] if isinstance(res["packets"], int) else None
            log("%-4s %9.3f %8.3f %8.3f %8.3f %9.1f %10s %12s %5s %10.1f %11s" % (
                res["run"], res["wall_s"], res["cpu_s"], res["user_s"], res["sys_s"],
                res["peak_rss_mib"], pk if pk is not None else "-",
                "%.0f" % (pk / res["wall_s"]) if pk is not None and res["wall_s"] > 0 else "-",
                res["recordings"] if res["recordings"] is not None else "-",
                mib(res["audio_bytes"]), "ok" if not errs else "FAILED"))
            if errs:
                failures.append((res["run"], errs, res))
                break          # no point timing a broken binary further

    for label, errs, res in failures:
        log("run %s FAILED: %s" % (label, "; ".join(errs)))
        if res.get("stderr_tail"):
            log("calltap stderr (tail):\n" + res["stderr_tail"].rstrip())
        log("calltap stdout/stderr kept in %s, %s" % (res.get("stdout_path"), res.get("stderr_path")))

    result = {
        "ok": not failures,
        "calltap": a.calltap,
        "capture": pcap,
        "capture_bytes": meta["pcap_bytes"],
        "capture_packets": capture_packets,
        "calls": a.calls, "seconds": a.seconds, "codec": a.codec, "ptime": a.ptime,
        "seed": a.seed, "jitter_ms": a.jitter_ms, "loss": a.loss,
        "runs": len(runs),
        "host": {"cpus": os.cpu_count(), "loadavg_before": list(load_before),
                 "loadavg_after": list(os.getloadavg()), "python": platform.python_version(),
                 "machine": platform.machine()},
        "per_run": [{k: v for k, v in r.items() if k not in ("stderr_tail",)} for r in runs],
    }
    good = [r for r in runs if not r["errors"]]
    if good and not failures:
        wall = statistics.median(r["wall_s"] for r in good)
        packets = statistics.median_low(r["packets"] for r in good)
        summ = {
            "median_wall_s": round(wall, 4),
            "min_wall_s": round(min(r["wall_s"] for r in good), 4),
            "max_wall_s": round(max(r["wall_s"] for r in good), 4),
            "packets": packets,
            "packets_per_s": round(packets / wall, 1) if wall > 0 else None,
            "median_cpu_s": round(statistics.median(r["cpu_s"] for r in good), 4),
            "cpu_utilisation": round(statistics.median(r["cpu_s"] / r["wall_s"] for r in good), 3),
            "peak_rss_mib": round(max(r["peak_rss_mib"] for r in good), 1),
            "recordings": good[0]["recordings"],
            "audio_bytes": good[0]["audio_bytes"],
            "audio_files": good[0]["audio_files"],
            "output_bytes": good[0]["output_bytes"],
            "call_seconds_per_wall_s": round(a.calls * a.seconds / wall, 1) if wall > 0 else None,
        }
        if packets != capture_packets:
            summ["warning"] = ("calltap reported %d packets, capture holds %d"
                               % (packets, capture_packets))
            log("warning: " + summ["warning"])
        result.update(summ)
        log("SUMMARY calls=%d seconds=%g codec=%s runs=%d median_wall_s=%.3f packets_per_s=%.0f "
            "cpu_s=%.3f peak_rss_mib=%.1f recordings=%d/%d audio_bytes=%d"
            % (a.calls, a.seconds, a.codec, len(good), wall, summ["packets_per_s"],
               summ["median_cpu_s"], summ["peak_rss_mib"], summ["recordings"], a.calls,
               summ["audio_bytes"]))
    else:
        log("SUMMARY FAILED")
    if a.json:
        print(json.dumps(result, indent=1, sort_keys=False))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
