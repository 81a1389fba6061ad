#!/usr/bin/env python3
"""Summarise and check a SIP/RTP capture: SIP events, RTP streams, dominant tone per stream.

Used by make-captures.sh to verify each capture it makes, and to write the figures in
captures/README.md. It reads the capture with tshark (RTP found from the SDP and, to be
safe, by heuristic), decodes G.711 payloads (PT 0 mu-law, PT 8 A-law) and finds each
stream's dominant frequency with an FFT.

  rtp_report.py FILE [--calls N] [--streams N] [--gaps N] [--expect 'SRC:PORT>DST:PORT=HZ' ...]
                [--json]

An IPv6 endpoint is written [addr]:port. With --expect, every listed stream must exist and
carry that tone (within 5 Hz, and with at least 90 % of its energy near the peak); with
--streams, the capture must hold exactly N RTP streams (a stream: source address and port,
destination address and port, SSRC); with --calls, exactly N Call-IDs carrying an INVITE;
with --gaps, every stream must have exactly N inter-arrival gaps over 100 ms (0 for a
clean capture: a loaded machine can make SIPp skip packets, and such a take is redone;
1 for a call with one hold). The exit status is 1 on a failed check.
Times are seconds from the first packet of the file (tshark's frame.time_relative).
Needs tshark and python3-numpy.
"""

import argparse
import json
import re
import subprocess
import sys

import numpy as np

GAP_SECONDS = 0.1  # an inter-arrival gap longer than this is reported (hold, loss)


def ulaw_table():
    out = np.zeros(256, dtype=np.float64)
    for i in range(256):
        u = ~i & 0xFF
        sign = u & 0x80
        exponent = (u >> 4) & 0x07
        mantissa = u & 0x0F
        magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
        out[i] = -magnitude if sign else magnitude
    return out / 32768.0


def alaw_table():
    out = np.zeros(256, dtype=np.float64)
    for i in range(256):
        a = i ^ 0x55
        sign = a & 0x80
        exponent = (a >> 4) & 0x07
        mantissa = a & 0x0F
        if exponent == 0:
            magnitude = (mantissa << 4) + 8
        else:
            magnitude = ((mantissa << 4) + 0x108) << (exponent - 1)
        out[i] = magnitude if sign else -magnitude
    return out / 32768.0


TABLES = {0: ulaw_table(), 8: alaw_table()}


