#!/usr/bin/env python3
"""Second, independent check of a capture's SRTP (besides srtp_check/libsrtp2): verifies each
SRTP packet's auth tag (AES-CM + HMAC-SHA1 suites) or GCM tag (AEAD suites) with the key
derivation of make_srtp_capture.py and the keys of the capture's own SDP (sdp_keys.py).
Keys may lack base64 '=' padding (rtpengine writes GCM keys that way). Tries ROC 0 and 1 only;
no replay or ROC tracking: a cross-check, not a receiver.
   srtp_pycheck.py FILE.pcap [--keys-from OTHER.pcap] [--mki VALUE:LEN]
prints, per sending address: N/M authenticated."""
import base64, hashlib, hmac, os, struct, subprocess, sys
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_srtp_capture import SrtpSender, SUITES  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402

f = sys.argv[1]
kf = sys.argv[sys.argv.index("--keys-from") + 1] if "--keys-from" in sys.argv else f
mki_len = int(sys.argv[sys.argv.index("--mki") + 1].split(":")[1]) if "--mki" in sys.argv else 0
specs = subprocess.run(["python3", os.path.join(HERE, "sdp_keys.py"), kf],
                       capture_output=True, text=True, check=True).stdout.split()
keys = {}
for sp in specs:
    addr, rest = sp.split("=", 1)
    suite, key = rest.split(":", 1)
    if suite in SUITES:
        raw = base64.b64decode(key + "=" * (-len(key) % 4))
        kl, sl, _, _ = SUITES[suite]
        keys.setdefault(addr, []).append((suite, SrtpSender(suite, raw[:kl], raw[kl:kl + sl])))
out = subprocess.run(["tshark", "-r", f, "-Y", "udp && !sip", "-T", "fields", "-e", "ip.src",
                      "-e", "udp.srcport", "-e", "udp.payload"],
                     capture_output=True, text=True, check=True).stdout
res = {}
for line in out.splitlines():
    ip, port, hexp = (line.split("\t") + ["", "", ""])[:3]
    p = bytes.fromhex(hexp)
    addr = "%s:%s" % (ip, port)
    if addr not in keys or len(p) < 12 or p[0] & 0xC0 != 0x80 or 200 <= p[1] <= 204:
        continue
    seq, ssrc = struct.unpack("!H", p[2:4])[0], struct.unpack("!I", p[8:12])[0]
    ok = False
    for suite, ctx in keys[addr]:
        tl = ctx.tag_len
        if mki_len:  # AES-CM: ... MKI | tag (MKI not authenticated); AEAD: ... tag | MKI
            p = p[:-mki_len] if ctx.aead else p[:-tl - mki_len] + p[-tl:]
        for roc in (0, 1):
            if ctx.aead:
                iv = bytes(a ^ b for a, b in zip(struct.pack("!HIIH", 0, ssrc, roc, seq), ctx.k_s))
                try:
                    AESGCM(ctx.k_e).decrypt(iv, p[12:], p[:12])
                    ok = True
                except Exception:
                    pass
            else:
                tag = hmac.new(ctx.k_a, p[:-tl] + struct.pack("!I", roc), hashlib.sha1).digest()
                ok = tag[:tl] == p[-tl:]
            if ok:
                break
        if ok:
            break
    r = res.setdefault(addr, [0, 0])
    r[0] += 1
    r[1] += ok
for a, (n, ok) in sorted(res.items()):
    print("%s: %d/%d authenticated" % (a, ok, n))
