#!/usr/bin/env python3
"""Live benchmark of `calltap serve` (make bench-live).

    python3 Benchmarks/bench_live.py --calltap .build/release/calltap \\
        [--calls 1000] [--seconds 30] [--pps N | --mbps M | --multiplier X] [--json]
    python3 Benchmarks/bench_live.py --calltap ... --sweep [--sweep-seconds 20]
    python3 Benchmarks/bench_live.py --calltap ... --soak [--soak-minutes 60]

1. Makes a network namespace of its own with a veth pair (iproute2): the inner end in the
   namespace, the outer end in the root namespace, both up, IPv6 off (no router
   solicitations in the capture), no address on either, forwarding off on the outer end.
2. Starts `calltap serve` capturing promiscuously on the outer end (kernel buffer 256 MiB,
   the API on 127.0.0.1 at a free port, policy always, no cluster) and waits for /readyz.
   The recordings go to a journaled ext4 made for the run (a loop-mounted image in the work
   folder, removed after), not to the work folder: see scratch_fs.JournaledExt4.
3. Plays a synthetic capture (generate_capture.py: N calls x S seconds of two-way G.711, a
   tone per side) from inside the namespace onto the inner end, at the capture's own pace
   (or --pps / --multiplier), with pcap_pacer (pcap_pacer.c, compiled into the work folder:
   each packet at its own offset from the start, PF_PACKET sendmmsg) or, with --sender
   tcpreplay, tcpreplay (4.4 drifts later and later when the cores are busy: see
   pcap_pacer.c). Both report tcpreplay's figures (packets sent, failed, pps achieved).
   The frames keep the generator's 10.x addresses, but they only cross the veth pair:
   nothing is routed, nothing leaves the machine (the outer end has no address and its
   frames are for other MACs).
4. Waits (bounded) for every call's sidecar, reads /metrics and /proc/PID (CPU, VmHWM),
   stops calltap with SIGTERM (bounded, then SIGKILL), removes the namespace (also on
   errors, Ctrl-C or SIGTERM: try/finally).
5. Checks every recording: EndReason bye, per-stream Lost, RingOverflow (when the sidecar
   has it) and packets against what was sent, and the audio: the caller's tone in the left
   channel and the callee's in the right (FFT peak and purity), the active span as long as
   the stream, and no silent gap (5 ms or more of near-zero samples) inside it.

Exit status 0 when nothing was lost and every recording is right; 1 otherwise (also when
calltap or the sender failed); 2 on usage or set-up errors (not root, tools missing).
See Benchmarks/README.md ("Live benchmark") for the modes and the report's fields.
"""

import argparse
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import wave

import numpy as np

sys.dont_write_bytecode = True          # keep Benchmarks/ free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402  (capture cache: bench.ensure_capture)
from scratch_fs import JournaledExt4, SetupError  # noqa: E402

GENERATOR = os.path.join(HERE, "generate_capture.py")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024

ACTIVE_THRESHOLD = 500          # |sample| above this is tone (the tone's peak is 10000)
GAP_MS = 5.0                    # this long below it, inside a channel's span, is a silent gap
SPAN_TOLERANCE_S = 0.06         # active span vs the stream's length
PURITY_MIN = 0.9                # energy within 20 Hz of the tone / all energy


class Stopped(BaseException):
    """SIGTERM or SIGHUP arrived: unwind through the finally blocks."""


def log(msg):
    print(msg, file=LOG, flush=True)


LOG = sys.stdout


def run(cmd, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise SetupError("%s: exit %d: %s" % (" ".join(cmd), r.returncode,
                                              (r.stderr or r.stdout).strip()))
    return r


def write_proc(path, value):
    try:
        with open(path, "w") as f:
            f.write(value)
        return True
    except OSError:
        return False


# --------------------------------------------------------------------------
# Network namespace and veth pair
# --------------------------------------------------------------------------

class VethPair:
    """A namespace of our own holding the inner end; the outer end stays in the root one."""

    def __init__(self):
        tag = os.getpid() % 10000000
        self.ns = "calltap-bench-%d" % tag
        self.outer = "ctb%d-o" % tag
        self.inner = "ctb%d-i" % tag
        self.made_ns = self.made_link = False

    def __enter__(self):
        run(["ip", "netns", "add", self.ns])
        self.made_ns = True
        run(["ip", "link", "add", self.outer, "type", "veth", "peer", "name", self.inner,
             "netns", self.ns])
        self.made_link = True
        # No IPv6 (router solicitations, MLD reports) and no forwarding on the outer end:
        # the capture holds only what the sender sends, and nothing it sends is routed.
        write_proc("/proc/sys/net/ipv6/conf/%s/disable_ipv6" % self.outer, "1")
        write_proc("/proc/sys/net/ipv4/conf/%s/forwarding" % self.outer, "0")
        self.exec_ns(["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1",
                      "net.ipv6.conf.default.disable_ipv6=1",
                      "net.ipv6.conf.%s.disable_ipv6=1" % self.inner], check=False)
        if shutil.which("ethtool"):
            # Offloads do not matter for frames injected with PF_PACKET, but a GRO that
            # merged them would hand libpcap fewer, bigger frames than were sent.
            run(["ethtool", "-K", self.outer, "gro", "off", "lro", "off"], check=False)
            self.exec_ns(["ethtool", "-K", self.inner, "gso", "off", "tso", "off"], check=False)
        run(["ip", "link", "set", self.outer, "up"])
        run(["ip", "-n", self.ns, "link", "set", self.inner, "up"])
        run(["ip", "-n", self.ns, "link", "set", "lo", "up"])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.operstate() == "up":
                break
            time.sleep(0.1)
        else:
            raise SetupError("veth %s did not come up (operstate %s)"
                             % (self.outer, self.operstate()))
        return self

    def exec_ns(self, cmd, check=True):
        return run(["ip", "netns", "exec", self.ns] + cmd, check=check)

    def operstate(self):
        try:
            with open("/sys/class/net/%s/operstate" % self.outer) as f:
                return f.read().strip()
        except OSError:
            return "missing"

    def counters(self):
        """Packet counters of both ends and the softnet backlog drops (all CPUs)."""
        c = {}
        for k in ("rx_packets", "rx_dropped", "tx_packets", "tx_dropped"):
            try:
                with open("/sys/class/net/%s/statistics/%s" % (self.outer, k)) as f:
                    c["outer_" + k] = int(f.read())
            except OSError:
                pass
        r = run(["ip", "-n", self.ns, "-s", "-j", "link", "show", self.inner], check=False)
        try:
            st = json.loads(r.stdout)[0]["stats64"]
            c["inner_tx_packets"] = st["tx"]["packets"]
            c["inner_tx_dropped"] = st["tx"]["dropped"]
        except (ValueError, LookupError, TypeError):
            pass
        c["softnet_dropped"] = softnet_dropped()
        return c

    def __exit__(self, *exc):
        if self.made_link:
            run(["ip", "link", "del", self.outer], check=False)
        if self.made_ns:
            run(["ip", "netns", "del", self.ns], check=False)
        return False


def softnet_dropped():
    total = 0
    try:
        with open("/proc/net/softnet_stat") as f:
            for line in f:
                total += int(line.split()[1], 16)
    except (OSError, IndexError, ValueError):
        return None
    return total


# --------------------------------------------------------------------------
# Processes: bounded waits, rusage, /proc
# --------------------------------------------------------------------------

def wait_bounded(proc, timeout):
    """Wait for a child without reaping it (so a signal never hits a reused pid).

    Returns True when it exited within timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            r = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG)
        except ChildProcessError:
            return True
        if r is not None:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def reap(proc):
    """Reap an exited child: (exit code, rusage)."""
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, ru


def stop_child(proc, sig, timeout, name):
    """Signal a child we started, wait a bounded time, then SIGKILL. (code, rusage, forced)."""
    if proc is None:
        return None, None, False
    if proc.returncode is not None:
        return proc.returncode, None, False
    forced = False
    if not wait_bounded(proc, 0):
        try:
            os.kill(proc.pid, sig)
        except ProcessLookupError:
            pass
        if not wait_bounded(proc, timeout):
            log("%s did not stop within %g s after signal %d: SIGKILL" % (name, timeout, sig))
            forced = True
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            wait_bounded(proc, 30)
    code, ru = reap(proc)
    return code, ru, forced


def proc_sample(pid):
    """CPU seconds (user, sys) and memory (KiB) of a running process, from /proc."""
    s = {}
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        s["user_s"] = int(fields[11]) / CLK_TCK
        s["sys_s"] = int(fields[12]) / CLK_TCK
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM", "VmSize", "Threads"):
                    s[k] = int(v.split()[0])
    except (OSError, IndexError, ValueError):
        return None
    return s


def thread_cpu(pid):
    """{"name/tid": {user_s, sys_s}} of each live thread, busiest first (Swift names most of
    its threads after their dispatch queue, so the tid tells them apart)."""
    out = {}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                data = f.read()
        except OSError:
            continue
        name = data[data.index("(") + 1:data.rindex(")")]
        fields = data.rsplit(")", 1)[1].split()
        out["%s/%s" % (name, tid)] = {"user_s": round(int(fields[11]) / CLK_TCK, 2),
                                      "sys_s": round(int(fields[12]) / CLK_TCK, 2)}
    return dict(sorted(out.items(), key=lambda kv: -(kv[1]["user_s"] + kv[1]["sys_s"])))


def machine_busy_s():
    """CPU seconds all cores have been busy since boot (/proc/stat), iowait and idle aside."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal
    return (v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] if len(v) > 7 else 0)) / CLK_TCK


