#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A hostile QMP target for the proxy's tests: speaks QMP on the monitor fd
it is given (QEMU's wiring: "-chardev socket,id=vmjail-qmp,fd=N" among its
arguments), answers negotiation and query-qmp-schema like QEMU, answers
query-name, and on query-status sends the garbage MODE names:

  bad-json     {"return": @@@, "id": N}
  unknown-id   a reply with an id the proxy never gave
  oversize     a reply larger than 16 MiB (the default max_target_message)
  bad-event    {"event": 5, ...}
  no-greeting  its first message is not a greeting
  exit         no garbage: exits 3 on query-status (a clean exit)
  slow-greeting  no garbage: greets only 1.5 s after its start (a monitor
               that answers late, for the systemd readiness test)

  qmp-fake-target.py MODE [ARGS...]
Then it waits until it is killed (or its monitor closes)."""

import json
import os
import socket
import sys
import time


def main():
    mode = sys.argv[1]
    fd = None
    for a in sys.argv[2:]:
        for part in a.split(","):
            if part.startswith("fd="):
                fd = int(part[3:])
    s = socket.socket(fileno=fd)
    f = s.makefile("rwb", buffering=0)

    def send(obj):
        f.write(json.dumps(obj).encode() + b"\r\n")

    if mode == "no-greeting":
        send({"return": {}})
    else:
        if mode == "slow-greeting":
            time.sleep(1.5)
        send({"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 0}, "package": "fake"},
                      "capabilities": []}})
    schema = [{"name": n, "meta-type": "command", "arg-type": "0", "ret-type": "0"}
              for n in ("qmp_capabilities", "query-status", "query-name", "query-commands", "quit")]
    buf = b""
    while True:
        d = s.recv(65536)
        if not d:
            return 0
        buf += d
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if not line.strip():
                continue
            m = json.loads(line)
            cmd, i = m.get("execute"), m.get("id")
            if cmd in ("qmp_capabilities", "query-name"):
                send({"return": {}, "id": i})
            elif cmd == "query-qmp-schema":
                send({"return": schema, "id": i})
            elif cmd == "query-commands":
                send({"return": [{"name": e["name"]} for e in schema], "id": i})
            elif cmd == "query-status":
                if mode == "bad-json":
                    f.write(b'{"return": @@@, "id": %d}\r\n' % i)
                elif mode == "unknown-id":
                    send({"return": {}, "id": i + 1000})
                elif mode == "oversize":
                    send({"return": {"x": "a" * (17 << 20)}, "id": i})
                elif mode == "bad-event":
                    send({"event": 5, "timestamp": {"seconds": 0, "microseconds": 0}})
                elif mode == "exit":
                    send({"return": {"status": "running", "running": True}, "id": i})
                    time.sleep(0.2)
                    return 3
            else:
                send({"error": {"class": "CommandNotFound", "desc": "The command %s has not been found" % cmd},
                      "id": i})


if __name__ == "__main__":
    sys.exit(main())
