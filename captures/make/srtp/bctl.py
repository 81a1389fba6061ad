#!/usr/bin/env python3
"""Send one command to a baresip ctrl_tcp socket and print the reply.
   bctl.py PORT COMMAND [PARAMS]     e.g. bctl.py 4441 dial sip:bob@127.0.30.2"""
import json, socket, sys
port, cmd, params = int(sys.argv[1]), sys.argv[2], " ".join(sys.argv[3:])
msg = json.dumps({"command": cmd, "params": params, "token": "calltap"}).encode()
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"%d:%s," % (len(msg), msg))
s.settimeout(2)
try:
    print(s.recv(65536).decode(errors="replace"))
except socket.timeout:
    pass
s.close()
