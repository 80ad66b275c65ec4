#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""QMP proxy end to end: a real QEMU behind the proxy (qmp-proxy-driver),
real unix sockets, real clients. TAP on stdout."""

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmputil import QEMU, QMP, TAP, Proxy, distinct_clients, wait_log  # noqa: E402

t = TAP()


def main():
    if not QEMU:
        t.skip("qemu-system-x86_64 is not installed")
        return t.done()
    if not os.environ.get("QMP_PROXY_DRIVER"):
        t.skip("QMP_PROXY_DRIVER not set (run through meson test)")
        return t.done()

    px = Proxy([("full", None), ("ro", "readonly"), ("nostop", {"deny": ["stop"]})],
               extra={"max_client_message": 65536, "client_buffer": 65536})
    try:
        run_main(px)
    finally:
        rc = px.stop()
        t.ok(rc == 0, "the driver exits with QEMU's status after SIGTERM (%r)" % rc)
        t.diag("proxy log:\n" + px.stderr())
    run_fd_and_exit()
    run_sockets()
    run_qsd()
    run_schema_check()
    return t.done()


def run_main(px):
    full = px.path("full")
    st = os.stat(full)
    t.ok(stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600, "socket mode 0600",
         oct(st.st_mode))

    # Greeting and negotiation.
    q = QMP(full, negotiate=False)
    g = q.greeting
    t.ok("QMP" in g and g["QMP"]["version"]["qemu"]["major"] >= 2, "greeting is QEMU's", g)
    t.ok(g["QMP"]["capabilities"] == ["oob"], "oob offered (QEMU has it, the proxy handles it)", g)
    r = q.cmd("query-status", id="early")
    t.ok(r.get("error", {}).get("class") == "CommandNotFound" and r.get("id") == "early",
         "commands before negotiation get CommandNotFound", r)
    r = q.cmd("qmp_capabilities", id={"x": [1, None]})
    t.ok(r == {"return": {}, "id": {"x": [1, None]}}, "negotiation answered, any JSON id restored", r)
    r = q.cmd("qmp_capabilities")
    t.ok(r.get("error", {}).get("class") == "CommandNotFound" and "id" not in r,
         "second negotiation refused, no id when none given", r)
    r = q.cmd("query-status")
    t.ok("return" in r and "id" not in r, "no id -> reply without id", r)

    # Malformed JSON; the connection stays usable.
    q.send_raw(b'{"execute": }\n')
    r = q.reply()
    t.ok(r.get("error", {}).get("class") == "GenericError" and
         r["error"]["desc"].startswith("JSON parse error, "), "malformed JSON gets QEMU's parse error", r)
    q.send_raw(b'{"execute": "query-sta\xff')
    r = q.reply()
    t.ok(r.get("error", {}).get("desc", "").startswith("JSON parse error"), "0xFF resets the parser", r)
    r = q.cmd("query-name", id=7)
    t.ok(r == {"return": {}, "id": 7}, "usable after bad input", r)
    q.send_raw(b"[1, 2]\n")
    r = q.reply()
    t.ok(r.get("error", {}).get("desc") == "QMP input must be a JSON object", "non-object refused", r)
    q.send_raw(b"{'execute': 'query-name', 'id': 'it\\'s'}\n")
    r = q.reply()
    t.ok(r == {"return": {}, "id": "it's"}, "single-quoted strings, as QEMU accepts them", r)
    for bad in (b'{"execute": "query-name", "arguments": {"x": NaN}, "id": 1}\n',
                b'{"execute": "query-name", "id": "a\\u0000"}\n',
                b'{"execute": "query-name", "id\\u0000": 1}\n'):
        q.send_raw(bad)
        r = q.reply()
        t.ok(r.get("error", {}).get("desc", "").startswith("JSON parse error") and "id" not in r,
             "refused before the target sees it: %r" % bad, r)
    r = q.cmd("query-status", {"bogus": 1}, id=8)
    t.ok(r.get("error", {}).get("desc") == "Parameter 'bogus' is unexpected" and r.get("id") == 8,
         "QEMU's own errors pass through with the client's id", r)
    q.send({"execute": "query-name", "extra": 1, "id": 9})
    r = q.reply()
    t.ok(r.get("error", {}).get("desc") == "QMP input member 'extra' is unexpected" and r.get("id") == 9,
         "unknown members refused as QEMU does", r)

    # Clashing ids.
    f = distinct_clients(px.path("full"), 2, 50)
    t.ok(not f, "2 clients, all id 1 or none: every reply reaches its sender", "\n".join(f))
    f = distinct_clients(px.path("full"), 20, 20)
    t.ok(not f, "20 concurrent clients, clashing and absent ids", "\n".join(f))

    # Events: to every negotiated client; none before negotiation.
    a, b = QMP(full), QMP(full)
    late = QMP(full, negotiate=False)
    r = a.cmd("cont", id="c")
    b.cmd("query-name")
    time.sleep(0.2)
    r = b.cmd("query-name")
    t.ok(any(e["event"] == "RESUME" for e in a.events) and any(e["event"] == "RESUME" for e in b.events),
         "RESUME reaches both negotiated clients", (a.events, b.events))
    late.cmd("qmp_capabilities")
    r = late.cmd("query-status", id="s")
    t.ok(not late.events and r.get("return", {}).get("running") is True,
         "a client negotiating late gets no earlier events", (late.events, r))
    a.cmd("stop")
    time.sleep(0.2)
    late.cmd("query-name")
    t.ok([e["event"] for e in late.events] == ["STOP"], "... but gets later ones", late.events)
    a.cmd("cont")

    # Policy.
    n = QMP(px.path("nostop"))
    r = n.cmd("stop", id=11)
    t.ok(r.get("id") == 11 and r.get("error", {}).get("class") == "GenericError" and
         r["error"]["desc"].endswith("denied by vmjail policy"), "denied command refused", r)
    r = n.cmd("query-status")
    t.ok(r.get("return", {}).get("running") is True, "... and never executed (still running)", r)
    r = a.cmd("human-monitor-command", {"command-line": "stop"}, id=12)
    t.ok(r.get("error", {}).get("desc", "").endswith("denied by vmjail policy"),
         "human-monitor-command denied by the default policy", r)
    r = a.cmd("migrate", {"uri": "exec:touch /tmp/vmjail-qmp-pwned"}, id=13)
    t.ok(r.get("error", {}).get("desc", "").endswith("denied by vmjail policy"), "migrate to exec: denied", r)
    r = a.cmd("query-status")
    t.ok(r.get("return", {}).get("running") is True, "VM still running", r)

    ro = QMP(px.path("ro"))
    r = ro.cmd("stop", id=1)
    t.ok(r.get("error", {}).get("desc", "").endswith("denied by vmjail policy"), "read-only: stop denied", r)
    r = ro.cmd("query-status", id=2)
    t.ok(r.get("return", {}).get("running") is True, "read-only: query-status works", r)
    r = ro.cmd("qom-list", {"path": "/"}, id=3)
    t.ok(isinstance(r.get("return"), list), "read-only: qom-list works", r)
    names = [c["name"] for c in ro.cmd("query-commands")["return"]]
    bad = [x for x in names if not (x.startswith("query-") or x.startswith("qom-") or
                                    x in ("qmp_capabilities", "trace-event-get-state"))]
    t.ok(names and not bad and "query-status" in names, "read-only: query-commands filtered", bad)
    schema = ro.cmd("query-qmp-schema")["return"]
    cmds = [e["name"] for e in schema if e["meta-type"] == "command"]
    t.ok(set(cmds) == set(names) and any(e["meta-type"] == "event" for e in schema),
         "read-only: query-qmp-schema lists the same commands (types and events kept)",
         set(cmds) ^ set(names))
    fnames = [c["name"] for c in a.cmd("query-commands")["return"]]
    t.ok("stop" in fnames and "human-monitor-command" not in fnames and "migrate" in fnames,
         "full: introspection hides unconditionally denied commands only")
    nnames = [c["name"] for c in n.cmd("query-commands")["return"]]
    t.ok("stop" not in nnames and "cont" in nnames, "custom deny list filters introspection")

    # getfd names are per client.
    r1 = a.cmd("getfd", {"fdname": "x"}, id=1, fds=[os.open("/dev/null", os.O_RDONLY)])
    r2 = b.cmd("getfd", {"fdname": "x"}, id=1, fds=[os.open("/dev/null", os.O_RDONLY)])
    t.ok(r1 == {"return": {}, "id": 1} and r2 == {"return": {}, "id": 1}, "two clients getfd 'x'", (r1, r2))
    r1 = a.cmd("closefd", {"fdname": "x"}, id=2)
    r2 = b.cmd("closefd", {"fdname": "x"}, id=2)
    r3 = a.cmd("closefd", {"fdname": "x"}, id=3)
    t.ok("return" in r1 and "return" in r2, "each closes its own 'x'", (r1, r2))
    t.ok(r3.get("error", {}).get("desc") == "File descriptor named 'x' not found",
         "errors name the client's own fd name", r3)

    # oob.
    o = QMP(full, oob=True)
    r = o.cmd("migrate-pause", id="oob")  # in-band: QEMU refuses, routed
    o.send({"exec-oob": "migrate-pause", "id": "o1"})
    r = o.reply()
    t.ok(r.get("id") == "o1" and "error" in r, "exec-oob forwarded and its reply routed", r)
    r = a.cmd("query-name", id="x")
    a.send({"exec-oob": "migrate-pause", "id": "o2"})
    r = a.reply()
    t.ok(r.get("error", {}).get("desc") == "QMP input member 'exec-oob' is unexpected",
         "exec-oob refused without oob negotiated", r)

    # Disconnect mid-command: the reply is dropped, others unaffected.
    m = QMP(full)
    m.send({"execute": "query-qmp-schema", "id": 1})
    m.close()
    r = a.cmd("query-name", id="after")
    t.ok(r == {"return": {}, "id": "after"}, "a client leaving mid-command disturbs nobody", r)

    # Oversized message: that connection closes, others keep working.
    big = QMP(full)
    try:
        big.send_raw(b'{"execute": "query-name", "arguments": {"x": "' + b"a" * 70000 + b'"}}\n')
    except OSError:
        pass
    t.ok(big.closed(), "a message over max_client_message closes the connection")
    t.ok("max_client_message" in px.stderr(), "... with a logged reason")
    r = a.cmd("query-name", id="ok")
    t.ok(r == {"return": {}, "id": "ok"}, "others keep working", r)

    # Slow reader: never reads; disconnected when its buffer fills.
    slow = QMP(full)
    slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stop = time.time() + 30
    t0 = time.time()
    worst = 0
    closed = False
    while time.time() < stop:
        try:
            slow.send({"execute": "query-qmp-schema"})
        except OSError:
            closed = True
            break
        s0 = time.time()
        a.cmd("query-name")
        worst = max(worst, time.time() - s0)
        if "does not read" in px.stderr():
            closed = True
            break
    t.ok(closed, "a client that does not read is disconnected (%.1fs)" % (time.time() - t0))
    t.ok(worst < 2.0, "... and others were never stalled (worst %.3fs)" % worst)
    slow.close()

    # Flooder: many commands at once, never reading; others stay responsive.
    fl = QMP(full)
    fl.sock.setblocking(False)
    payload = b'{"execute": "query-status"}\n' * 2000
    sent_total = 0
    lat = []
    for _ in range(50):
        try:
            sent_total += fl.sock.send(payload)
        except (BlockingIOError, OSError):
            pass
        s0 = time.time()
        a.cmd("query-name")
        lat.append(time.time() - s0)
    lat.sort()
    t.ok(lat[-1] < 2.0, "a flooding client does not starve others (max %.3fs over %d bytes flooded)" %
         (lat[-1], sent_total))
    fl.close()
    r = a.cmd("query-status", id="end")
    t.ok(r.get("return", {}).get("running") is True, "proxy healthy after the hostile clients", r)

    # An off-the-shelf client: socat.
    if subprocess.call(["sh", "-c", "command -v socat >/dev/null"]) == 0:
        script = ('(echo \'{"execute":"qmp_capabilities"}\'; echo \'{"execute":"query-status","id":"socat"}\'; '
                  'sleep 1) | socat -t 2 - UNIX-CONNECT:%s' % full)
        out = subprocess.run(["sh", "-c", script], capture_output=True, timeout=30).stdout.decode()
        lines = [json.loads(x) for x in out.splitlines() if x.strip()]
        t.ok(len(lines) >= 3 and "QMP" in lines[0] and any(x.get("id") == "socat" and "return" in x for x in lines),
             "socat works unchanged against the proxy", out)
    else:
        t.skip("socat is not installed")

    # vmjail qmp, single shot.
    client = os.environ.get("QMP_CLIENT")
    if client:
        res = subprocess.run([client, full, "query-status"], capture_output=True, timeout=30)
        out = res.stdout.decode()
        t.ok(res.returncode == 0 and json.loads(out).get("running") is True,
             "vmjail qmp PATH query-status prints the return value", (res.returncode, out, res.stderr))
        res = subprocess.run([client, px.path("ro"), "stop"], capture_output=True, timeout=30)
        t.ok(res.returncode == 1 and b"denied by vmjail policy" in res.stdout + res.stderr,
             "vmjail qmp: a QMP error exits 1", (res.returncode, res.stdout, res.stderr))
        res = subprocess.run([client, full, "qom-get", '{"path": "/machine", "property": "type"}'],
                             capture_output=True, timeout=30)
        t.ok(res.returncode == 0 and "q35" in res.stdout.decode(), "vmjail qmp with JSON arguments",
             (res.returncode, res.stdout, res.stderr))
        res = subprocess.run([client, "/nonexistent/sock", "query-status"], capture_output=True, timeout=30)
        t.ok(res.returncode == 125, "vmjail qmp: connection problems exit 125", res.returncode)
        res = subprocess.run([client, full], input=b'query-name\nquery-status {}\nbogus-cmd\n',
                             capture_output=True, timeout=30)
        out = res.stdout.decode()
        t.ok(res.returncode == 0 and "running" in out and "CommandNotFound" in out,
             "vmjail qmp shell reads commands from stdin", (res.returncode, out, res.stderr))
    else:
        t.skip("QMP_CLIENT not set")
    for c in (q, a, b, late, n, ro, o):
        c.close()


def run_fd_and_exit():
    px = Proxy([("full", None)])
    try:
        a = QMP(px.path("full"))
        fd, path = tempfile.mkstemp()
        os.write(fd, b"\0" * 65536)
        r = a.cmd("add-fd", {"opaque": "disk"}, id="add", fds=[fd])
        os.close(fd)
        ok = t.ok("return" in r and "fdset-id" in r["return"], "add-fd through the proxy (SCM_RIGHTS)", r)
        if ok:
            fs = r["return"]["fdset-id"]
            sets = a.cmd("query-fdsets")["return"]
            t.ok(any(s["fdset-id"] == fs and s["fds"][0].get("opaque") == "disk" for s in sets),
                 "query-fdsets shows it", sets)
            r = a.cmd("blockdev-add", {"driver": "file", "filename": "/dev/fdset/%d" % fs,
                                       "node-name": "fdnode", "read-only": False}, id="bd")
            t.ok(r == {"return": {}, "id": "bd"}, "blockdev-add uses /dev/fdset/N", r)
            nodes = a.cmd("query-named-block-nodes")["return"]
            t.ok(any(x["node-name"] == "fdnode" for x in nodes), "the node exists")
        os.unlink(path)
        r = a.cmd("getfd", {"fdname": "nofd"}, id="g")
        t.ok(r.get("error", {}).get("desc") == "No file descriptor supplied via SCM_RIGHTS",
             "getfd without an fd: QEMU's error", r)
        # An fd QEMU received but never used (the command failed before
        # taking it) must not become another client's.
        c2 = QMP(px.path("full"))
        r = a.cmd("getfd", {}, id="bad", fds=[os.open("/dev/null", os.O_RDONLY)])
        t.ok("error" in r, "getfd with an fd but no name fails in QEMU (the fd stays there)", r)
        r = c2.cmd("getfd", {"fdname": "stolen"}, id="steal")
        t.ok(r.get("error", {}).get("desc") == "No file descriptor supplied via SCM_RIGHTS",
             "another client's fd-less getfd does not get that fd", r)
        r = c2.cmd("add-fd", {}, id="steal2")
        t.ok(r.get("error", {}).get("desc") == "No file descriptor supplied via SCM_RIGHTS",
             "... nor does an fd-less add-fd", r)
        c2.close()

        # The target killed: clients closed, status 137, sockets removed.
        b = QMP(px.path("full"))
        os.kill(px.qemu_pid, signal.SIGKILL)
        t.ok(a.closed() and b.closed(), "target SIGKILLed: clients closed")
        px.proc.wait(20)
        t.ok(px.proc.returncode == 137, "driver exit status 137 (%r)" % px.proc.returncode)
        t.ok(not os.path.exists(px.path("full")), "socket removed")
    finally:
        px.stop()


def run_sockets():
    d = tempfile.mkdtemp(prefix="vmjail-qmp-")
    path = os.path.join(d, "stale.sock")
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)
    s.close()  # a stale socket file nobody listens on
    drv = os.environ["QMP_PROXY_DRIVER"]
    cfg = json.dumps({"sockets": [{"path": path, "mode": "0660"}]})
    p = subprocess.Popen([drv, cfg, "--", QEMU] + __import__("qmputil").QEMU_ARGS,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = p.stdout.readline().decode()
    p.stdout.readline()
    ok = line.startswith("pid ")
    if ok:
        q = QMP(path)
        t.ok(q.cmd("query-name").get("return") == {}, "a stale socket is replaced")
        t.ok(stat.S_IMODE(os.stat(path).st_mode) == 0o660, "mode from the plan (0660)")
        p2 = subprocess.run([drv, cfg, "--", "true"], capture_output=True, timeout=30)
        t.ok(p2.returncode == 125 and b"in use" in p2.stderr, "a live socket is not replaced",
             (p2.returncode, p2.stderr))
        q.close()
        os.kill(int(line.split()[1]), signal.SIGTERM)
    else:
        t.ok(False, "a stale socket is replaced", p.stderr.read())
    p.wait(20)
    t.ok(not os.path.exists(path), "socket unlinked at the end")
    os.rmdir(d)


def run_schema_check():
    """Rule names are checked against the target's query-qmp-schema."""
    px = Proxy([("full", {"deny": ["stopp", "query-*", {"command": "migrat?", "arguments": {"uri": "x*"}}]})],
               extra={"deny": ["no-such-command"]})
    try:
        q = QMP(px.path("full"))
        # The check goes up behind the first command the target answers.
        q.cmd("qom-list", {"path": "/"})
        log = wait_log(px, '"no-such-command" matches no command')
        t.ok('"stopp" matches no command of the target' in log and '"no-such-command" matches no command' in log,
             "schema check: rules naming no command are reported", log)
        t.ok('"query-*"' not in log and '"migrat?"' not in log and "human-monitor-command" not in log,
             "... globs that match, and the built-in lists, are not", log)
        r = q.cmd("stop", id=1)
        t.ok(r.get("return") == {}, "... and the jail serves on (schema_check \"warn\")", r)
        q.close()
    finally:
        px.stop()
    # No client command at all: the check still runs, shortly after start.
    px = Proxy([("full", {"deny": ["stopp"]})])
    try:
        log = wait_log(px, '"stopp" matches no command')
        t.ok('"stopp" matches no command of the target' in log,
             "schema check: with no client command, it runs shortly after start", log)
    finally:
        px.stop()
    px = Proxy([("full", {"deny": ["stopp"]})], extra={"schema_check": "error"}, wait=False)
    try:
        px.proc.wait(30)
        t.ok(px.proc.returncode == 137 and "names commands the target does not have" in px.stderr(),
             "schema_check \"error\": the target is ended (%r)" % px.proc.returncode, px.stderr())
    finally:
        px.stop()


def run_qsd():
    """qemu-storage-daemon behind the proxy: wiring "qemu-storage-daemon"
    (--chardev socket,fd=N --monitor chardev=...)."""
    qsd = shutil.which("qemu-storage-daemon")
    if not qsd:
        t.skip("qemu-storage-daemon is not installed")
        return
    px = Proxy([("full", None)], extra={"wiring": "qemu-storage-daemon"}, qemu_args=[], program=qsd)
    try:
        q = QMP(px.path("full"))
        t.ok(q.greeting["QMP"]["version"]["qemu"]["major"] >= 5, "qemu-storage-daemon greets through the proxy",
             q.greeting)
        r = q.cmd("blockdev-add", {"driver": "null-co", "node-name": "n0"}, id="b")
        t.ok(r == {"return": {}, "id": "b"}, "qemu-storage-daemon: blockdev-add", r)
        r = q.cmd("quit", id="q")
        t.ok(r == {"return": {}, "id": "q"} and q.closed(), "quit, then closed", r)
        px.proc.wait(20)
        t.ok(px.proc.returncode == 0, "driver exits 0 with the daemon (%r)" % px.proc.returncode)
    finally:
        px.stop()


if __name__ == "__main__":
    sys.exit(main())
