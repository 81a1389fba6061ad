#!/usr/bin/env python3
"""Impair one RTP stream of a clean capture: loss, jitter, reordering, duplicates.

Real SIPp peers on loopback deliver every packet at once, and netem on the shared loopback
interface would disturb everything else that uses it, so calltap's loss/jitter capture is a
clean SIPp capture post-processed here. The impairment is fixed, not random: the same
packets (counted by their index in the stream, 0 = its first RTP packet) are always hit, so
tests can assert exact counts. Only the chosen stream changes; every other packet (SIP, the
other direction) keeps its bytes and its capture time.

What is done to the stream (N packets, normally 400 for 8 s at 20 ms):
  * DROP: the packets at DROP_INDICES are removed (12 of 400 = 3 %: single losses, a burst
    of 3 and a pair).
  * JITTER: every remaining packet is delayed by d(k) ms, a deterministic delay process:
    a random walk (steps uniform in +-6 ms, kept within 0..20 ms, seeded) plus, at each of
    SPIKE_INDICES, a 30 ms delay spike that drains by 8 ms per packet (a queue filling and
    emptying); d is capped at 30 ms, and over the last 10 packets it is scaled down to 0,
    so that no RTP moves past the BYE. d changes by at most 14 ms from a packet to the next
    (the packets are 20 ms apart), so jitter alone never reorders.
  * REORDER: each packet at REORDER_INDICES arrives after the packet that follows it: it is
    moved to the midpoint between the (jittered) arrivals of packets k+1 and k+2.
  * DUPLICATE: each packet at DUPLICATE_INDICES is sent twice: a byte-identical copy
    (same IP ID, RTP header, payload) arrives at the midpoint between the arrival of the
    packet and that of the next.
The file is then sorted by capture time again (stable). The chosen indices never touch each
other's neighbours, and the first and last packets are kept.

  impair_rtp.py IN.pcap OUT.pcap --stream SRC:PORT>DST:PORT [--seed 2024] [--json]

It prints what it did: every dropped, duplicated and reordered packet with its index and
sequence number, the delay range, and the resulting counts.
"""

import argparse
import json
import random
import struct
import sys

DROP_INDICES = (37, 81, 82, 83, 129, 170, 212, 250, 251, 298, 333, 371)
DUPLICATE_INDICES = (60, 150, 275, 350)
REORDER_INDICES = (100, 190, 230, 310, 385)
SPIKE_INDICES = (45, 140, 220, 320)
WALK_STEP_MS = 6.0
WALK_MAX_MS = 20.0
SPIKE_MS = 30.0
SPIKE_DRAIN_MS = 8.0
MAX_DELAY_MS = 30.0
TAPER_PACKETS = 10


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D):
        sys.exit("%s: not a little-endian classic pcap" % path)
    scale = 1000 if magic == 0xA1B2C3D4 else 1      # to nanoseconds
    header = data[:24]
    if struct.unpack_from("<I", header, 20)[0] != 1:
        sys.exit("%s: link type is not Ethernet" % path)
    recs, off = [], 24
    while off < len(data):
        sec, frac, incl, orig = struct.unpack_from("<IIII", data, off)
        recs.append({"t": sec * 1_000_000_000 + frac * scale, "orig": orig,
                     "frame": data[off + 16:off + 16 + incl]})
        off += 16 + incl
    return header, scale, recs


