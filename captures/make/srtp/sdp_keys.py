#!/usr/bin/env python3
"""Print the SDES keys of every SDP in a pcap as srtp_check key specs, one per line:
   IP:PORT=SUITE:BASE64   (IP and PORT: the SDP's c= address and m=audio port, i.e. where
   its author sends RTP from when it uses symmetric RTP; the key is the one it sends with).
   sdp_keys.py FILE.pcap [--times]    --times adds the frame time of the SDP."""
import subprocess, sys
path, times = sys.argv[1], "--times" in sys.argv
out = subprocess.run(["tshark", "-r", path, "-Y", "sdp", "-T", "fields", "-E", "separator=\t",
                      "-e", "frame.time_relative", "-e", "sdp.connection_info.address",
                      "-e", "sdp.media.port", "-e", "sdp.media_attr"],
                     capture_output=True, text=True, check=True).stdout
seen = set()
for line in out.splitlines():
    t, addr, port, attrs = (line.split("\t") + ["", "", "", ""])[:4]
    addr, port = addr.split(",")[0], port.split(",")[0]
    for a in attrs.split(","):
        if not a.startswith("crypto:"):
            continue
        parts = a.split()
        suite, key = parts[1], parts[2].split("inline:")[1].split("|")[0]
        spec = "%s:%s=%s:%s" % (addr, port, suite, key)
        if spec not in seen:
            seen.add(spec)
            print(spec + (" %s" % t if times else ""))