def tshark(path, display_filter, fields):
    cmd = ["tshark", "-r", path, "-o", "rtp.heuristic_rtp:TRUE", "-Y", display_filter,
           "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in fields:
        cmd += ["-e", f]
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    rows = []
    for line in res.stdout.splitlines():
        cols = line.split("\t")
        cols += [""] * (len(fields) - len(cols))
        rows.append(dict(zip(fields, cols)))
    return rows


def endpoint(ip4, ip6, port):
    return f"[{ip6}]:{port}" if ip6 else f"{ip4}:{port}"


def sip_events(path):
    fields = ["frame.number", "frame.time_relative", "ip.src", "ipv6.src", "udp.srcport",
              "ip.dst", "ipv6.dst", "udp.dstport", "sip.Method", "sip.Status-Code",
              "sip.CSeq", "sip.Call-ID", "sdp.media.port", "sdp.media_attr"]
    events = []
    for r in tshark(path, "sip", fields):
        direction = next((a for a in r["sdp.media_attr"].split(",")
                          if a in ("sendrecv", "sendonly", "recvonly", "inactive")), "")
        events.append({
            "frame": int(r["frame.number"]),
            "time": round(float(r["frame.time_relative"]), 6),
            "src": endpoint(r["ip.src"], r["ipv6.src"], r["udp.srcport"]),
            "dst": endpoint(r["ip.dst"], r["ipv6.dst"], r["udp.dstport"]),
            "what": r["sip.Method"] or r["sip.Status-Code"],
            "cseq": r["sip.CSeq"],
            "call_id": r["sip.Call-ID"],
            "sdp_port": r["sdp.media.port"],
            "sdp_direction": direction,
        })
    return events


def dominant_tone(samples):
    if len(samples) < 800:
        return None, 0.0
    x = samples - samples.mean()
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    spectrum[:3] = 0.0
    k = int(np.argmax(spectrum))
    if 0 < k < len(spectrum) - 1:  # parabolic interpolation on the log spectrum
        a, b, c = np.log(spectrum[k - 1:k + 2] + 1e-30)
        delta = 0.5 * (a - c) / (a - 2 * b + c)
    else:
        delta = 0.0
    hz = (k + delta) * 8000.0 / len(x)
    bin_hz = 8000.0 / len(x)
    near = int(round(15.0 / bin_hz))
    purity = spectrum[max(0, k - near):k + near + 1].sum() / spectrum.sum()
    return round(hz, 2), round(float(purity), 4)


def rtp_streams(path):
    fields = ["frame.time_relative", "ip.src", "ipv6.src", "udp.srcport", "ip.dst", "ipv6.dst",
              "udp.dstport", "rtp.ssrc", "rtp.p_type", "rtp.seq", "rtp.timestamp", "rtp.payload"]
    streams = {}
    for r in tshark(path, "rtp", fields):
        key = (endpoint(r["ip.src"], r["ipv6.src"], r["udp.srcport"]),
               endpoint(r["ip.dst"], r["ipv6.dst"], r["udp.dstport"]), r["rtp.ssrc"])
        streams.setdefault(key, []).append(r)
    out = []
    for (src, dst, ssrc), pkts in streams.items():
        times = [float(p["frame.time_relative"]) for p in pkts]
        pts = sorted({int(p["rtp.p_type"]) for p in pkts})
        gaps = []
        for prev, cur in zip(pkts, pkts[1:]):
            dt = float(cur["frame.time_relative"]) - float(prev["frame.time_relative"])
            if dt > GAP_SECONDS:
                gaps.append({
                    "from": round(float(prev["frame.time_relative"]), 6),
                    "to": round(float(cur["frame.time_relative"]), 6),
                    "seq_step": (int(cur["rtp.seq"]) - int(prev["rtp.seq"])) % 65536,
                    "ts_step": (int(cur["rtp.timestamp"]) - int(prev["rtp.timestamp"])) % 2**32,
                })
        hz, purity = None, 0.0
        if len(pts) == 1 and pts[0] in TABLES:
            payload = bytes.fromhex("".join(p["rtp.payload"].replace(":", "") for p in pkts))
            samples = TABLES[pts[0]][np.frombuffer(payload, dtype=np.uint8)]
            hz, purity = dominant_tone(samples)
        sizes = sorted({len(p["rtp.payload"].replace(":", "")) // 2 for p in pkts})
        out.append({
            "src": src, "dst": dst, "ssrc": ssrc, "payload_types": pts, "packets": len(pkts),
            "payload_bytes": sizes, "first": round(times[0], 6), "last": round(times[-1], 6),
            "first_seq": int(pkts[0]["rtp.seq"]), "first_timestamp": int(pkts[0]["rtp.timestamp"]),
            "gaps": gaps, "tone_hz": hz, "tone_purity": purity,
        })
    out.sort(key=lambda s: (s["first"], s["src"]))
    return out


EXPECT = re.compile(r"^(?P<src>\[[^\]]+\]:\d+|[\d.]+:\d+)>(?P<dst>\[[^\]]+\]:\d+|[\d.]+:\d+)=(?P<hz>[\d.]+)$")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pcap")
    ap.add_argument("--expect", action="append", default=[], metavar="SRC>DST=HZ")
    ap.add_argument("--streams", type=int)
    ap.add_argument("--calls", type=int)
    ap.add_argument("--gaps", type=int)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    events = sip_events(args.pcap)
    streams = rtp_streams(args.pcap)
    failures = []
    calls = {e["call_id"] for e in events if e["what"] == "INVITE"}
    if args.calls is not None and len(calls) != args.calls:
        failures.append(f"{len(calls)} INVITE Call-IDs, expected {args.calls}")
    if args.streams is not None and len(streams) != args.streams:
        failures.append(f"{len(streams)} RTP streams, expected {args.streams}")
    if args.gaps is not None:
        for s in streams:
            if len(s["gaps"]) != args.gaps:
                failures.append(f"{s['src']}>{s['dst']}: {len(s['gaps'])} gaps over "
                                f"{GAP_SECONDS * 1000:.0f} ms, expected {args.gaps}")
    for e in args.expect:
        m = EXPECT.match(e)
        if not m:
            sys.exit(f"bad --expect {e!r}")
        found = [s for s in streams if s["src"] == m["src"] and s["dst"] == m["dst"]]
        if len(found) != 1:
            failures.append(f"{m['src']}>{m['dst']}: {len(found)} streams, expected 1")
            continue
        s = found[0]
        if s["tone_hz"] is None or abs(s["tone_hz"] - float(m["hz"])) > 5.0 or s["tone_purity"] < 0.9:
            failures.append(f"{m['src']}>{m['dst']}: tone {s['tone_hz']} Hz purity "
                            f"{s['tone_purity']}, expected {m['hz']} Hz")

    if args.json:
        print(json.dumps({"file": args.pcap, "sip": events, "rtp": streams,
                          "failures": failures}, indent=1))
    else:
        print(f"== {args.pcap}")
        print(f"SIP ({len(events)} messages, {len({e['call_id'] for e in events})} Call-IDs, "
              f"{len(calls)} with INVITE):")
        for e in events:
            sdp = f" SDP port {e['sdp_port']} {e['sdp_direction']}" if e["sdp_port"] else ""
            print(f"  {e['time']:10.6f}  {e['src']:>22} -> {e['dst']:<22} {e['what']:<7} "
                  f"CSeq {e['cseq']}{sdp}")
        print(f"RTP ({len(streams)} streams):")
        for s in streams:
            print(f"  {s['src']:>22} -> {s['dst']:<22} ssrc {s['ssrc']} PT {s['payload_types']} "
                  f"{s['packets']} pkts ({s['payload_bytes']} B) {s['first']:.3f}-{s['last']:.3f} s "
                  f"tone {s['tone_hz']} Hz (purity {s['tone_purity']})")
            for g in s["gaps"]:
                print(f"      gap {g['from']:.3f} -> {g['to']:.3f} s "
                      f"(seq +{g['seq_step']}, timestamp +{g['ts_step']})")
        for f in failures:
            print(f"FAIL: {f}")
        if not failures and (args.expect or args.streams is not None or args.calls is not None
                             or args.gaps is not None):
            print("OK: all checks passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