def write_pcap(path, header, scale, recs):
    with open(path, "wb") as f:
        f.write(header)
        for r in recs:
            sec, rest = divmod(r["t"], 1_000_000_000)
            f.write(struct.pack("<IIII", sec, rest // scale, len(r["frame"]), r["orig"]))
            f.write(r["frame"])


def udp_endpoints(frame):
    """(src 'ip:port', dst 'ip:port', rtp seq) of an Ethernet/IPv4/UDP frame, else None."""
    if len(frame) < 14 + 20 + 8 + 12 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    if ip[9] != 17:
        return None
    ihl = (ip[0] & 0x0F) * 4
    sport, dport = struct.unpack_from("!HH", ip, ihl)
    src = "%d.%d.%d.%d:%d" % (*ip[12:16], sport)
    dst = "%d.%d.%d.%d:%d" % (*ip[16:20], dport)
    rtp = ip[ihl + 8:]
    seq = struct.unpack_from("!H", rtp, 2)[0] if rtp and rtp[0] >> 6 == 2 else None
    return src, dst, seq


def delays_ms(n, seed):
    rng = random.Random("calltap-impair/%d" % seed)
    out, walk = [], 0.0
    for k in range(n):
        if k:
            walk = min(WALK_MAX_MS, max(0.0, walk + rng.uniform(-WALK_STEP_MS, WALK_STEP_MS)))
        spike = max([max(0.0, SPIKE_MS - SPIKE_DRAIN_MS * (k - s)) for s in SPIKE_INDICES if k >= s]
                    or [0.0])
        d = min(MAX_DELAY_MS, walk + spike)
        d *= min(1.0, (n - 1 - k) / TAPER_PACKETS)
        out.append(round(d, 3))              # whole microseconds
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--stream", required=True, help="SRC:PORT>DST:PORT")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    want_src, want_dst = a.stream.split(">")
    header, scale, recs = read_pcap(a.inp)
    stream = [r for r in recs if (udp_endpoints(r["frame"]) or (None, None))[:2] == (want_src, want_dst)]
    n = len(stream)
    if n < 400:
        sys.exit("stream %s has %d packets; the impairment plan needs 400" % (a.stream, n))
    seqs = [udp_endpoints(r["frame"])[2] for r in stream]
    for k in range(1, n):
        if (seqs[k] - seqs[k - 1]) & 0xFFFF != 1:
            sys.exit("stream is not clean: seq %d after %d at index %d" % (seqs[k], seqs[k - 1], k))
    nominal = [r["t"] for r in stream]
    d = delays_ms(n, a.seed)
    arrival = [nominal[k] + int(round(d[k] * 1000)) * 1000 for k in range(n)]
    for k in range(1, n):
        assert arrival[k] > arrival[k - 1], "jitter reordered packet %d" % k
    dropped = set(DROP_INDICES)
    for k in REORDER_INDICES + DUPLICATE_INDICES:
        assert k not in dropped and k + 1 not in dropped and k + 2 not in dropped
    log = {"stream": a.stream, "packets_in": n, "first_seq": seqs[0], "seed": a.seed,
           "dropped": [], "duplicated": [], "reordered": []}
    new_times = {}
    for k in range(n):
        if k in dropped:
            log["dropped"].append({"index": k, "seq": seqs[k]})
            continue
        new_times[k] = arrival[k]
    for k in REORDER_INDICES:
        t = (arrival[k + 1] + arrival[k + 2]) // 2
        t -= t % scale
        log["reordered"].append({"index": k, "seq": seqs[k], "after_seq": seqs[k + 1],
                                 "delay_ms": round((t - nominal[k]) / 1e6, 3)})
        new_times[k] = t
    out, dup_recs = [], []
    ids = {id(r): k for k, r in enumerate(stream)}
    for r in recs:
        k = ids.get(id(r))
        if k is None:
            out.append(r)
        elif k in new_times:
            out.append({"t": new_times[k], "orig": r["orig"], "frame": r["frame"]})
    for k in DUPLICATE_INDICES:
        t = (new_times[k] + new_times[k + 1]) // 2
        t -= t % scale
        dup_recs.append({"t": t, "orig": stream[k]["orig"], "frame": stream[k]["frame"]})
        log["duplicated"].append({"index": k, "seq": seqs[k],
                                  "copy_delay_ms": round((t - nominal[k]) / 1e6, 3)})
    out = sorted(out + dup_recs, key=lambda r: r["t"])
    write_pcap(a.out, header, scale, out)
    kept = [k for k in range(n) if k not in dropped and k not in REORDER_INDICES]
    log.update({
        "packets_out": n - len(DROP_INDICES) + len(DUPLICATE_INDICES),
        "lost": len(DROP_INDICES), "duplicates": len(DUPLICATE_INDICES),
        "reordered_count": len(REORDER_INDICES),
        "jitter_delay_ms_min": min(d[k] for k in kept),
        "jitter_delay_ms_max": max(d[k] for k in kept),
        "max_delay_ms": round(max((new_times[k] - nominal[k]) / 1e6 for k in new_times), 3),
    })
    if a.json:
        print(json.dumps(log, indent=1))
    else:
        print("impaired %s: %d packets in, %d out" % (a.stream, n, log["packets_out"]))
        print("  dropped (%d): %s" % (len(log["dropped"]), ", ".join(
            "#%d seq %d" % (x["index"], x["seq"]) for x in log["dropped"])))
        print("  duplicated (%d): %s" % (len(log["duplicated"]), ", ".join(
            "#%d seq %d (+%.3f ms)" % (x["index"], x["seq"], x["copy_delay_ms"]) for x in log["duplicated"])))
        print("  reordered (%d): %s" % (len(log["reordered"]), ", ".join(
            "#%d seq %d after seq %d (delay %.3f ms)" % (x["index"], x["seq"], x["after_seq"], x["delay_ms"])
            for x in log["reordered"])))
        print("  jitter delay %.3f..%.3f ms; largest delay of any packet %.3f ms"
              % (log["jitter_delay_ms_min"], log["jitter_delay_ms_max"], log["max_delay_ms"]))


if __name__ == "__main__":
    main()
