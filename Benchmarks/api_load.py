#!/usr/bin/env python3
"""API load benchmark: the Recording API under 32 concurrent clients while calls are recorded.

    python3 Benchmarks/api_load.py --calltap .build/release/calltap \\
        [--agents 1000] [--calls 200] [--seconds 60] [--duration 30] \\
        [--connections 32] [--threads 2] [--work Benchmarks/work] [--json]

1. Generates (or reuses, as bench.py does) the synthetic capture of N concurrent G.711 calls
   (Benchmarks/generate_capture.py): call i's callee is extension 2000+i.
2. Writes a configuration with --agents agents (policy always); the first N of them have the
   callees' phones (2000..2000+N-1), so every call is an agent's call and is recorded; the others
   (phones 90000+j) are idle.
3. Runs `calltap replay CAPTURE --pace realtime --http 127.0.0.1:0 --config CFG --json`: the
   capture plays at its own pace (about S + 2 s) while the API is served; the address is read
   from the server's log (`HTTP API listening address=...`).
4. Once every call is up (the last callee's agent has an active call), runs wrk for --duration
   seconds with --connections connections and a Lua script (api_load.lua) that mixes
   GET /api/Agent/GetAll (5 %), GET /api/Agent?agentIdentifier=Phone|Id (55 %, any agent),
   and, for agents on a call, POST /api/Record/UpdateForAgent (20 %), PauseForAgent (10 %) and
   ResumeForAgent (10 %).
5. Then, for latency per route, --route-duration seconds of each group alone with the same
   connections: single-agent reads (`Agent`), commands (`Commands`), and `GetAll`.
6. Waits for the replay to finish and checks it.

Reported: requests/s, latency p50/p90/p99/max (wrk), socket errors, responses per status and
non-2xx, the server's CPU (during the wrk window, from /proc; and for the whole run, from
wait4) and its peak RSS (wait4).

Exit status 1 (loudly) if the server never said where it listens, did not answer, answered
nothing but errors, exited non-zero, or wrote fewer recordings than calls; 2 on usage errors.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (capture generation and caching are shared with bench.py)

LUA = os.path.join(HERE, "api_load.lua")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def die(msg):
    print("api_load: FAILED: " + msg, file=sys.stderr)
    sys.exit(1)


def write_config(path, storage, agents, calls):
    lines = ["storage: { root: %s }" % json.dumps(storage),
             "http: { bind: \"127.0.0.1:0\" }",
             "agents:"]
    for j in range(agents):
        phone = str(2000 + j) if j < calls else str(90000 + j)
        lines.append("  - { id: %d, businessUnit: %d, phone: \"%s\", systemUsername: agent%d, "
                     "deviceId: \"dev-%d\", station: \"WS-%d\", policy: always }"
                     % (j + 1, j % 4, phone, j + 1, j + 1, j + 1))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def cpu_seconds(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS   # utime, stime
    except (OSError, IndexError, ValueError):
        return None


def rss_mib(pid, key="VmHWM"):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def wait_for(what, timeout, probe, proc):
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        if proc.poll() is not None:
            die("calltap exited (status %s) while waiting for %s" % (proc.returncode, what))
        try:
            value = probe()
            if value:
                return value
        except Exception as e:   # the server may not answer yet
            last = e
        time.sleep(0.1)
    die("timed out after %g s waiting for %s%s" % (timeout, what, " (%s)" % last if last else ""))


def parse_wrk(text):
    """wrk's closing JSON line (printed by api_load.lua's done()) and its text counters."""
    result = None
    for line in text.splitlines():
        if line.startswith("API_LOAD_JSON "):
            result = json.loads(line[len("API_LOAD_JSON "):])
    if result is None:
        return None
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    result["non_2xx_3xx"] = int(m.group(1)) if m else 0
    return result


def main(argv=None):
    p = argparse.ArgumentParser(description="Load the Recording API of a paced replay with wrk.")
    p.add_argument("--calltap", required=True)
    p.add_argument("--agents", type=int, default=1000)
    p.add_argument("--calls", type=int, default=200)
    p.add_argument("--seconds", type=float, default=60.0, help="length of each call in the capture")
    p.add_argument("--duration", type=int, default=30, help="seconds of wrk load, all routes mixed")
    p.add_argument("--route-duration", type=int, default=8, help="seconds of wrk load per route group after it (0: none)")
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--work", default=os.path.join(HERE, "work"))
    p.add_argument("--keep-output", action="store_true")
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    a = p.parse_args(argv)
    if a.calls > a.agents:
        p.error("--calls must not exceed --agents")
    if a.duration + 3 * a.route_duration + 5 > a.seconds:
        p.error("--duration and three --route-duration must end well before the calls do (--seconds)")
    if shutil.which("wrk") is None:
        die("wrk is not installed (Debian package wrk; `make bench-api` installs it)")
    a.calltap = os.path.abspath(a.calltap)
    if not os.access(a.calltap, os.X_OK):
        die("no calltap binary at %s" % a.calltap)

    def log(msg):
        print(msg, file=sys.stderr if a.json else sys.stdout, flush=True)

    # The capture, generated and cached exactly as bench.py does.
    g = argparse.Namespace(calls=a.calls, seconds=a.seconds, codec="pcmu", ptime=20, seed=1,
                           jitter_ms=0.0, loss=0.0, work=a.work)
    pcap, meta = bench.ensure_capture(g, log)
    callees = [c["callee"]["number"] for c in meta["calls"]]
    if callees != [str(2000 + i) for i in range(a.calls)]:
        die("the generator's callee numbers changed; this script assumes 2000+i")

    run = os.path.join(a.work, "api-load")
    shutil.rmtree(run, ignore_errors=True)
    os.makedirs(run)
    storage = os.path.join(run, "recordings")
    config = os.path.join(run, "calltap.yaml")
    write_config(config, storage, a.agents, a.calls)
    out_path, err_path = os.path.join(run, "replay.stdout"), os.path.join(run, "replay.stderr")
    cmd = [a.calltap, "replay", pcap, "--pace", "realtime", "--http", "127.0.0.1:0",
           "--config", config, "--json"]
    log("api_load: %s" % " ".join(cmd))
    with open(out_path, "wb") as so, open(err_path, "wb") as se:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=so, stderr=se)
    try:
        def address():
            with open(err_path, errors="replace") as f:
                m = re.search(r"HTTP API listening.*?address=([0-9.]+:\d+)|address=([0-9.]+:\d+).*HTTP API listening", f.read())
            return m and (m.group(1) or m.group(2))
        addr = wait_for("the server to log its HTTP address", 60, address, proc)
        base = "http://" + addr
        log("api_load: serving on %s" % base)
        last_callee = callees[-1]
        wait_for("every call to be up (agent %s on a call)" % last_callee, 30,
                 lambda: json.loads(http_get(base + "/api/Agent?agentIdentifier=Phone&value=" + last_callee)[1])
                 .get("ActiveCall") is not None, proc)
        log("api_load: %d calls up after %.1f s; wrk -t%d -c%d -d%ds"
            % (a.calls, time.monotonic() - t0, a.threads, a.connections, a.duration))

        env = dict(os.environ, API_LOAD_AGENTS=str(a.agents), API_LOAD_CALLS=str(a.calls))
        cpu0, w0 = cpu_seconds(proc.pid), time.monotonic()
        wrk = subprocess.run(["wrk", "-t%d" % a.threads, "-c%d" % a.connections, "-d%ds" % a.duration,
                              "--timeout", "10s", "--latency", "-s", LUA, base],
                             capture_output=True, text=True, env=env, timeout=a.duration + 60)
        cpu1, w1 = cpu_seconds(proc.pid), time.monotonic()
        rss_during = rss_mib(proc.pid)
        with open(os.path.join(run, "wrk.txt"), "w") as f:
            f.write(wrk.stdout + wrk.stderr)
        if proc.poll() is not None:
            die("calltap exited (status %s) during the load; see %s" % (proc.returncode, err_path))
        result = parse_wrk(wrk.stdout)
        if wrk.returncode != 0 or result is None:
            die("wrk failed (status %d):\n%s%s" % (wrk.returncode, wrk.stdout, wrk.stderr))

        # Each route group alone: its own latency distribution.
        routes = {}
        for group in (["Agent", "Commands", "GetAll"] if a.route_duration > 0 else []):
            only = subprocess.run(["wrk", "-t%d" % a.threads, "-c%d" % a.connections, "-d%ds" % a.route_duration,
                                   "--timeout", "10s", "--latency", "-s", LUA, base],
                                  capture_output=True, text=True, env=dict(env, API_LOAD_ONLY=group),
                                  timeout=a.route_duration + 60)
            with open(os.path.join(run, "wrk-%s.txt" % group), "w") as f:
                f.write(only.stdout + only.stderr)
            got = parse_wrk(only.stdout)
            if only.returncode != 0 or got is None:
                die("wrk (%s) failed (status %d):\n%s%s" % (group, only.returncode, only.stdout, only.stderr))
            routes[group] = got
        if proc.poll() is not None:
            die("calltap exited (status %s) during the load; see %s" % (proc.returncode, err_path))

        # The replay plays on until the capture's end (bounded: the capture's length + 2 min).
        end = time.monotonic() + a.seconds + 120
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            if time.monotonic() > end:
                die("calltap replay did not finish within %g s of the load" % (a.seconds + 120))
            time.sleep(0.2)
    except BaseException:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        raise
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    with open(out_path) as f:
        summary = bench.parse_summary(f.read())
    audio_files = bench.measure_output(storage)["audio_files"]

    res = {
        "agents": a.agents, "calls": a.calls, "connections": a.connections, "threads": a.threads,
        "duration_s": round(w1 - w0, 2),
        "requests": result["requests"], "requests_per_s": round(result["requests"] / (w1 - w0), 1),
        "latency_ms": {k: round(v / 1000, 2) for k, v in result["latency_us"].items()},
        "socket_errors": result["errors"], "status": result["status"], "non_2xx": result["non_2xx"],
        "by_kind": result["kinds"],
        "by_route": {group: {"requests": got["requests"],
                             "requests_per_s": round(got["requests"] / a.route_duration, 1),
                             "latency_ms": {k: round(v / 1000, 2) for k, v in got["latency_us"].items()},
                             "non_2xx": got["non_2xx"], "socket_errors": got["errors"]}
                     for group, got in routes.items()},
        "server_cpu_s_during_load": round(cpu1 - cpu0, 2) if cpu0 is not None and cpu1 is not None else None,
        "server_cpu_pct_during_load": round(100 * (cpu1 - cpu0) / (w1 - w0), 1) if cpu0 is not None and cpu1 is not None else None,
        "server_cpu_s_total": round(usage.ru_utime + usage.ru_stime, 2),
        "server_peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "server_rss_mib_after_load": round(rss_during, 1) if rss_during else None,
        "replay_exit": code,
        "recordings": bench.field(summary, "Recordings") if summary else None,
        "audio_files": audio_files,
    }
    with open(os.path.join(run, "result.json"), "w") as f:
        json.dump(res, f, indent=1)

    lat = res["latency_ms"]
    log("requests        %d in %.1f s = %.1f req/s (%d connections)"
        % (res["requests"], res["duration_s"], res["requests_per_s"], a.connections))
    log("latency ms      p50 %.2f  p90 %.2f  p99 %.2f  max %.2f" % (lat["p50"], lat["p90"], lat["p99"], lat["max"]))
    log("by kind         %s" % ", ".join("%s %d" % kv for kv in sorted(res["by_kind"].items())))
    for group, r in res["by_route"].items():
        log("%-15s %.1f req/s alone; latency ms p50 %.2f  p99 %.2f  max %.2f"
            % (group, r["requests_per_s"], r["latency_ms"]["p50"], r["latency_ms"]["p99"], r["latency_ms"]["max"]))
    log("status          %s; non-2xx %d; socket errors %s"
        % (", ".join("%s: %d" % kv for kv in sorted(res["status"].items())), res["non_2xx"], res["socket_errors"]))
    log("server CPU      %.1f s during the load (%.0f %% of one core); %.1f s for the whole replay"
        % (res["server_cpu_s_during_load"] or -1, res["server_cpu_pct_during_load"] or -1, res["server_cpu_s_total"]))
    log("server RSS      peak %.1f MiB" % res["server_peak_rss_mib"])
    log("recordings      %s (audio files %d), replay exit %d" % (res["recordings"], audio_files, code))
    if a.json:
        print(json.dumps(res, indent=1))

    failures = []
    if code != 0:
        failures.append("calltap replay exited %d (see %s)" % (code, err_path))
    if summary is None:
        failures.append("calltap printed no JSON summary")
    if not isinstance(res["recordings"], int) or res["recordings"] < a.calls:
        failures.append("recorded %s recordings, fewer than the %d calls" % (res["recordings"], a.calls))
    if audio_files < a.calls:
        failures.append("%d audio files on disk, fewer than the %d calls" % (audio_files, a.calls))
    if res["requests"] == 0 or sum(n for s, n in res["status"].items() if s.startswith("2")) == 0:
        failures.append("the server answered no request with 2xx")
    if res["socket_errors"].get("connect", 0) > 0 or res["socket_errors"].get("timeout", 0) > 0:
        failures.append("socket errors: %s" % res["socket_errors"])
    if res["non_2xx"] > 0:
        failures.append("%d responses were not 2xx (%s)" % (res["non_2xx"], res["status"]))
    for group, r in res["by_route"].items():
        if r["non_2xx"] > 0 or r["requests"] == 0:
            failures.append("%s alone: %d requests, %d not 2xx" % (group, r["requests"], r["non_2xx"]))
    if failures:
        for f in failures:
            print("api_load: FAILED: " + f, file=sys.stderr)
        sys.exit(1)
    if not a.keep_output:
        shutil.rmtree(storage, ignore_errors=True)
    log("api_load: ok (details in %s)" % os.path.join(run, "result.json"))


if __name__ == "__main__":
    main()
