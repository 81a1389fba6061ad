#!/usr/bin/env python3
"""Generate a pcap of an INVITE flood: N INVITEs with SDP, one every --interval-us, each with its
own Call-ID and addresses, none ever answered (addresses repeat after 62,500 INVITEs).

For checking `limits.maxCalls`: replayed with `--config` (limits: {maxCalls: 1000}), the call
table never holds more than the limit, every INVITE beyond it takes the place of an older
unanswered one (CallsEvicted) or is refused (NotUsed.tooManyCalls), and peak memory does not
depend on N. Rolling answered calls with media come from generate_capture.py --rolling.
UDP checksums are left at zero (allowed over IPv4). Standard library only.
"""

import argparse
import struct
import sys

NS = 1_000_000_000
EPOCH = 1_700_000_000
SIP_PORT = 5060
MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")


def address(net, i):
    """10.net.x.y for call i (distinct for 62,500 calls, then reused)."""
    i %= 62500
    return bytes((10, net, 1 + i // 250, 1 + i % 250))


def dotted(b):
    return ".".join(str(x) for x in b)


def checksum16(data):
    s = sum(struct.unpack("!10H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def frame(src, dst, sport, dport, payload):
    udp_len = 8 + len(payload)
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0x4000, 64, 17, 0, src, dst))
    struct.pack_into("!H", ip, 10, checksum16(bytes(ip)))
    return MAC_B + MAC_A + b"\x08\x00" + bytes(ip) + struct.pack("!HHHH", sport, dport, udp_len, 0) + payload


def record(t_ns, data):
    sec, nsec = divmod(t_ns, NS)
    return struct.pack("<IIII", EPOCH + sec, nsec, len(data), len(data)) + data


def sip(start, headers, body=b""):
    lines = [start] + ["%s: %s" % h for h in headers] + ["Content-Length: %d" % len(body)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def sdp(user, ip, port):
    return ("v=0\r\no=%s 1 1 IN IP4 %s\r\ns=flood\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n"
            % (user, ip, ip, port)).encode()


class Call:
    def __init__(self, i, prefix):
        self.i = i
        self.a, self.b = address(1, i), address(2, i)
        self.port_a = 10000 + 2 * (i % 20000)
        self.port_b = 30000 + 2 * (i % 15000)
        self.call_id = "%s-%d@%s" % (prefix, i, dotted(self.a))
        self.caller = "1%06d" % i
        self.callee = "5%03d" % (i % 1000)
        self.from_hdr = "<sip:%s@%s>;tag=f%d" % (self.caller, dotted(self.a), i)
        self.to_hdr = "<sip:%s@%s>" % (self.callee, dotted(self.b))

    def from_caller(self, payload):
        return frame(self.a, self.b, SIP_PORT, SIP_PORT, payload)

    def invite(self):
        return self.from_caller(sip("INVITE sip:%s@%s SIP/2.0" % (self.callee, dotted(self.b)), [
            ("Via", "SIP/2.0/UDP %s:5060;branch=z9hG4bKi%d" % (dotted(self.a), self.i)),
            ("Max-Forwards", "70"), ("From", self.from_hdr), ("To", self.to_hdr), ("Call-ID", self.call_id),
            ("CSeq", "1 INVITE"), ("Contact", "<sip:%s@%s:5060>" % (self.caller, dotted(self.a))),
            ("Content-Type", "application/sdp")], sdp(self.caller, dotted(self.a), self.port_a)))


def write(out, records):
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))  # nanosecond pcap, Ethernet
        n = 0
        for t, data in records:
            f.write(record(t, data))
            n += 1
    return n


def flood(args):
    interval = int(args.interval_us * 1000)
    return write(args.out, ((i * interval, Call(i, args.prefix).invite()) for i in range(args.invites)))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--invites", type=int, required=True, help="INVITEs to generate")
    p.add_argument("--interval-us", type=float, default=100, help="between two INVITEs (default 100)")
    p.add_argument("--prefix", default="flood", help="Call-ID prefix")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    n = flood(args)
    print("%s: %d packets" % (args.out, n), file=sys.stderr)


if __name__ == "__main__":
    main()