class Sampler(threading.Thread):
    """Samples a process's RSS and CPU every interval seconds until stopped."""

    def __init__(self, pid, interval, extra=None):
        super().__init__(daemon=True)
        self.pid, self.interval, self.extra = pid, interval, extra
        self.samples = []
        self.halt = threading.Event()
        self.t0 = time.monotonic()

    def run(self):
        while True:
            s = proc_sample(self.pid)
            if s is None:
                return
            row = {"t": round(time.monotonic() - self.t0, 2), "rss_kib": s.get("VmRSS"),
                   "hwm_kib": s.get("VmHWM"), "cpu_s": round(s["user_s"] + s["sys_s"], 2),
                   "machine_busy_s": machine_busy_s()}
            if self.extra:
                row.update(self.extra())
            self.samples.append(row)
            if self.halt.wait(self.interval):
                return

    def machine_share(self):
        """Mean cores busy on the whole machine, and in calltap, over the samples."""
        a, b = (self.samples[0], self.samples[-1]) if len(self.samples) > 1 else (None, None)
        if a is None or b["t"] <= a["t"] or a["machine_busy_s"] is None:
            return None, None
        dt = b["t"] - a["t"]
        return (round((b["machine_busy_s"] - a["machine_busy_s"]) / dt, 2),
                round((b["cpu_s"] - a["cpu_s"]) / dt, 2))

    def peak_cpu_share(self):
        """Highest CPU use between two samples, in cores."""
        best = 0.0
        for a, b in zip(self.samples, self.samples[1:]):
            dt = b["t"] - a["t"]
            if dt > 0:
                best = max(best, (b["cpu_s"] - a["cpu_s"]) / dt)
        return round(best, 3)


# --------------------------------------------------------------------------
# calltap serve
# --------------------------------------------------------------------------

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


