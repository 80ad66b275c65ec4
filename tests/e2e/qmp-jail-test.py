#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The QMP proxy inside the real jail: `vmjail run --profile
qemu-system-x86_64 --qmp PATH [--qmp-readonly PATH2] -- qemu-system-x86_64
...`, real sockets, real clients, the supervisor's exit status. TAP on
stdout. Needs VMJAIL (meson test sets it) and root (the jail's
namespaces); prints SKIP otherwise.

Signals go only to processes this test started: the supervisor (our
child) and the target, whose host pid comes from the --info-fd "started"
record and is checked against /proc/PID/cmdline first."""

import json
import os
import pty
import select
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmputil import JAIL_QEMU_ARGS, QEMU, QMP, TAP, Jail, distinct_clients, wait_log  # noqa: E402

t = TAP()


def diag_failed(j, what):
    t.diag("%s; vmjail log:\n%s" % (what, j.stderr()))


def start(sockets, **kw):
    j = Jail(sockets, **kw)
    if not j.started:
        rc = j.wait(30)
        t.ok(False, "vmjail run starts (%r)" % rc, j.stderr())
        return None
    return j


def main_jail():
    j = start([("full", None), ("ro", "readonly")])
    if not j:
        return
    try:
        run_main(j)
    finally:
        rc = j.stop()
        t.ok(rc == 0, "SIGTERM to the supervisor reaches QEMU, which exits 0 (%r)" % rc)
        t.ok(not os.path.exists(j.path("full")) and not os.path.exists(j.path("ro")),
             "sockets removed at the end")
        if t.failed:
            diag_failed(j, "main jail")
        j.cleanup()


def run_main(j):
    rec = j.started
    qrec = rec.get("qmp", {})
    t.ok([s["path"] for s in qrec.get("sockets", [])] == [j.path("full"), j.path("ro")] and
         [s["policy"] for s in qrec["sockets"]] == ["full", "readonly"],
         "the started record lists the sockets and their policies", qrec)
    full = j.path("full")
    q = QMP(full, negotiate=False)
    t.ok("QMP" in q.greeting and q.greeting["QMP"]["capabilities"] == ["oob"], "greeting through the jail",
         q.greeting)
    # The record is written when the jail starts, maybe before QEMU's execve;
    # after the greeting the pid surely runs QEMU.
    t.ok(j.is_our_qemu(), "the started record's pid is the target (QEMU, host pid %r)" % j.qemu_pid)
    for name in ("full", "ro"):
        st = os.stat(j.path(name))
        t.ok(stat.S_ISSOCK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == os.getuid(),
             "%s: a socket, mode 0600, ours" % name, oct(st.st_mode))
    try:
        with open("/proc/%d/cmdline" % j.qemu_pid, "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        argv = []
    t.ok(b"-chardev" in argv and any(a.startswith(b"socket,id=vmjail-qmp,fd=") for a in argv) and
         b"chardev=vmjail-qmp,mode=control" in argv and not any(a.endswith(b".sock") for a in argv),
         "QEMU's monitor is an inherited fd (-chardev socket,fd=N), no path in the jail", argv)

    r = q.cmd("query-status", id="early")
    t.ok(r.get("error", {}).get("class") == "CommandNotFound", "commands before negotiation: CommandNotFound", r)
    r = q.cmd("qmp_capabilities", id=1)
    t.ok(r == {"return": {}, "id": 1}, "negotiation", r)
    r = q.cmd("query-status", id=[1, "x"])
    t.ok(r.get("return", {}).get("status") == "prelaunch" and r.get("id") == [1, "x"],
         "query-status with a JSON id, restored", r)

    f = distinct_clients(full, 2, 50)
    t.ok(not f, "2 concurrent clients through the jail, ids all 1 or absent: replies to their senders",
         "\n".join(f))
    f = distinct_clients(full, 20, 20)
    t.ok(not f, "20 concurrent clients through the jail, clashing and absent ids", "\n".join(f))

    # Events to every negotiated client; none from before negotiation.
    a, b = QMP(full), QMP(full)
    late = QMP(full, negotiate=False)
    a.cmd("cont")
    time.sleep(0.3)
    b.cmd("query-name")
    t.ok(any(e["event"] == "RESUME" for e in a.events) and any(e["event"] == "RESUME" for e in b.events),
         "RESUME reaches both clients", (a.events, b.events))
    late.cmd("qmp_capabilities")
    late.cmd("query-name")
    t.ok(not late.events, "a client negotiating late gets no earlier events", late.events)

    # Policy, the target's state as the witness.
    ro = QMP(j.path("ro"))
    r = ro.cmd("stop", id="ro")
    t.ok(r.get("id") == "ro" and r.get("error", {}).get("class") == "GenericError" and
         r["error"]["desc"] == "The command stop has been denied by vmjail policy",
         "read-only socket: stop denied", r)
    r = ro.cmd("query-status")
    t.ok(r.get("return", {}).get("running") is True, "... and never executed (still running)", r)
    names = [c["name"] for c in ro.cmd("query-commands")["return"]]
    t.ok("query-status" in names and "stop" not in names and "cont" not in names,
         "read-only: query-commands filtered (%d commands)" % len(names))
    r = a.cmd("human-monitor-command", {"command-line": "stop"}, id=2)
    t.ok(r.get("error", {}).get("desc", "").endswith("denied by vmjail policy"),
         "full socket: human-monitor-command denied by the default policy", r)
    r = a.cmd("migrate", {"uri": "exec:touch /tmp/pwned"}, id=3)
    t.ok(r.get("error", {}).get("desc", "").endswith("denied by vmjail policy"), "full: migrate to exec: denied", r)
    r = a.cmd("query-status")
    t.ok(r.get("return", {}).get("running") is True, "VM still running", r)

    # fd passing into the jail: add-fd, then the fdset in a command.
    fd, tmp = tempfile.mkstemp(dir=j.dir)
    os.write(fd, b"\0" * 65536)
    r = a.cmd("add-fd", {"opaque": "disk"}, id="add", fds=[fd])
    os.close(fd)
    os.unlink(tmp)
    if t.ok("return" in r and "fdset-id" in r["return"], "add-fd through the jail (SCM_RIGHTS)", r):
        fs = r["return"]["fdset-id"]
        r = a.cmd("blockdev-add", {"driver": "file", "filename": "/dev/fdset/%d" % fs,
                                   "node-name": "fdnode", "read-only": False}, id="bd")
        t.ok(r == {"return": {}, "id": "bd"}, "blockdev-add on /dev/fdset/N (a file the jail cannot see)", r)
    r1 = a.cmd("getfd", {"fdname": "x"}, id=1, fds=[os.open("/dev/null", os.O_RDONLY)])
    r2 = b.cmd("getfd", {"fdname": "x"}, id=1, fds=[os.open("/dev/null", os.O_RDONLY)])
    r3 = a.cmd("closefd", {"fdname": "x"})
    r4 = b.cmd("closefd", {"fdname": "x"})
    t.ok(all("return" in x for x in (r1, r2, r3, r4)), "getfd names are per client", (r1, r2, r3, r4))

    # Off-the-shelf: socat scripting.
    if subprocess.call(["sh", "-c", "command -v socat >/dev/null"]) == 0:
        script = ('(echo \'{"execute":"qmp_capabilities"}\'; echo \'{"execute":"query-status","id":"socat"}\'; '
                  'sleep 1) | socat -t 2 - UNIX-CONNECT:%s' % full)
        out = subprocess.run(["sh", "-c", script], capture_output=True, timeout=30).stdout.decode()
        lines = [json.loads(x) for x in out.splitlines() if x.strip()]
        t.ok(len(lines) >= 3 and "QMP" in lines[0] and
             any(x.get("id") == "socat" and x.get("return", {}).get("running") is True for x in lines),
             "socat scripting works unchanged through the jail", out)
    else:
        t.skip("socat is not installed")

    # vmjail qmp, single shot.
    res = subprocess.run([j.vmjail, "qmp", full, "query-status"], capture_output=True, timeout=30)
    try:
        out = json.loads(res.stdout)
    except ValueError:
        out = None
    t.ok(res.returncode == 0 and isinstance(out, dict) and out.get("running") is True,
         "vmjail qmp PATH query-status prints the return value, exit 0", (res.returncode, res.stdout, res.stderr))
    res = subprocess.run([j.vmjail, "qmp", j.path("ro"), "stop"], capture_output=True, timeout=30)
    try:
        out = json.loads(res.stdout)
    except ValueError:
        out = None
    t.ok(res.returncode == 1 and isinstance(out, dict) and out.get("class") == "GenericError",
         "vmjail qmp: a QMP error is printed, exit 1", (res.returncode, res.stdout, res.stderr))
    res = subprocess.run([j.vmjail, "qmp", j.started["id"], "query-status"], capture_output=True, timeout=30)
    t.ok(res.returncode == 0 and b"running" in res.stdout,
         "vmjail qmp ID: the jail's id stands for its first QMP socket", (res.returncode, res.stdout, res.stderr))
    res = subprocess.run([j.vmjail, "qmp", full, "bogus-command"], capture_output=True, timeout=30)
    t.ok(res.returncode == 1 and b"CommandNotFound" in res.stdout, "vmjail qmp: CommandNotFound, exit 1",
         (res.returncode, res.stdout, res.stderr))
    shell_completion(j)
    for c in (q, a, b, late, ro):
        c.close()


def tty_shell(vmjail, path):
    """`vmjail qmp PATH` on a terminal (a pty): a started session whose
    output is read with expect(); send() types."""
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execv(vmjail, [vmjail, "qmp", path])
        finally:
            os._exit(127)

    class S:
        out = b""

        def expect(self, what, timeout=10):
            end = time.time() + timeout
            while what not in self.out and time.time() < end:
                r, _, _ = select.select([fd], [], [], 0.2)
                if r:
                    try:
                        d = os.read(fd, 65536)
                    except OSError:
                        break
                    if not d:
                        break
                    self.out += d
            return what in self.out

        def send(self, b):
            os.write(fd, b)

        def end(self):
            self.send(b"\x04")
            end = time.time() + 10
            while time.time() < end:
                p, st = os.waitpid(pid, os.WNOHANG)
                if p:
                    os.close(fd)
                    return os.waitstatus_to_exitcode(st)
                self.expect(b"\0", 0.1)
                time.sleep(0.02)
            os.kill(pid, signal.SIGKILL)  # our child
            os.waitpid(pid, 0)
            os.close(fd)
            return None
    return S()


def shell_completion(j):
    s = tty_shell(j.vmjail, j.path("full"))
    t.ok(s.expect(b"(QMP) "), "vmjail qmp shell on a terminal: a prompt", s.out)
    time.sleep(0.3)  # the names come from query-commands
    s.send(b"query-statu\t")
    t.ok(s.expect(b"(QMP) query-status "), "Tab completes a command name", s.out[-200:])
    s.send(b"\r")
    t.ok(s.expect(b'"running"'), "Enter runs it; the reply is printed", s.out[-300:])
    rc = s.end()
    t.ok(rc == 0, "Ctrl-D ends the shell, exit 0 (%r)" % rc, s.out[-400:])
    s = tty_shell(j.vmjail, j.path("ro"))
    s.expect(b"(QMP) ")
    time.sleep(0.3)
    s.send(b"qom-l\t")
    ok = s.expect(b"(QMP) qom-list")
    s.send(b"\t")
    ok = ok and s.expect(b"qom-list-types")
    s.send(b"\x15sto\t")
    time.sleep(0.3)
    s.expect(b"\0", 0.3)
    tail = s.out.rsplit(b"(QMP) ", 1)[-1]
    t.ok(ok and b"qom-list-properties" not in s.out and not tail.startswith(b"stop"),
         "read-only socket: completion offers only what the policy allows", s.out[-300:])
    s.end()


def kill_target():
    """The target SIGKILLed: clients closed, exit 137, sockets removed."""
    j = start([("full", None), ("ro", "readonly")])
    if not j:
        return
    try:
        a, b, r = QMP(j.path("full")), QMP(j.path("full")), QMP(j.path("ro"))
        t.ok(a.cmd("query-status").get("return") is not None, "clients connected")
        killed = j.kill_target()
        t.ok(killed, "SIGKILL to the target (host pid %r from --info-fd)" % j.qemu_pid)
        t.ok(a.closed() and b.closed() and r.closed(), "target SIGKILLed: every client's connection closed")
        rc = j.wait(30)
        t.ok(rc == 137, "supervisor exit status 137 (%r)" % rc)
        ex = [x for x in j.records if x.get("event") == "exited"]
        t.ok(ex and ex[0].get("exit-code") == 137 and ex[0].get("signal") == 9, "the exited record says SIGKILL",
             ex)
        t.ok(not os.path.exists(j.path("full")) and not os.path.exists(j.path("ro")), "sockets removed")
    finally:
        if t.failed:
            diag_failed(j, "kill target")
        j.cleanup()


def quit_target():
    """QEMU quits on request: SHUTDOWN delivered, then closed, exit 0."""
    j = start([("full", None)])
    if not j:
        return
    try:
        a, b = QMP(j.path("full")), QMP(j.path("full"))
        r = a.cmd("quit", id="q")
        t.ok(r == {"return": {}, "id": "q"}, "quit answered", r)
        t.ok(b.closed(), "the other client is closed after the end")
        shut = [e for e in a.events + b.events if e.get("event") == "SHUTDOWN"]
        t.ok(len(shut) >= 1, "the final SHUTDOWN event reached the clients", (a.events, b.events))
        rc = j.wait(30)
        t.ok(rc == 0, "supervisor exits with QEMU's status 0 (%r)" % rc)
    finally:
        j.cleanup()


def stale_socket():
    """A run whose supervisor was SIGKILLed leaves its socket file behind;
    the next run replaces it. A socket somebody listens on is never
    replaced."""
    d = tempfile.mkdtemp(prefix="vmjail-qmpjail-")
    j = start([("full", None)], dir=d)
    if not j:
        return
    path = j.path("full")
    QMP(path).close()
    j.proc.kill()  # the supervisor, our child; the jail dies with it
    j.proc.wait()
    deadline = time.time() + 20
    while j.is_our_qemu() and time.time() < deadline:
        time.sleep(0.1)
    t.ok(not j.is_our_qemu(), "the jail died with its SIGKILLed supervisor")
    t.ok(os.path.exists(path) and stat.S_ISSOCK(os.lstat(path).st_mode), "a stale socket file is left behind")
    j.info.close()
    j2 = start([("full", None)], dir=d)
    if not j2:
        return
    try:
        q = QMP(path)
        t.ok(q.cmd("query-name").get("return") == {}, "the next run replaced the stale socket and serves on it")
        res = subprocess.run([j2.vmjail, "run", "--profile", "qemu-system-x86_64", "--qmp", path, "--", QEMU] +
                             JAIL_QEMU_ARGS, capture_output=True, timeout=60)
        t.ok(res.returncode == 125 and b"in use" in res.stderr, "a live socket is not replaced (exit 125)",
             (res.returncode, res.stderr))
        r = q.cmd("query-name")
        t.ok(r.get("return") == {}, "... and the live jail keeps serving", r)
        q.close()
    finally:
        j2.cleanup()


def socket_mode():
    j = start([("full", None)], extra=["--qmp-mode", "0660", "--qmp-owner", "65534:65533",
                                       "--qmp-deny", "no-such-command", "--qmp-deny", "stop"])
    if not j:
        return
    try:
        st = os.stat(j.path("full"))
        t.ok(stat.S_IMODE(st.st_mode) == 0o660, "--qmp-mode 0660 overrides the 0600 default")
        t.ok((st.st_uid, st.st_gid) == (65534, 65533), "--qmp-owner 65534:65533", (st.st_uid, st.st_gid))
        q = QMP(j.path("full"))
        r = q.cmd("stop", id=1)
        t.ok(r.get("error", {}).get("desc", "").endswith("denied by vmjail policy"), "--qmp-deny stop", r)
        q.close()
        log = wait_log(j, '"no-such-command" matches no command')
        t.ok('"no-such-command" matches no command of the target' in log and '"stop" matches' not in log,
             "--qmp-deny naming no command of this QEMU is reported", log)
    finally:
        j.cleanup()


def hostile_target():
    """A target that speaks garbage on its monitor (tests/e2e/qmp-fake-target.py
    under the generic profile): the garbage is never forwarded, the clients
    are closed, the jail ends, the sockets go."""
    fake = os.path.join(os.path.dirname(os.path.abspath(__file__)), "qmp-fake-target.py")
    py = "/usr/bin/python3"
    if not os.access(py, os.X_OK):
        t.skip("no /usr/bin/python3 for the fake target")
        return
    here = os.path.dirname(fake)
    for mode, why in (("bad-json", "invalid JSON"), ("unknown-id", "a QMP reply to no command"),
                      ("oversize", "larger than 16777216 bytes"), ("bad-event", "malformed QMP event"),
                      ("no-greeting", "not a greeting")):
        extra = ["--ro-bind", here]
        j = start([("full", None)], profile="generic", extra=extra, program=[py, fake, mode])
        if not j:
            continue
        try:
            got = None
            if mode != "no-greeting":
                a = QMP(j.path("full"))
                b = QMP(j.path("full"))
                b.send({"execute": "query-status", "id": "g"})
                try:
                    got = b.recv()
                except (EOFError, OSError, ValueError):
                    got = None
                t.ok(got is None and a.closed(), "%s: nothing forwarded, clients closed" % mode, got)
            rc = j.wait(30)
            log = j.stderr()
            t.ok(rc not in (None, 0) and "ending the jail" in log and why in log,
                 "%s: the jail ends, the reason logged (exit %r)" % (mode, rc), log)
            t.ok(not os.path.exists(j.path("full")), "%s: socket removed" % mode)
        finally:
            j.cleanup()
    # A target that exits on its own: its status passes through.
    j = start([("full", None)], profile="generic", extra=["--ro-bind", here], program=[py, fake, "exit"])
    if j:
        try:
            a = QMP(j.path("full"))
            r = a.cmd("query-status", id=1)
            t.ok(r.get("return", {}).get("running") is True and a.closed(), "fake target: reply, then closed")
            rc = j.wait(30)
            t.ok(rc == 3, "the supervisor exits with the target's status 3 (%r)" % rc)
        finally:
            j.cleanup()


def notify_ready():
    """systemd readiness (Type=notify) for a QMP target: READY=1 goes to
    NOTIFY_SOCKET when the monitor answers, not when PROGRAM starts. The
    fake target greets 1.5 s after its start; READY=1 must come after
    that, and a client then gets served at once."""
    fake = os.path.join(os.path.dirname(os.path.abspath(__file__)), "qmp-fake-target.py")
    py = "/usr/bin/python3"
    if not os.access(py, os.X_OK):
        t.skip("no /usr/bin/python3 for the fake target")
        return
    d = tempfile.mkdtemp(prefix="vmjail-notify-")
    ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    ns.bind(os.path.join(d, "notify"))
    old = os.environ.get("NOTIFY_SOCKET")
    os.environ["NOTIFY_SOCKET"] = os.path.join(d, "notify")
    try:
        j = start([("full", None)], profile="generic", extra=["--ro-bind", os.path.dirname(fake)],
                  program=[py, fake, "slow-greeting"])
    finally:
        if old is None:
            del os.environ["NOTIFY_SOCKET"]
        else:
            os.environ["NOTIFY_SOCKET"] = old
    if not j:
        ns.close()
        return
    try:
        started = time.monotonic()
        msgs, ready_at = [], None
        ns.settimeout(10)
        while ready_at is None:
            try:
                m = ns.recv(4096).decode()
            except socket.timeout:
                break
            msgs.append(m)
            if "READY=1" in m.split("\n"):
                ready_at = time.monotonic()
        t.ok(ready_at is not None and ready_at - started >= 1.2,
             "READY=1 only once the monitor answers (%s s after PROGRAM started)"
             % (None if ready_at is None else round(ready_at - started, 2)), "%r\n%s" % (msgs, j.stderr()))
        if ready_at is not None:
            a = QMP(j.path("full"))
            t0 = time.monotonic()
            r = a.cmd("query-name", id=1)
            t.ok("return" in r and time.monotonic() - t0 < 1.0, "after READY=1 a client is served at once", r)
    finally:
        j.stop()
        j.cleanup()
        ns.close()
        import shutil
        shutil.rmtree(d, ignore_errors=True)


def storage_daemon():
    """qemu-storage-daemon under its profile (wiring "qemu-storage-daemon")."""
    import shutil
    qsd = shutil.which("qemu-storage-daemon")
    if not qsd:
        t.skip("qemu-storage-daemon is not installed")
        return
    j = start([("full", None)], profile="qemu-storage-daemon", program=[qsd])
    if not j:
        return
    try:
        q = QMP(j.path("full"))
        r = q.cmd("blockdev-add", {"driver": "null-co", "node-name": "n0"}, id=1)
        t.ok(r == {"return": {}, "id": 1}, "qemu-storage-daemon in the jail: blockdev-add through the proxy", r)
        r = q.cmd("quit", id=2)
        t.ok(r == {"return": {}, "id": 2} and q.closed(), "quit, then closed", r)
        rc = j.wait(30)
        t.ok(rc == 0 and not os.path.exists(j.path("full")), "exit 0, socket removed (%r)" % rc, j.stderr())
    finally:
        j.cleanup()


def kvm():
    """QEMU with -accel kvm in the jail answers QMP (guests are not run)."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        t.skip("/dev/kvm is not usable here")
        return
    args = ["-machine", "q35", "-accel", "kvm", "-display", "none", "-nodefaults", "-S"]
    j = start([("full", None)], qemu_args=args)
    if not j:
        return
    try:
        q = QMP(j.path("full"))
        r = q.cmd("query-kvm")
        t.ok(r.get("return") == {"enabled": True, "present": True}, "-accel kvm in the jail: query-kvm", r)
        q.close()
    except (OSError, EOFError) as e:
        t.ok(False, "-accel kvm in the jail answers QMP", "%r\n%s" % (e, j.stderr()))
    finally:
        j.cleanup()


def main():
    if not QEMU:
        t.skip("qemu-system-x86_64 is not installed")
        return t.done()
    if not os.environ.get("VMJAIL"):
        t.skip("VMJAIL not set (run through meson test)")
        return t.done()
    if os.geteuid() != 0:
        t.skip("needs root (the jail's namespaces and cgroup)")
        return t.done()
    # A private state root: the jails this test kills on purpose are
    # collected (state, cgroups, sockets) by `vmjail gc` at the end.
    import shutil, tempfile
    state = tempfile.mkdtemp(prefix="vmjail-qmpjail-state.")
    os.environ["VMJAIL_STATE_DIR"] = state
    try:
        main_jail()
        kill_target()
        quit_target()
        stale_socket()
        socket_mode()
        hostile_target()
        notify_ready()
        storage_daemon()
        kvm()
    finally:
        gc = subprocess.run([os.environ["VMJAIL"], "gc"], capture_output=True, text=True)
        listed = subprocess.run([os.environ["VMJAIL"], "list", "--json"], capture_output=True, text=True)
        t.ok(gc.returncode == 0 and json.loads(listed.stdout or "[]") in ([], {"jails": []}),
             "vmjail gc leaves no jail of this test behind", gc.stderr + listed.stdout)
        shutil.rmtree(state, ignore_errors=True)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
