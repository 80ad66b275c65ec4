# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers for QMP end-to-end tests: a tiny QMP client (stdlib only), QEMU
command lines, and a proxy started around a real QEMU. Reusable by the
whole-jail tests: Proxy takes the command that starts the proxy (the test
driver now, `vmjail run --qmp ...` later)."""

import array
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

QEMU = shutil.which("qemu-system-x86_64")
QEMU_ARGS = ["-machine", "q35", "-accel", "tcg", "-display", "none", "-serial", "none",
             "-monitor", "none", "-nodefaults", "-S"]
# What `vmjail run` gets: the monitor is the profile's business.
JAIL_QEMU_ARGS = ["-machine", "q35", "-accel", "tcg", "-display", "none", "-nodefaults", "-S"]


class TAP:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, desc, diag=None):
        self.n += 1
        print("%sok %d - %s" % ("" if cond else "not ", self.n, desc), flush=True)
        if not cond:
            self.failed += 1
            if diag is not None:
                for line in str(diag).splitlines():
                    print("# " + line, flush=True)
        return cond

    def skip(self, why):
        self.n += 1
        print("ok %d # SKIP %s" % (self.n, why), flush=True)

    def diag(self, msg):
        # Every line a TAP comment: logs quoted here are not TAP.
        print("\n".join("# " + l for l in str(msg).splitlines() or [""]), flush=True)

    def done(self):
        print("1..%d" % self.n, flush=True)
        return 1 if self.failed else 0


class QMP:
    """One QMP connection. Lines in, JSON objects out; events kept aside."""

    def __init__(self, path, negotiate=True, timeout=20, oob=False):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        self.events = []
        self.greeting = self.recv()
        if negotiate:
            args = {"enable": ["oob"]} if oob else {}
            r = self.cmd("qmp_capabilities", args)
            assert "return" in r, r

    def send_raw(self, data, fds=None):
        if fds:
            self.sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
        else:
            self.sock.sendall(data)

    def send(self, msg, fds=None):
        self.send_raw((json.dumps(msg) + "\n").encode(), fds)

    def recv_line(self):
        while b"\n" not in self.buf:
            d = self.sock.recv(1 << 20)
            if not d:
                raise EOFError("connection closed")
            self.buf += d
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def recv(self):
        return json.loads(self.recv_line())

    def reply(self):
        """The next message that is not an event."""
        while True:
            m = self.recv()
            if "event" in m:
                self.events.append(m)
                continue
            return m

    def cmd(self, name, args=None, id=None, fds=None, use_id=True):
        m = {"execute": name}
        if args is not None:
            m["arguments"] = args
        if use_id and id is not None:
            m["id"] = id
        self.send(m, fds)
        return self.reply()

    def closed(self, wait=10):
        """True when the proxy closed the connection (EOF or reset)."""
        self.sock.settimeout(wait)
        try:
            while True:
                d = self.sock.recv(1 << 20)
                if not d:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()


class Proxy:
    """A proxy around a QEMU it starts (tests/e2e/qmp-proxy-driver)."""

    def __init__(self, sockets, extra=None, qemu_args=None, driver=None, wait=True, program=None):
        self.dir = tempfile.mkdtemp(prefix="vmjail-qmp-")
        cfg = {"sockets": []}
        self.paths = {}
        for name, policy in sockets:
            path = os.path.join(self.dir, name + ".sock")
            self.paths[name] = path
            s = {"path": path}
            if policy is not None:
                s["policy"] = policy
            cfg["sockets"].append(s)
        cfg.update(extra or {})
        self.cfg = cfg
        driver = driver or os.environ.get("QMP_PROXY_DRIVER")
        argv = [driver, json.dumps(cfg), "--", program or QEMU] + (QEMU_ARGS if qemu_args is None else qemu_args)
        self.log = open(os.path.join(self.dir, "proxy.log"), "w+")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log)
        line = self.proc.stdout.readline().decode()
        self.qemu_pid = int(line.split()[1]) if line.startswith("pid ") else None
        if wait:
            self.proc.stdout.readline()

    def path(self, name):
        return self.paths[name]

    def stderr(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self, timeout=20):
        if self.proc.poll() is None:
            try:
                os.kill(self.qemu_pid, signal.SIGTERM)
            except (ProcessLookupError, TypeError):
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
        return self.proc.returncode


class Jail:
    """A real `vmjail run --profile qemu-system-x86_64 --qmp ...` around QEMU.
    sockets: [(name, None | "readonly")]; the first --info-fd record
    ("started") is in self.started, the target's host pid in self.qemu_pid,
    the supervisor's in self.proc.pid (vmjail itself, started here)."""

    def __init__(self, sockets, qemu_args=None, extra=None, dir=None, profile="qemu-system-x86_64", program=None):
        self.vmjail = os.environ["VMJAIL"]
        self.dir = dir or tempfile.mkdtemp(prefix="vmjail-qmpjail-")
        self.paths = {}
        argv = [self.vmjail, "run", "--profile", profile]
        for name, policy in sockets:
            path = os.path.join(self.dir, name + ".sock")
            self.paths[name] = path
            argv += ["--qmp-readonly" if policy == "readonly" else "--qmp", path]
        r, w = os.pipe()
        argv += ["--info-fd", str(w)] + (extra or []) + ["--"] + (program or [QEMU] + (qemu_args or JAIL_QEMU_ARGS))
        self.argv = argv
        self.log = open(os.path.join(self.dir, "vmjail.log"), "w+")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=self.log, pass_fds=(w,))
        os.close(w)
        self.info = os.fdopen(r, "r")
        self.started = None
        self.records = []
        line = self.info.readline()
        if line:
            self.started = json.loads(line)
            self.records.append(self.started)
        self.qemu_pid = self.started["pid"] if self.started else None

    def path(self, name):
        return self.paths[name]

    def stderr(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def is_our_qemu(self):
        """The recorded target pid still names our QEMU (never signal a
        reused pid)."""
        try:
            with open("/proc/%d/cmdline" % self.qemu_pid, "rb") as f:
                return f.read().split(b"\0")[0].endswith(b"qemu-system-x86_64")
        except (OSError, TypeError):
            return False

    def kill_target(self, sig=signal.SIGKILL):
        if self.is_our_qemu():
            os.kill(self.qemu_pid, sig)
            return True
        return False

    def wait(self, timeout=30):
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        for line in self.info:
            self.records.append(json.loads(line))
        return self.proc.returncode

    def stop(self, timeout=30):
        """SIGTERM to the supervisor (it forwards it to QEMU); SIGKILL to
        the supervisor as a last resort (the jail dies with it)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            if self.wait(timeout) is None:
                self.proc.kill()
                self.proc.wait()
        self.info.close()
        return self.proc.returncode

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_log(proc, needle, timeout=10):
    """proc's (a Proxy's or a Jail's) stderr once it holds needle, or as it
    is when timeout seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        log = proc.stderr()
        if needle in log or time.monotonic() > deadline:
            return log
        time.sleep(0.02)


def distinct_clients(path, n, rounds):
    """n clients at once on path, all using id 1 or no id; each reads back
    a value only it could have caused (an authz-simple object it created).
    Returns a list of failures."""
    failures = []
    lock = threading.Lock()
    start = threading.Barrier(n)

    def run(i):
        try:
            q = QMP(path)
            start.wait(30)
            r = q.cmd("object-add", {"qom-type": "authz-simple", "id": "a%d" % i,
                                     "identity": "client%d" % i}, id=1)
            assert "return" in r, r
            for k in range(rounds):
                use_id = k % 2 == 0
                r = q.cmd("qom-get", {"path": "/objects/a%d" % i, "property": "identity"},
                          id=1, use_id=use_id)
                assert r.get("return") == "client%d" % i, ("client %d got" % i, r)
                assert ("id" in r) == use_id and (not use_id or r["id"] == 1), r
            q.cmd("object-del", {"id": "a%d" % i}, id=1)
            q.close()
        except Exception as e:  # noqa: BLE001
            with lock:
                failures.append(repr(e))
            try:
                start.abort()
            except Exception:  # noqa: BLE001
                pass

    th = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for x in th:
        x.start()
    for x in th:
        x.join()
    return failures