METRIC_LINE = re.compile(r'^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = METRIC_LINE.match(line)
        if not m:
            continue
        try:
            value = float(m.group(3))
        except ValueError:
            continue
        out.append((m.group(1), dict(LABEL.findall(m.group(2) or "")), value))
    return out


def msum(metrics, name, **labels):
    """Sum of a metric over series whose labels include the given ones; None if absent."""
    vals = [v for n, l, v in metrics if n == name and all(l.get(k) == x for k, x in labels.items())]
    return int(sum(vals)) if vals else None


class Server:
    def __init__(self, a, out, iface):
        self.a, self.out, self.iface = a, out, iface
        self.root = os.path.join(out, "recordings")
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.proc = None
        self.log_path = os.path.join(out, "calltap-serve.log")

    def config_text(self):
        lines = [
            "# Written by Benchmarks/bench_live.py for one run.",
            "capture:",
            "  interfaces: [%s]" % self.iface,
            "  bufferMiB: %d" % self.a.buffer_mib,
            "  promiscuous: true",
            "storage:",
            "  root: %s" % json.dumps(self.root),
            "http:",
            "  bind: \"127.0.0.1:%d\"" % self.port,
            "recording:",
            "  defaultPolicy: always",
            "cluster:",
            "  broker: \"\"",
        ]
        media = []
        if self.a.workers:
            media.append("  workers: %d" % self.a.workers)
        if self.a.ring_mib:
            media.append("  ringMiB: %d" % self.a.ring_mib)
        if media:
            lines += ["media:"] + media
        return "\n".join(lines) + "\n"

    def start(self):
        os.makedirs(self.root, exist_ok=True)
        cfg = os.path.join(self.out, "calltap.yaml")
        with open(cfg, "w") as f:
            f.write(self.config_text())
        self.logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen([self.a.calltap, "serve", "--config", cfg],
                                     stdin=subprocess.DEVNULL, stdout=self.logf,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if wait_bounded(self.proc, 0):
                code, _ = reap(self.proc)
                raise SetupError("calltap serve exited with %d before it was ready:\n%s"
                                 % (code, self.log_tail()))
            try:
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise SetupError("calltap serve not ready within 60 s:\n" + self.log_tail())

    def log_tail(self, n=3000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def metrics(self):
        try:
            with urllib.request.urlopen(self.base + "/metrics", timeout=10) as r:
                text = r.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError) as e:
            log("warning: /metrics: %s" % e)
            return [], ""
        return parse_metrics(text), text

    def settled_metrics(self, limit=15.0, interval=0.5):
        """/metrics once calltap's packet counters stop moving: the engine publishes them at most
        a second of capture time late while packets come (and within 50 ms once they stop), so a
        read just after the last sidecar appeared could count up to a second's packets short
        (11,000 of 3,007,000 in a 1,000-call run whose every stream was complete)."""
        def counts(m):
            return (msum(m, "calltap_packets_total"), msum(m, "calltap_pcap_received_total"))
        m, text = self.metrics()
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            time.sleep(interval)
            m2, text2 = self.metrics()
            if counts(m2) == counts(m):
                return m2, text2
            m, text = m2, text2
        log("warning: /metrics: packet counters still moving after %.0f s" % limit)
        return m, text

    def stop(self):
        code, ru, forced = stop_child(self.proc, signal.SIGTERM, self.a.stop_timeout, "calltap")
        if getattr(self, "logf", None):
            self.logf.close()
        return code, ru, forced


def capture_figures(metrics):
    """calltap's capture counters from /metrics (names checked on a running server)."""
    f = {
        "pcap_received": msum(metrics, "calltap_pcap_received_total"),
        "pcap_dropped": msum(metrics, "calltap_pcap_dropped_total"),
        "pcap_if_dropped": msum(metrics, "calltap_pcap_interface_dropped_total"),
        "ring_overflow": msum(metrics, "calltap_packets_not_used_total", cause="ringOverflow"),
        "packets_total": msum(metrics, "calltap_packets_total"),
    }
    if f["ring_overflow"] is None and f["packets_total"] is not None:
        # calltap lists only the causes that counted something: no series is none dropped.
        f["ring_overflow"] = 0
    not_used = {}
    for n, l, v in metrics:
        if n == "calltap_packets_not_used_total" and v:
            not_used[l.get("cause", "?")] = not_used.get(l.get("cause", "?"), 0) + int(v)
    f["not_used"] = not_used
    # The engine's gauges where calltap has them (ring fill and its peak, finisher backlog).
    f["engine"] = {n + ("{%s}" % ",".join("%s=%s" % kv for kv in sorted(l.items())) if l else ""): v
                   for n, l, v in metrics if re.match(r"calltap_(ring_|finisher|capture_)", n)}
    return f


def log_sender(tr):
    log("%s: %s packets in %s s (%s pps), failed %s, exit %s"
        % (tr.get("name"), tr.get("sent"), tr.get("seconds"), tr.get("rated_pps"), tr.get("failed"), tr.get("exit")))


def wait_for_sidecars(server, expected, settle_timeout, limit=600):
    """Waits (bounded) until `expected` sidecars are written, none came for `settle_timeout`
    seconds, or calltap exited; returns how many there are."""
    start = time.monotonic()
    last_n, last_change = -1, start
    while True:
        k = count_sidecars(server.root)
        now = time.monotonic()
        if k != last_n:
            last_n, last_change = k, now
        if k >= expected or now - last_change > settle_timeout or now - start > limit:
            return last_n
        if wait_bounded(server.proc, 0):
            return last_n
        time.sleep(0.25)


def count_sidecars(root):
    n = 0
    for _, _, names in os.walk(root):
        n += sum(1 for x in names if x.endswith(".json"))
    return n


def list_sidecars(root):
    out = []
    for d, _, names in os.walk(root):
        out += [os.path.join(d, x) for x in names if x.endswith(".json")]
    return out


# --------------------------------------------------------------------------
# The sender: pcap_pacer (default) or tcpreplay
# --------------------------------------------------------------------------

PACER_SOURCE = os.path.join(HERE, "pcap_pacer.c")


def build_pacer(work):
    """Compiles pcap_pacer.c into the work folder (once per version of the source)."""
    with open(PACER_SOURCE, "rb") as f:
        tag = bench.hashlib.sha256(f.read()).hexdigest()[:10]
    exe = os.path.join(work, "pcap_pacer-%s" % tag)
    if not os.path.exists(exe):
        cc = shutil.which("cc") or shutil.which("gcc")
        if not cc:
            raise SetupError("the pacer needs a C compiler (cc); or use --sender tcpreplay")
        run([cc, "-O2", "-o", exe + ".tmp", PACER_SOURCE])
        os.replace(exe + ".tmp", exe)
    return exe


def sender_cmd(a, veth, source, preload):
    cmd = ["ip", "netns", "exec", veth.ns]
    if a.sender == "pacer":
        cmd += [a.pacer, "-i", veth.inner]
        if a.pps:
            cmd += ["--pps", str(a.pps)]
        elif a.multiplier:
            cmd += ["--speed", str(a.multiplier)]
        return cmd + [source]
    cmd += ["tcpreplay", "-i", veth.inner, "--no-flow-stats"]
    if preload:
        cmd.append("--preload-pcap")
    if a.pps:
        cmd += ["--pps", str(a.pps)]
    elif a.mbps:
        cmd += ["--mbps", str(a.mbps)]
    elif a.multiplier:
        cmd += ["--multiplier", str(a.multiplier)]
    return cmd + [source]


def parse_tcpreplay(text):
    r = {}
    m = re.search(r"Actual: (\d+) packets \((\d+) bytes\) sent in ([\d.]+) seconds", text)
    if m:
        r["sent"], r["bytes"], r["seconds"] = int(m.group(1)), int(m.group(2)), float(m.group(3))
    m = re.search(r"Rated: ([\d.]+) Bps, ([\d.]+) Mbps, ([\d.]+) pps", text)
    if m:
        r["rated_mbps"], r["rated_pps"] = float(m.group(2)), float(m.group(3))
    for key, label in (("successful", "Successful packets"), ("failed", "Failed packets"),
                       ("truncated", "Truncated packets"),
                       ("retried_enobufs", r"Retried packets \(ENOBUFS\)"),
                       ("retried_eagain", r"Retried packets \(EAGAIN\)")):
        m = re.search(label + r":\s+(\d+)", text)
        if m:
            r[key] = int(m.group(1))
    m = re.search(r"Lateness: mean ([\d.]+) us, p50 < (\d+) us, p99 < (\d+) us, "
                  r"p99.9 < (\d+) us, max ([\d.]+) us", text)
    if m:
        r["late_mean_us"], r["late_p50_us"], r["late_p99_us"], r["late_p999_us"], \
            r["late_max_us"] = (float(m.group(1)), int(m.group(2)), int(m.group(3)),
                                int(m.group(4)), float(m.group(5)))
    return r


class Replay:
    """The sender (pcap_pacer or tcpreplay) inside the namespace, its output in a file."""

    def __init__(self, a, veth, source, preload, out):
        self.name = a.sender
        self.cmd = sender_cmd(a, veth, source, preload)
        self.out_path = os.path.join(out, "sender.out")
        self.outf = open(self.out_path, "wb")
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=self.outf,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def finish(self, timeout):
        """Wait up to timeout; then SIGINT (tcpreplay prints its figures), SIGKILL."""
        timed_out = not wait_bounded(self.proc, timeout)
        if timed_out:
            log("%s still running after %.0f s: stopping it" % (self.name, timeout))
        code, ru, _ = stop_child(self.proc, signal.SIGINT, 15, self.name)
        wall = time.monotonic() - self.t0
        self.outf.close()
        with open(self.out_path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        r = parse_tcpreplay(text)
        r.update({"name": self.name, "exit": code, "timed_out": timed_out,
                  "wall_s": round(wall, 2), "command": " ".join(self.cmd)})
        if ru is not None:
            r["user_s"], r["sys_s"] = round(ru.ru_utime, 2), round(ru.ru_stime, 2)
        if code != 0 or "sent" not in r:
            r["output_tail"] = text[-1500:]
        return r

    def kill(self):
        if self.proc.returncode is None:
            stop_child(self.proc, signal.SIGINT, 10, self.name)
        if not self.outf.closed:
            self.outf.close()


# --------------------------------------------------------------------------
# Recordings
# --------------------------------------------------------------------------

def load_sidecar(path):
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and "RecordingIdentifier" in doc else None


_HANNING = {}


def hanning(n):
    if n not in _HANNING:
        _HANNING[n] = np.hanning(n)
    return _HANNING[n]


def channel_check(x, rate, tone_hz, expect_span_s):
    """Tone, span and silent gaps of one channel (int16 samples)."""
    r = {"tone_hz": tone_hz}
    active = np.abs(x.astype(np.int32)) > ACTIVE_THRESHOLD
    idx = np.flatnonzero(active)
    if idx.size == 0:
        r["error"] = "silent"
        return r
    first, last = int(idx[0]), int(idx[-1])
    span = (last - first + 1) / rate
    r["start_s"], r["span_s"] = round(first / rate, 4), round(span, 4)
    errs = []
    if abs(span - expect_span_s) > SPAN_TOLERANCE_S:
        errs.append("active for %.3f s, the stream lasts %.3f s" % (span, expect_span_s))
    # Runs of quiet samples inside the span: a sine at 10000 dips below the threshold for a
    # sample or two at each zero crossing, never for 5 ms.
    quiet = ~active[first:last + 1]
    edges = np.diff(np.concatenate(([0], quiet.view(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    lengths = ends - starts
    long_enough = lengths >= rate * GAP_MS / 1000.0
    gaps = lengths[long_enough]
    r["gaps"] = int(gaps.size)
    r["gap_ms"] = round(float(gaps.sum()) * 1000.0 / rate, 1)
    if gaps.size:
        errs.append("%d silent gap(s), %.0f ms, the first at %.3f s"
                    % (gaps.size, r["gap_ms"], (first + starts[long_enough][0]) / rate))
    # The spectrum of a power-of-two stretch from the middle of the span (at most 2^16
    # samples): the same peak as the whole span's, in a fraction of the time.
    n = 1 << min(16, max(0, (last - first + 1).bit_length() - 1))
    mid = (first + last + 1 - n) // 2
    seg = x[mid:mid + n].astype(np.float64)
    spec = np.abs(np.fft.rfft(seg * hanning(seg.size))) ** 2
    freqs = np.fft.rfftfreq(seg.size, 1.0 / rate)
    peak = float(freqs[int(np.argmax(spec))])
    near = np.abs(freqs - tone_hz) <= 20.0
    purity = float(spec[near].sum() / spec.sum()) if spec.sum() > 0 else 0.0
    r["peak_hz"], r["purity"] = round(peak, 2), round(purity, 5)
    if abs(peak - tone_hz) > max(2.0, 3.0 * rate / seg.size):
        errs.append("peak at %.1f Hz, expected %d Hz" % (peak, tone_hz))
    elif purity < PURITY_MIN:
        errs.append("tone purity %.3f" % purity)
    if errs:
        r["error"] = "; ".join(errs)
    return r


def check_recording(path, call):
    """One recording against its call: sidecar figures and audio. Returns a dict."""
    doc = load_sidecar(path)
    res = {"sidecar": path, "ok": False, "errors": []}
    if doc is None:
        res["errors"].append("unreadable sidecar")
        return res
    res["call_id"] = doc.get("CallInstance")
    res["end_reason"] = doc.get("EndReason")
    if call is None:
        res["errors"].append("no generated call has Call-ID %r" % doc.get("CallInstance"))
        return res
    res["index"] = call["index"]
    if doc.get("EndReason") != "bye":
        res["errors"].append("EndReason %r" % doc.get("EndReason"))
    streams = doc.get("Streams") or []
    lost = ring = packets = expected = late = 0
    has_ring = False
    for role in ("caller", "callee"):
        mine = [s for s in streams if s.get("Role") == role]
        got = sum(int(s.get("Packets") or 0) for s in mine)
        sent = call[role]["rtp_packets_sent"]
        packets += got
        expected += sent
        if got < sent:
            res["errors"].append("%s stream: %d of %d packets" % (role, got, sent))
        if not mine:
            res["errors"].append("no %s stream" % role)
    for s in streams:
        lost += int(s.get("Lost") or 0)
        late += int(s.get("Late") or 0)
        if "RingOverflow" in s:
            has_ring = True
            ring += int(s.get("RingOverflow") or 0)
    res.update({"lost": lost, "ring_overflow": ring if has_ring else None, "packets": packets,
                "expected_packets": expected, "missing": max(0, expected - packets),
                "late": late})
    if lost:
        res["errors"].append("Lost %d" % lost)
    if ring:
        res["errors"].append("RingOverflow %d" % ring)
    audio = doc.get("Audio") or {}
    wav_path = os.path.join(os.path.dirname(path), audio.get("File") or "")
    res["audio"] = wav_path
    try:
        with wave.open(wav_path, "rb") as w:
            rate, nch, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
            frames = w.readframes(w.getnframes())
    except (OSError, EOFError, wave.Error) as e:
        res["errors"].append("audio file: %s" % e)
        return finish_check(res)
    if nch != 2 or width != 2:
        res["errors"].append("audio is %d channel(s) of %d bytes, expected 2 x 16-bit" % (nch, width))
        return finish_check(res)
    data = np.frombuffer(frames, dtype="<i2").reshape(-1, 2)
    starts = [call[r]["rtp_nominal_start"] for r in ("caller", "callee")]
    ends = [call[r]["rtp_nominal_end"] for r in ("caller", "callee")]
    res["duration_s"] = round(data.shape[0] / rate, 4)
    want = max(ends) - min(starts)
    if abs(res["duration_s"] - want) > 0.1:
        res["errors"].append("file lasts %.3f s, the call's media %.3f s" % (res["duration_s"], want))
    roles = (audio.get("ChannelRoles") or ["caller", "callee"])
    res["channels"] = []
    for c, role in enumerate(roles[:2]):
        if role not in ("caller", "callee"):
            res["errors"].append("channel %d has role %r" % (c, role))
            continue
        cc = channel_check(data[:, c], rate, call[role]["tone_hz"], ends[0 if role == "caller" else 1]
                           - starts[0 if role == "caller" else 1])
        cc["role"] = role
        res["channels"].append(cc)
        if "error" in cc:
            res["errors"].append("%s channel (%d): %s" % (role, c, cc["error"]))
    if roles[:2] != ["caller", "callee"]:
        res["errors"].append("ChannelRoles %r, expected caller left, callee right" % roles)
    return finish_check(res)


def finish_check(res):
    res["ok"] = not res["errors"]
    return res


def _check_star(args):
    return check_recording(*args)


def _worker_init():
    # The pool ends its workers with SIGTERM: theirs must not be the harness's handler.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def check_all(paths, calls_by_id, jobs=2):
    """Check recordings, in parallel worker processes (after calltap has stopped)."""
    work = []
    for p in paths:
        doc = load_sidecar(p)
        cid = doc.get("CallInstance") if doc else None
        work.append((p, calls_by_id.get(cid)))
    if jobs > 1 and len(work) > 20:
        import multiprocessing
        # spawn, not fork: a fork copies whatever lock another thread held at that moment,
        # and a worker then waited on it for ever.
        with multiprocessing.get_context("spawn").Pool(jobs, initializer=_worker_init) as pool:
            return pool.map(_check_star, work, chunksize=16)
    return [check_recording(*w) for w in work]


def summarise_checks(results, calls):
    seen = {}
    for r in results:
        if "index" in r:
            seen.setdefault(r["index"], []).append(r)
    missing = [c["index"] for c in calls if c["index"] not in seen]
    missing_set = set(missing)
    dup = [i for i, v in seen.items() if len(v) > 1]
    ring_known = [r["ring_overflow"] for r in results if r.get("ring_overflow") is not None]
    s = {
        "recordings": len(results),
        "recordings_ok": sum(1 for r in results if r["ok"]),
        "calls": len(calls),
        "calls_without_recording": len(missing),
        "calls_with_several_recordings": len(dup),
        "stream_lost": sum(r.get("lost", 0) for r in results),
        "stream_ring_overflow": sum(ring_known) if ring_known else None,
        "stream_packets": sum(r.get("packets", 0) for r in results),
        "stream_packets_missing": sum(r.get("missing", 0) for r in results)
        + sum(c["caller"]["rtp_packets_sent"] + c["callee"]["rtp_packets_sent"]
              for c in calls if c["index"] in missing_set),
        "stream_late": sum(r.get("late", 0) for r in results),
        "silent_gaps": sum(ch.get("gaps", 0) for r in results for ch in r.get("channels", [])),
    }
    bad = [r for r in results if not r["ok"]]
    s["wrong"] = [{"call": r.get("index"), "call_id": r.get("call_id"), "errors": r["errors"][:4],
                   "sidecar": r["sidecar"]} for r in bad[:20]]
    s["missing_calls"] = missing[:20]
    return s


# --------------------------------------------------------------------------
# One live run
# --------------------------------------------------------------------------

def capture_seconds(meta):
    return max(c["end_time"] for c in meta["calls"]) - min(c["start_time"] for c in meta["calls"])


def verdict(r, min_pace):
    """Reasons the run is not clean (loss, wrong recordings, failures)."""
    why = []
    tr, cf, rec = r["sender"], r["calltap"]["capture"], r["recordings"]
    if tr.get("exit") != 0:
        why.append("%s exit %s" % (tr.get("name"), tr.get("exit")))
    if tr.get("failed"):
        why.append("%s failed to send %d packets" % (tr.get("name"), tr["failed"]))
    if tr.get("sent") is not None and tr["sent"] < r["offered_packets"]:
        why.append("%s sent %d of %d packets" % (tr.get("name"), tr["sent"], r["offered_packets"]))
    for key, what in (("pcap_dropped", "kernel drops (pcap)"),
                      ("pcap_if_dropped", "interface drops (pcap)"),
                      ("ring_overflow", "ring overflow")):
        if cf.get(key):
            why.append("%s %d" % (what, cf[key]))
    if cf.get("pcap_received") is not None and tr.get("sent") is not None \
            and cf["pcap_received"] < tr["sent"]:
        why.append("libpcap received %d of %d packets sent" % (cf["pcap_received"], tr["sent"]))
    if rec["stream_lost"]:
        why.append("streams lost %d packets" % rec["stream_lost"])
    if rec.get("stream_ring_overflow"):
        why.append("streams' RingOverflow %d" % rec["stream_ring_overflow"])
    if rec["stream_packets_missing"]:
        why.append("%d RTP packets missing from the recordings" % rec["stream_packets_missing"])
    if rec["recordings_ok"] != rec["calls"] or rec["recordings"] != rec["calls"]:
        why.append("%d of %d recordings right (%d written)"
                   % (rec["recordings_ok"], rec["calls"], rec["recordings"]))
    if r["calltap"]["exit"] != 0:
        why.append("calltap exit %s on SIGTERM" % r["calltap"]["exit"])
    if min_pace and r.get("pace") is not None and r["pace"] < min_pace:
        why.append("%s reached %.1f %% of the offered rate (below %.0f %%)"
                   % (tr.get("name"), 100 * r["pace"], 100 * min_pace))
    return why


def live_run(a, pcap, meta, label, min_pace=0.0):
    """Play one capture to a fresh calltap serve, its recordings on a file system of their
    own; return the result dict."""
    out = os.path.join(a.work, "live-%s" % label)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    size = JournaledExt4.size_for(len(meta["calls"]), meta["arguments"]["seconds"])
    with JournaledExt4(a.work, os.path.join(out, "recordings"), size, keep=a.keep_output, log=log):
        return played_run(a, pcap, meta, label, min_pace, out)


def played_run(a, pcap, meta, label, min_pace, out):
    calls = meta["calls"]
    n = len(calls)
    secs = capture_seconds(meta)
    offered_pps = a.pps or meta["packets"] / secs
    log("live %s: %d calls x %g s, %d packets over %.1f s (%.0f pps offered%s)"
        % (label, n, meta["arguments"]["seconds"], meta["packets"], secs, offered_pps,
           "" if not (a.pps or a.mbps or a.multiplier) else ", given rate"))
    r = {"label": label, "calls": n, "seconds": meta["arguments"]["seconds"],
         "codec": meta["codec"], "capture": pcap, "offered_packets": meta["packets"],
         "capture_seconds": round(secs, 3), "offered_pps": round(offered_pps, 1),
         "loadavg_before": list(os.getloadavg())}
    server = replay = sampler = None
    with VethPair() as veth:
        try:
            server = Server(a, out, veth.outer)
            server.start()
            m0, _ = server.metrics()
            c0 = veth.counters()
            def extra():
                f = capture_figures(server.metrics()[0])
                return {"pcap_received": f.get("pcap_received"),
                        "pcap_dropped": f.get("pcap_dropped"),
                        "ring_overflow": f.get("ring_overflow")}
            sampler = Sampler(server.proc.pid, a.sample_seconds, extra)
            sampler.start()
            p0 = proc_sample(server.proc.pid)
            replay = Replay(a, veth, pcap, not a.no_preload, out)
            speed = a.multiplier or 1.0
            tr = replay.finish(secs / speed * 2 + 120 if not (a.pps or a.mbps)
                               else meta["packets"] / (a.pps or 1000) * 2 + 600)
            replay = None
            log_sender(tr)
            # The last calls' sidecars come after their BYE and the commit delay.
            t_wait = time.monotonic()
            last_n = wait_for_sidecars(server, n, a.settle_timeout)
            r["sidecars_before_stop"] = last_n
            r["wait_for_sidecars_s"] = round(time.monotonic() - t_wait, 2)
            m1, text = server.settled_metrics()
            with open(os.path.join(out, "metrics.txt"), "w") as f:
                f.write(text)
            c1 = veth.counters()
            p1 = proc_sample(server.proc.pid)
            threads = thread_cpu(server.proc.pid)
            sampler.halt.set()
            sampler.join(15)
            t_stop = time.monotonic()
            code, ru, forced = server.stop()
            stop_s = time.monotonic() - t_stop
        finally:
            if replay is not None:
                replay.kill()
            if server is not None and server.proc is not None and server.proc.returncode is None:
                server.stop()
            if sampler is not None:
                sampler.halt.set()
    r["sender"] = tr
    r["pace"] = round(tr["rated_pps"] / offered_pps, 4) if tr.get("rated_pps") else None
    p1 = p1 or {}
    cal = {
        "exit": code, "killed": forced, "stop_s": round(stop_s, 2),
        "capture": capture_figures(m1),
        "capture_at_start": {k: v for k, v in capture_figures(m0).items() if k != "not_used"},
        "cpu_user_s": round(p1.get("user_s", 0) - (p0 or {}).get("user_s", 0), 2),
        "cpu_sys_s": round(p1.get("sys_s", 0) - (p0 or {}).get("sys_s", 0), 2),
        "cpu_user_s_total": round(ru.ru_utime, 2) if ru else None,
        "cpu_sys_s_total": round(ru.ru_stime, 2) if ru else None,
        "vm_hwm_mib": round(p1.get("VmHWM", 0) / 1024.0, 1),
        "vm_rss_mib_at_end": round(p1.get("VmRSS", 0) / 1024.0, 1),
        "maxrss_mib": round(ru.ru_maxrss / 1024.0, 1) if ru else None,
        "peak_cpu_cores": sampler.peak_cpu_share(),
        "threads": threads,
        "log": server.log_path,
    }
    r["machine_busy_cores"], cal["mean_cpu_cores"] = sampler.machine_share()
    r["series"] = [{k: v for k, v in x.items() if k != "machine_busy_s"} for x in sampler.samples]
    r["calltap"] = cal
    r["veth"] = {k: (c1.get(k) - c0.get(k)) if isinstance(c1.get(k), int)
                 and isinstance(c0.get(k), int) else None for k in c1}
    r["rss_series"] = [(s["t"], round(s["rss_kib"] / 1024.0, 1)) for s in sampler.samples
                       if s.get("rss_kib")]
    t = time.monotonic()
    by_id = {c["call_id"]: c for c in calls}
    results = check_all(list_sidecars(server.root), by_id, jobs=a.jobs)
    r["recordings"] = summarise_checks(results, calls)
    r["check_s"] = round(time.monotonic() - t, 1)
    r["loadavg_after"] = list(os.getloadavg())
    r["problems"] = verdict(r, min_pace)
    r["ok"] = not r["problems"]
    print_run(r)
    return r


def fmt(x, spec="{:,}"):
    return "-" if x is None else spec.format(x)


def print_run(r):
    tr, cal, cf, rec = r["sender"], r["calltap"], r["calltap"]["capture"], r["recordings"]
    log("  offered      %s packets, %s pps (capture's own pace unless a rate was given)"
        % (fmt(r["offered_packets"]), fmt(r["offered_pps"], "{:,.0f}")))
    log("  sender       %s sent %s, failed %s, %s pps achieved (%s of offered) in %s s; "
        "its CPU %s s user + %s s sys"
        % (tr.get("name"), fmt(tr.get("sent")), fmt(tr.get("failed")), fmt(tr.get("rated_pps"), "{:,.0f}"),
           fmt(100 * r["pace"] if r["pace"] else None, "{:.1f} %"), fmt(tr.get("seconds")),
           fmt(tr.get("user_s")), fmt(tr.get("sys_s"))))
    log("  libpcap      received %s, kernel drops %s, interface drops %s; ring overflow %s"
        % (fmt(cf.get("pcap_received")), fmt(cf.get("pcap_dropped")),
           fmt(cf.get("pcap_if_dropped")), fmt(cf.get("ring_overflow"))))
    if "late_mean_us" in tr:
        log("  lateness     packets left their time by %.0f us on average, p99 < %s us, "
            "p99.9 < %s us, max %.1f ms" % (tr["late_mean_us"], fmt(tr["late_p99_us"]),
                                            fmt(tr["late_p999_us"]), tr["late_max_us"] / 1000))
    if cf.get("engine"):
        log("  engine       " + ", ".join("%s %g" % (k[len("calltap_"):], v)
                                          for k, v in sorted(cf["engine"].items())))
    v = r.get("veth", {})
    if v:
        log("  veth         outer rx %s (dropped %s), inner tx dropped %s, softnet drops %s"
            % (fmt(v.get("outer_rx_packets")), fmt(v.get("outer_rx_dropped")),
               fmt(v.get("inner_tx_dropped")), fmt(v.get("softnet_dropped"))))
    log("  streams      lost %s, RingOverflow %s, packets %s, missing %s, late %s"
        % (fmt(rec["stream_lost"]), fmt(rec["stream_ring_overflow"]),
           fmt(rec["stream_packets"]), fmt(rec["stream_packets_missing"]), fmt(rec["stream_late"])))
    log("  recordings   %d written, %d of %d calls right (tones, spans, no silent gap; %d gaps)"
        % (rec["recordings"], rec["recordings_ok"], rec["calls"], rec["silent_gaps"]))
    log("  calltap      CPU %.1f s user + %.1f s sys from ready to the stop (%s + %s over its "
        "life, start-up and stop included), busiest second %.2f cores; VmHWM %.1f MiB, RSS at "
        "end %.1f MiB; stopped in %.1f s, exit %s"
        % (cal["cpu_user_s"], cal["cpu_sys_s"], fmt(cal["cpu_user_s_total"]),
           fmt(cal["cpu_sys_s_total"]), cal["peak_cpu_cores"], cal["vm_hwm_mib"],
           cal.get("vm_rss_mib_at_end") or 0, cal.get("stop_s") or 0, cal["exit"]))
    top = ", ".join("%s %.1f s" % (k, v["user_s"] + v["sys_s"])
                    for k, v in list(cal["threads"].items())[:5])
    log("  threads      %s" % top)
    if r.get("machine_busy_cores") is not None:
        log("  machine      %.2f of %d cores busy on average while calltap ran (calltap %.2f; the "
            "rest is the sender, this harness and any other work); load %s -> %s"
            % (r["machine_busy_cores"], os.cpu_count(), cal.get("mean_cpu_cores") or 0,
               "%.1f" % r["loadavg_before"][0], "%.1f" % r["loadavg_after"][0]))
    series = r.get("series") or r.get("rss_series") or []
    drops = [(x["t"], x.get("ring_overflow"), x.get("pcap_dropped")) for x in series
             if x.get("ring_overflow") or x.get("pcap_dropped")]
    if drops:
        log("  first drops  at %.0f s after the server was ready (ring overflow %s, kernel %s)"
            % (drops[0][0], fmt(drops[0][1]), fmt(drops[0][2])))
    for w in rec["wrong"][:5]:
        log("  wrong        call %s: %s" % (w["call"], "; ".join(w["errors"])))
    if rec["missing_calls"]:
        log("  no recording for calls %s" % rec["missing_calls"][:10])
    log("  %s" % ("clean: nothing lost, every recording right" if r["ok"]
                  else "PROBLEMS: " + "; ".join(r["problems"])))


def make_capture(a, calls, seconds):
    ca = argparse.Namespace(calls=calls, seconds=seconds, codec=a.codec, ptime=a.ptime,
                            seed=a.seed, jitter_ms=0.0, loss=a.loss, work=a.work)
    return bench.ensure_capture(ca, log)


# --------------------------------------------------------------------------
# Sweep
# --------------------------------------------------------------------------

def sweep(a):
    trials = {}

    def trial(n):
        pcap, meta = make_capture(a, n, a.sweep_seconds)
        try:
            r = live_run(a, pcap, meta, "sweep-%d" % n, min_pace=a.min_pace)
        finally:
            if not a.keep_capture:
                for path in (pcap, pcap[:-5] + ".calls.json"):
                    try:
                        os.unlink(path)
                    except OSError:
                        pass
        trials[n] = r
        return r["ok"]

    lo, hi = 0, None
    n = a.sweep_start
    while n <= a.sweep_max:
        if trial(n):
            lo = n
            n *= 2
        else:
            hi = n
            break
    if hi is None:
        log("sweep: clean up to --sweep-max %d" % a.sweep_max)
    else:
        while hi - lo > max(a.sweep_resolution, lo * 0.05):
            mid = (lo + hi) // 2
            if trial(mid):
                lo = mid
            else:
                hi = mid
    rows = [trials[k] for k in sorted(trials)]
    log("sweep: %g s calls; %s" % (a.sweep_seconds, "largest clean N = %d" % lo if lo
                                   else "no clean N"))
    log("  %6s %9s %9s %7s %9s %7s %7s %6s %9s %8s  %s" % (
        "calls", "offer_pps", "sent_pps", "pace", "pcap_rx", "k_drop", "ring", "lost",
        "recs_ok", "cpu_s", "result"))
    for r in rows:
        cf, rec, cal = r["calltap"]["capture"], r["recordings"], r["calltap"]
        log("  %6d %9.0f %9s %6s %9s %7s %7s %6d %9s %8.1f  %s" % (
            r["calls"], r["offered_pps"], fmt(r["sender"].get("rated_pps"), "{:.0f}"),
            fmt(100 * r["pace"] if r["pace"] else None, "{:.1f}%"),
            fmt(cf.get("pcap_received"), "{}"), fmt(cf.get("pcap_dropped"), "{}"),
            fmt(cf.get("ring_overflow"), "{}"), rec["stream_lost"],
            "%d/%d" % (rec["recordings_ok"], rec["calls"]),
            cal["cpu_user_s"] + cal["cpu_sys_s"], "clean" if r["ok"] else "; ".join(r["problems"][:2])))
    return {"mode": "sweep", "seconds": a.sweep_seconds, "largest_clean_calls": lo or None,
            "first_failing_calls": hi, "min_pace": a.min_pace, "trials": rows,
            "ok": bool(lo)}


# --------------------------------------------------------------------------
# Soak
# --------------------------------------------------------------------------

class ChunkFeeder(threading.Thread):
    """Generates windows of the rolling capture ahead of the sender and feeds them to a FIFO.

    Chunk k holds the packets in [k*W, (k+1)*W) s; each after the first is written without
    its pcap header, so the sender reads one continuous capture at its own pace. A chunk is
    deleted once fed, by the generating thread: unlinking a few hundred MB takes ext4 tens of
    ms, which on the feeding path at a chunk's end starved the sender (a 1 MiB pipe holds about
    0.1 s at 50,000 packets/s) and sent the next chunk's first packets late in a burst. At most
    `ahead` chunks wait on disk. `boundary_gaps_ms` is, for each chunk after the first, the
    time from the end of one chunk's last write to the start of the next chunk's first: the
    sender goes short when it passes what the pipe holds."""

    def __init__(self, a, fifo, folder, total_calls, chunks, ahead=2):
        super().__init__(daemon=True)
        self.a, self.fifo, self.folder = a, fifo, folder
        self.total_calls, self.chunks, self.ahead = total_calls, chunks, ahead
        self.calls = {}                       # index -> call doc (window-independent fields)
        self.packets = 0
        self.fed = 0
        self.error = None
        self.halt = threading.Event()
        self.lock = threading.Lock()
        self.ready = {}
        self.cond = threading.Condition()
        self.gen_s = 0.0
        self.spent = []                       # fed chunks for the generating thread to delete
        self.bytes_fed = 0
        self.boundary_gaps_ms = []
        self.pipe_bytes = None

    def chunk_path(self, k):
        return os.path.join(self.folder, "chunk-%05d.pcap" % k)

    def generate(self, k):
        a = self.a
        w = a.chunk_seconds
        path = self.chunk_path(k)
        cmd = ["nice", "-n", "10", sys.executable, GENERATOR, "--calls", str(self.total_calls),
               "--seconds", str(a.soak_call_seconds), "--rolling", str(a.soak_calls),
               "--codec", a.codec, "--ptime", str(a.ptime), "--seed", str(a.seed),
               "--from-seconds", repr(k * w), "--to-seconds", repr((k + 1) * w),
               "--out", path, "--quiet"]
        t = time.monotonic()
        r = subprocess.run(cmd, capture_output=True, text=True)
        self.gen_s += time.monotonic() - t
        if r.returncode != 0:
            raise RuntimeError("generator failed for chunk %d: %s" % (k, r.stderr.strip()))
        jpath = path[:-5] + ".calls.json"
        with open(jpath) as f:
            meta = json.load(f)
        os.unlink(jpath)
        with self.lock:
            for c in meta["calls"]:
                if c["index"] not in self.calls:
                    self.calls[c["index"]] = c
            self.packets += meta["packets"]
        return path

    def generate_ahead(self):
        """Producer: keeps up to `ahead` chunks on disk."""
        try:
            for k in range(self.chunks):
                with self.cond:
                    while len(self.ready) >= self.ahead and not self.halt.is_set():
                        self.cond.wait(0.5)
                if self.halt.is_set():
                    return
                self.delete_spent()
                path = self.generate(k)
                with self.cond:
                    self.ready[k] = path
                    self.cond.notify_all()
        except Exception as e:  # noqa: BLE001 (reported by the feeder)
            self.error = str(e)
            with self.cond:
                self.cond.notify_all()

    def delete_spent(self):
        with self.cond:
            spent, self.spent = self.spent, []
        for path in spent:
            try:
                os.unlink(path)
            except OSError:
                pass

    def run(self):
        producer = threading.Thread(target=self.generate_ahead, daemon=True)
        producer.start()
        try:
            fd = os.open(self.fifo, os.O_WRONLY)       # blocks until the sender opens it
        except OSError as e:
            self.error = "cannot open the FIFO: %s" % e
            return
        try:
            import fcntl
            # F_SETPIPE_SZ: 8 MiB (about 0.8 s at 50,000 packets/s) with CAP_SYS_RESOURCE, which
            # may pass fs.pipe-max-size; else 1 MiB.
            for size in (8 << 20, 1 << 20):
                try:
                    self.pipe_bytes = fcntl.fcntl(fd, 1031, size)
                    break
                except OSError:
                    pass
            last_write = None
            for k in range(self.chunks):
                with self.cond:
                    while k not in self.ready and self.error is None and not self.halt.is_set():
                        self.cond.wait(0.5)
                    if self.error is not None or self.halt.is_set():
                        return
                    path = self.ready.pop(k)
                    self.cond.notify_all()
                with open(path, "rb") as f:
                    if k:
                        f.seek(24)
                    first = True
                    while True:
                        block = f.read(1 << 20)
                        if not block:
                            break
                        if first and last_write is not None:
                            self.boundary_gaps_ms.append((time.monotonic() - last_write) * 1e3)
                        first = False
                        self.bytes_fed += len(block)
                        view = memoryview(block)
                        while view:
                            view = view[os.write(fd, view):]
                    last_write = time.monotonic()
                with self.cond:
                    self.spent.append(path)
                self.fed = k + 1
        except BrokenPipeError:
            self.error = "the sender closed the FIFO early"
        except OSError as e:
            self.error = "feeding the FIFO: %s" % e
        finally:
            os.close(fd)
            self.halt.set()


class SoakChecker(threading.Thread):
    """Checks finished recordings while the soak runs and deletes their audio (disk bound)."""

    def __init__(self, root, feeder, keep_audio):
        super().__init__(daemon=True)
        self.root, self.feeder, self.keep_audio = root, feeder, keep_audio
        self.done = {}
        self.results = []
        self.halt = threading.Event()

    def scan(self):
        for path in list_sidecars(self.root):
            if path in self.done:
                continue
            doc = load_sidecar(path)
            if doc is None or not doc.get("EndReason"):
                continue
            with self.feeder.lock:
                by_id = {c["call_id"]: c for c in self.feeder.calls.values()}
            call = by_id.get(doc.get("CallInstance"))
            if call is None:
                continue                     # its chunk's calls.json is not read yet
            res = check_recording(path, call)
            res["channels"] = [{"gaps": c.get("gaps", 0)} for c in res.get("channels", [])]
            self.results.append(res)
            self.done[path] = res["ok"]
            if not self.keep_audio and res.get("audio"):
                try:
                    os.unlink(res["audio"])
                except OSError:
                    pass

    def run(self):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
        except (OSError, AttributeError):
            pass
        while not self.halt.wait(5):
            self.scan()


def soak(a):
    c, d = a.soak_calls, a.soak_call_seconds
    load_s = a.soak_minutes * 60.0
    total = int(math.ceil(load_s * c / d))            # calls whose INVITE is within the load
    step = d / c
    span = total * step + d + 2.0                      # last INVITE + its call + margin
    chunks = int(math.ceil(span / a.chunk_seconds))
    ref_s = min(a.soak_reference_minutes * 60.0, load_s / 2)
    log("soak: %d concurrent calls of %g s (one starts every %.3f s), %g min of load, "
        "%d calls in all, about %.0f packets/s; chunks of %g s (%d); RSS at %.1f min vs the end"
        % (c, d, step, a.soak_minutes, total, c * 2 * 1000 / a.ptime, a.chunk_seconds, chunks,
           ref_s / 60))
    out = os.path.join(a.work, "live-soak")
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    fifo = os.path.join(out, "capture.fifo")
    os.mkfifo(fifo)
    r = {"mode": "soak", "concurrent_calls": c, "call_seconds": d, "soak_minutes": a.soak_minutes,
         "calls": total, "chunk_seconds": a.chunk_seconds, "reference_s": ref_s,
         "offered_pps": c * 2 * 1000.0 / a.ptime, "loadavg_before": list(os.getloadavg())}
    server = replay = sampler = feeder = checker = None
    t_start = None
    with VethPair() as veth:
        try:
            server = Server(a, out, veth.outer)
            server.start()
            c0 = veth.counters()
            feeder = ChunkFeeder(a, fifo, out, total, chunks)
            metrics_state = {}

            def extra():
                m, _ = server.metrics()
                f = capture_figures(m)
                metrics_state.update(f)
                return {"pcap_received": f.get("pcap_received"),
                        "pcap_dropped": f.get("pcap_dropped"),
                        "ring_overflow": f.get("ring_overflow"),
                        "recordings_checked": len(checker.results) if checker else 0}
            feeder.start()
            # The sender opens the FIFO; the feeder writes the first chunk once it is made.
            replay = Replay(a, veth, fifo, False, out)
            t_start = time.monotonic()
            sampler = Sampler(server.proc.pid, a.soak_sample_seconds, extra)
            sampler.start()
            checker = SoakChecker(server.root, feeder, a.keep_output)
            checker.start()
            next_note = 60.0
            budget = span * 1.5 + 300
            while not wait_bounded(replay.proc, 0):
                el = time.monotonic() - t_start
                if feeder.error:
                    log("soak: feeder: %s" % feeder.error)
                    break
                if el > budget:
                    log("soak: still playing after %.0f s: stopping" % el)
                    break
                if el >= next_note:
                    s = sampler.samples[-1] if sampler.samples else {}
                    log("soak: %5.1f min  RSS %s MiB  CPU %s s  pcap rx %s drop %s ring %s  "
                        "recordings checked %d (%d wrong)  chunks fed %d/%d"
                        % (el / 60, fmt((s.get("rss_kib") or 0) / 1024.0, "{:.1f}"),
                           s.get("cpu_s"), s.get("pcap_received"), s.get("pcap_dropped"),
                           s.get("ring_overflow"), len(checker.results),
                           sum(1 for x in checker.results if not x["ok"]), feeder.fed, chunks))
                    next_note += 60.0
                time.sleep(1)
            tr = replay.finish(5)
            replay = None
            log_sender(tr)
            wait_for_sidecars(server, total, a.settle_timeout)
            m1, text = server.settled_metrics()
            with open(os.path.join(out, "metrics.txt"), "w") as f:
                f.write(text)
            p1 = proc_sample(server.proc.pid) or {}
            c1 = veth.counters()
            threads = thread_cpu(server.proc.pid)
            sampler.halt.set()
            checker.halt.set()
            checker.join(30)
            sampler.join(15)
            t_stop = time.monotonic()
            code, ru, forced = server.stop()
            stop_s = time.monotonic() - t_stop
        finally:
            if feeder is not None:
                feeder.halt.set()
            if replay is not None:
                replay.kill()
            if server is not None and server.proc is not None and server.proc.returncode is None:
                server.stop()
            if sampler is not None:
                sampler.halt.set()
            if checker is not None:
                checker.halt.set()
    checker.scan()                                     # what finished at the end
    samples = sampler.samples
    r["sender"] = tr
    # The capture's own rate over its whole length, ramps included (steady: 2*C*1000/ptime).
    last = max((c["end_time"] for c in feeder.calls.values()), default=0)
    r["offered_pps"] = round(feeder.packets / last, 1) if last else r["offered_pps"]
    r["capture_seconds"] = round(last, 3)
    r["pace"] = round(tr["rated_pps"] / r["offered_pps"], 4) if tr.get("rated_pps") else None
    r["offered_packets"] = feeder.packets
    r["veth"] = {k: (c1.get(k) - c0.get(k)) if isinstance(c1.get(k), int)
                 and isinstance(c0.get(k), int) else None for k in c1}
    r["generator_s"] = round(feeder.gen_s, 1)
    r["feeder_pipe_bytes"] = feeder.pipe_bytes
    gaps = sorted(feeder.boundary_gaps_ms)
    r["chunk_boundary_ms"] = ({"max": round(gaps[-1], 1), "median": round(gaps[len(gaps) // 2], 1)}
                              if gaps else None)
    feeder.delete_spent()
    r["feeder_error"] = feeder.error

    def rss_at(t):
        best = None
        for s in samples:
            if s.get("rss_kib") and s["t"] <= t + 0.5 * a.soak_sample_seconds:
                best = s
        return round(best["rss_kib"] / 1024.0, 1) if best else None
    rss_ref, rss_end = rss_at(ref_s), rss_at(load_s)
    r["rss_mib_at_reference"] = rss_ref
    r["rss_mib_at_end_of_load"] = rss_end
    r["rss_mib_final"] = round(p1.get("VmRSS", 0) / 1024.0, 1)
    r["rss_ratio"] = round(rss_end / rss_ref, 4) if rss_ref and rss_end else None
    r["rss_within_10_percent"] = (r["rss_ratio"] is not None and abs(r["rss_ratio"] - 1) <= 0.10)
    r["rss_series"] = [{k: v for k, v in s.items()} for s in samples]
    cal = {"exit": code, "killed": forced, "capture": capture_figures(m1),
           "cpu_user_s": round(p1.get("user_s", 0), 2), "cpu_sys_s": round(p1.get("sys_s", 0), 2),
           "cpu_user_s_total": round(ru.ru_utime, 2) if ru else None,
           "cpu_sys_s_total": round(ru.ru_stime, 2) if ru else None,
           "vm_hwm_mib": round(p1.get("VmHWM", 0) / 1024.0, 1),
           "vm_rss_mib_at_end": round(p1.get("VmRSS", 0) / 1024.0, 1),
           "stop_s": round(stop_s, 2),
           "peak_cpu_cores": sampler.peak_cpu_share(), "threads": threads,
           "log": server.log_path}
    r["calltap"] = cal
    r["machine_busy_cores"], cal["mean_cpu_cores"] = sampler.machine_share()
    calls = [feeder.calls[i] for i in sorted(feeder.calls)]
    r["recordings"] = summarise_checks(checker.results, calls)
    r["loadavg_after"] = list(os.getloadavg())
    r["problems"] = verdict(r, 0.0)
    if feeder.error:
        r["problems"].append("feeder: " + feeder.error)
    if len(calls) != total:
        r["problems"].append("the chunks held %d of %d calls" % (len(calls), total))
    if not r["rss_within_10_percent"]:
        r["problems"].append("RSS at the end of the load %s MiB vs %s MiB at %.1f min"
                             % (rss_end, rss_ref, ref_s / 60))
    r["ok"] = not r["problems"]
    if not a.keep_output:
        shutil.rmtree(server.root, ignore_errors=True)
    log("soak: RSS %s MiB at %.1f min, %s MiB at the end of the load (%g min): ratio %s (%s); "
        "%s MiB after the last calls ended"
        % (rss_ref, ref_s / 60, rss_end, a.soak_minutes, r["rss_ratio"],
           "within 10 %" if r["rss_within_10_percent"] else "NOT within 10 %",
           r["rss_mib_final"]))
    series = [s for s in samples if s.get("rss_kib")]
    every = max(1, int(60 / a.soak_sample_seconds))
    log("soak: RSS (MiB) each minute: " + " ".join(
        "%.0f" % (s["rss_kib"] / 1024.0) for s in series[::every]))
    if r["chunk_boundary_ms"]:
        log("soak: between two chunks the feeder wrote nothing for %s ms at most, %s ms as a "
            "median (the %s MiB pipe holds about %.0f ms of the capture)"
            % (r["chunk_boundary_ms"]["max"], r["chunk_boundary_ms"]["median"],
               fmt((r["feeder_pipe_bytes"] or 0) / 1048576.0, "{:.0f}"),
               (r["feeder_pipe_bytes"] or 0) * 1e3 * r["capture_seconds"] / max(1, feeder.bytes_fed)))
    print_run(r)
    return r


# --------------------------------------------------------------------------

def check_tools(a):
    if os.geteuid() != 0:
        raise SetupError("needs root (network namespaces, capture)")
    for tool in ("ip", "sysctl") + (("tcpreplay",) if a.sender == "tcpreplay" else ()):
        if not shutil.which(tool):
            raise SetupError("%s not found (make bench-live installs iproute2, tcpreplay, procps)"
                             % tool)


def main(argv=None):
    global LOG
    p = argparse.ArgumentParser(description="Live benchmark of `calltap serve` on a veth pair.")
    p.add_argument("--calltap", required=True, help="path to the calltap binary")
    p.add_argument("--calls", type=int, default=1000)
    p.add_argument("--seconds", type=float, default=30.0, help="media seconds per call")
    p.add_argument("--codec", choices=("pcmu", "pcma", "g722", "opus"), default="pcmu")
    p.add_argument("--ptime", type=int, default=20)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--loss", type=float, default=0.0,
                   help="generate the capture with this fraction of RTP lost (the run must "
                        "then report loss: a check of the checks)")
    rate = p.add_mutually_exclusive_group()
    p.add_argument("--sender", choices=("pacer", "tcpreplay"), default="pacer",
                   help="pacer: Benchmarks/pcap_pacer.c, each packet at its own time from the "
                        "start (default); tcpreplay: tcpreplay, which drifts later when the "
                        "cores are busy (4.4: it sleeps packet to packet)")
    rate.add_argument("--pps", type=float, help="a given rate, evenly spaced (default: the "
                                                  "capture's own pace)")
    rate.add_argument("--mbps", type=float, help="tcpreplay --mbps (tcpreplay only)")
    rate.add_argument("--multiplier", type=float, help="speed factor (tcpreplay --multiplier, "
                                                         "pacer --speed)")
    p.add_argument("--no-preload", action="store_true",
                   help="tcpreplay without --preload-pcap (it reads the file while it sends)")
    p.add_argument("--buffer-mib", type=int, default=256, help="capture.bufferMiB (256)")
    p.add_argument("--workers", type=int, help="media.workers (default: calltap's)")
    p.add_argument("--ring-mib", type=int, help="media.ringMiB (default: calltap's)")
    p.add_argument("--work", default=os.path.join(HERE, "work"))
    p.add_argument("--keep-output", action="store_true", help="keep the recordings")
    p.add_argument("--keep-capture", action="store_true",
                   help="keep the sweep's captures (single runs always keep theirs, cached)")
    p.add_argument("--settle-timeout", type=float, default=30.0,
                   help="after the sender, wait this long without a new sidecar before stopping")
    p.add_argument("--stop-timeout", type=float, default=60.0,
                   help="SIGTERM, then SIGKILL after this many seconds")
    p.add_argument("--sample-seconds", type=float, default=1.0)
    p.add_argument("--jobs", type=int, default=2, help="processes checking recordings")
    p.add_argument("--min-pace", type=float, default=None,
                   help="a run counts as clean only if the sender reached this fraction of the "
                        "offered rate (default 0, sweep 0.95)")
    p.add_argument("--sweep", action="store_true",
                   help="find the largest N with nothing lost (doubling, then bisection)")
    p.add_argument("--sweep-seconds", type=float, default=20.0)
    p.add_argument("--sweep-start", type=int, default=250)
    p.add_argument("--sweep-max", type=int, default=8000)
    p.add_argument("--sweep-resolution", type=int, default=50)
    p.add_argument("--soak", action="store_true",
                   help="rolling calls for --soak-minutes; RSS after --soak-reference-minutes "
                        "vs at the end")
    p.add_argument("--soak-calls", type=int, default=500)
    p.add_argument("--soak-call-seconds", type=float, default=60.0)
    p.add_argument("--soak-minutes", type=float, default=60.0)
    p.add_argument("--soak-reference-minutes", type=float, default=5.0)
    p.add_argument("--soak-sample-seconds", type=float, default=10.0)
    p.add_argument("--chunk-seconds", type=float, default=60.0,
                   help="soak: seconds of capture per generated chunk")
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    a = p.parse_args(argv)
    if a.sweep and a.soak:
        p.error("--sweep or --soak, not both")
    if a.soak and (a.pps or a.mbps or a.multiplier):
        p.error("--soak plays at the capture's own pace")
    if a.mbps and a.sender != "tcpreplay":
        p.error("--mbps needs --sender tcpreplay")
    a.calltap = os.path.abspath(a.calltap)
    if not (os.path.isfile(a.calltap) and os.access(a.calltap, os.X_OK)):
        p.error("calltap binary not found or not executable: %s" % a.calltap)
    a.work = os.path.abspath(a.work)
    os.makedirs(a.work, exist_ok=True)
    if a.min_pace is None:
        a.min_pace = 0.95 if a.sweep else 0.0
    if a.json:
        LOG = sys.stderr

    def on_signal(signum, _frame):
        raise Stopped("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    t0 = time.monotonic()
    try:
        check_tools(a)
        if a.sender == "pacer":
            a.pacer = build_pacer(a.work)
        if a.sweep:
            result = sweep(a)
        elif a.soak:
            result = soak(a)
        else:
            pcap, meta = make_capture(a, a.calls, a.seconds)
            result = live_run(a, pcap, meta, "c%d-s%g" % (a.calls, a.seconds), a.min_pace)
            result["mode"] = "run"
    except SetupError as e:
        log("bench-live: error: %s" % e)
        return 2
    except (KeyboardInterrupt, Stopped) as e:
        log("bench-live: interrupted (%s); everything it started is stopped" % (e or "Ctrl-C"))
        return 130
    result["calltap_binary"] = a.calltap
    result["elapsed_s"] = round(time.monotonic() - t0, 1)
    result["host"] = {"cpus": os.cpu_count(), "kernel": os.uname().release}
    if a.sweep:
        summary = "SUMMARY %s mode=sweep seconds=%g largest_clean_calls=%s" % (
            "ok" if result["ok"] else "FAILED", a.sweep_seconds, result["largest_clean_calls"])
    else:
        rec, cal = result["recordings"], result["calltap"]
        summary = ("SUMMARY %s mode=%s calls=%d offered_pps=%.0f sent_pps=%s pcap_received=%s "
                   "kernel_drops=%s ring_overflow=%s stream_lost=%d recordings_ok=%d/%d "
                   "cpu_user_s=%.1f cpu_sys_s=%.1f peak_rss_mib=%.1f" % (
                       "ok" if result["ok"] else "FAILED", result["mode"], rec["calls"],
                       result["offered_pps"], fmt(result["sender"].get("rated_pps"), "{:.0f}"),
                       cal["capture"].get("pcap_received"), cal["capture"].get("pcap_dropped"),
                       cal["capture"].get("ring_overflow"), rec["stream_lost"],
                       rec["recordings_ok"], rec["calls"], cal["cpu_user_s"], cal["cpu_sys_s"],
                       cal["vm_hwm_mib"]))
        if result["mode"] == "soak":
            summary += " rss_ref_mib=%s rss_end_mib=%s rss_ratio=%s" % (
                result["rss_mib_at_reference"], result["rss_mib_at_end_of_load"],
                result["rss_ratio"])
    log(summary)
    if a.json:
        print(json.dumps(result, indent=1, default=str))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
