#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""QEMU start and boot, direct and under vmjail (driven by qemu-start.sh).

  qemu-start.py start VMJAIL RUNS ACCEL   exec -> QMP ready, interleaved
  qemu-start.py boot VMJAIL RUNS DIR      exec -> guest marker, interleaved

"QMP ready": the greeting read, qmp_capabilities and query-status
answered. Direct, QEMU serves its own monitor on a listening socket made
before its exec and passed to it (-chardev socket,fd=N,server=on, as
libvirt does), so the client connects at once and waits for the greeting;
jailed, vmjail's proxy serves it (profile qemu-system-x86_64, every layer
on), its socket also listening before the exec; "jailed-own" is the same
jail with QEMU serving its own monitor on such a socket, passed with
--keep-fd, the proxy off the client's path; "bwrap" (when installed) is
QEMU under `bwrap --unshare-all --die-with-parent --ro-bind / / --dev
/dev` (and /dev/kvm for KVM) with the same passed socket: a jail with
namespaces only, for scale. No path polls for a socket to appear (an
earlier version polled for QEMU's own socket every 0.5 ms, which delayed
and slowed the direct start; doc/benchmarks.md has both). With
VMJAIL_BASE=PATH set, "jailed-base" is "jailed" with that other build (an
older commit: a before/after in the same run). Each round runs every mode, in rotating
order. Also QEMU's RSS at QMP ready (VmRSS of the QEMU process; jailed,
plus vmjail's supervisor and init), and each start split at QEMU's exec:
direct and bwrap, when Popen returns (it waits for the exec; for bwrap,
that is bwrap's own); jailed, when vmjail's --info-fd started record
arrives (PROGRAM sends it just before its seccomp filter and execve, so
the jailed split moves up to about 0.5 ms of the jail's own work into
QEMU's share).
"""
import json, os, select, shutil, socket, statistics, subprocess, sys, tempfile, time

QEMU = ["qemu-system-x86_64", "-machine", "q35", "-display", "none", "-nodefaults", "-S"]


def connect(path, deadline):
    """The socket listens before the exec (the proxy's, or one made here):
    connect at once; a refusal means the start failed."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(max(0.1, deadline - time.monotonic()))
    s.connect(path)
    return s


def listener(path):
    """A listening unix socket at path, inheritable, for QEMU's monitor."""
    if os.path.lexists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(4)
    s.set_inheritable(True)
    return s


def read_msg(f):
    while True:
        line = f.readline()
        if not line:
            raise EOFError("QMP connection closed")
        m = json.loads(line)
        if "event" not in m:
            return m


def qmp_ready(path, deadline):
    s = connect(path, deadline)
    f = s.makefile("rwb", buffering=0)
    read_msg(f)  # greeting
    f.write(b'{"execute": "qmp_capabilities"}\n')
    assert "return" in read_msg(f)
    f.write(b'{"execute": "query-status"}\n')
    r = read_msg(f)
    assert "return" in r, r
    return s, f


def rss_kb(pid):
    try:
        for line in open("/proc/%d/status" % pid):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def read_line(fd, deadline):
    """One line from the pipe fd (vmjail writes each record whole)."""
    buf = b""
    while not buf.endswith(b"\n"):
        if not select.select([fd], [], [], max(0, deadline - time.monotonic()))[0]:
            raise TimeoutError("no --info-fd record")
        chunk = os.read(fd, 65536)
        if not chunk:
            raise EOFError("--info-fd closed")
        buf += chunk
    return buf


def start(mode, vmjail, accel, tmp):
    """One start: seconds to QMP ready, QEMU RSS, vmjail's own RSS, and
    seconds to QEMU's exec (direct: Popen returns once the exec is done;
    jailed: the --info-fd started record, sent as PROGRAM is about to exec)."""
    sock = os.path.join(tmp, "%s.qmp" % mode)
    qemu = QEMU + ["-accel", accel]
    rfd = wfd = lsock = None
    if mode == "direct":
        lsock = listener(sock)
        argv = qemu + ["-chardev", "socket,id=mon,fd=%d,server=on,wait=off" % lsock.fileno(),
                       "-mon", "chardev=mon,mode=control"]
        pass_fds = (lsock.fileno(),)
    elif mode == "bwrap":
        lsock = listener(sock)
        kvm = ["--dev-bind", "/dev/kvm", "/dev/kvm"] if accel == "kvm" else []
        argv = ["bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev"] + kvm + qemu + [
                "-chardev", "socket,id=mon,fd=%d,server=on,wait=off" % lsock.fileno(), "-mon", "chardev=mon,mode=control"]
        pass_fds = (lsock.fileno(),)
    elif mode == "jailed-own":
        rfd, wfd = os.pipe()
        lsock = listener(sock)
        n = lsock.fileno()
        argv = [vmjail, "run", "--profile", "qemu-system-x86_64", "--keep-fd", str(n),
                "--info-fd", str(wfd), "--"] + qemu + [
                "-chardev", "socket,id=mon,fd=%d,server=on,wait=off" % n, "-mon", "chardev=mon,mode=control"]
        pass_fds = (wfd, n)
    else:
        if os.path.lexists(sock):
            os.unlink(sock)
        rfd, wfd = os.pipe()
        binary = os.environ["VMJAIL_BASE"] if mode == "jailed-base" else vmjail
        argv = [binary, "run", "--profile", "qemu-system-x86_64", "--qmp", sock,
                "--info-fd", str(wfd), "--"] + qemu
        pass_fds = (wfd,)
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, pass_fds=pass_fds)
    t_exec = time.monotonic()
    if lsock is not None:
        lsock.close()  # QEMU has its copy
    rec, info = None, None
    if wfd is not None:
        # The started record comes before the monitor can answer (QEMU
        # is exec'd after it): wait for it first, then for QMP.
        os.close(wfd)
        rec = json.loads(read_line(rfd, t0 + 30))
        t_exec = time.monotonic()
        info = os.fdopen(rfd)
    s, f = qmp_ready(sock, t0 + 30)
    t = time.monotonic() - t0
    qpid, extra = p.pid, 0
    if rec is not None:
        qpid = rec["pid"]
        extra = rss_kb(rec["supervisor-pid"]) + rss_kb(rec["init-pid"])
    rss = rss_kb(qpid)
    f.write(b'{"execute": "quit"}\n')
    if info is not None:
        info.read()  # the exited record; vmjail writes it before it exits
        info.close()
    p.wait(30)
    s.close()
    if p.returncode != 0:
        sys.exit("%s: exit status %d: %s" % (mode, p.returncode, p.stderr.read().decode()))
    p.stderr.close()
    return t, rss, extra, t_exec - t0


def boot(mode, vmjail, d):
    """One guest boot (TCG): seconds from exec to the marker on the serial console."""
    append = "console=ttyS0 quiet panic=-1 vmjail.id=bench"
    if mode == "direct":
        kernel, initrd, argv = os.path.join(d, "vmlinux"), os.path.join(d, "initramfs.gz"), []
    else:
        kernel, initrd = "/boot/vmlinux", "/boot/initramfs.gz"
        argv = [vmjail, "run", "--profile", "qemu-system-x86_64",
                "--ro-bind", os.path.join(d, "vmlinux") + ":" + kernel,
                "--ro-bind", os.path.join(d, "initramfs.gz") + ":" + initrd, "--"]
    argv += ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-m", "256", "-display", "none",
             "-nodefaults", "-no-reboot", "-serial", "stdio", "-kernel", kernel, "-initrd", initrd,
             "-append", append]
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    t = None
    for line in p.stdout:
        if line.startswith(b"VMJAIL-GUEST-MARKER") and t is None:
            t = time.monotonic() - t0
    p.wait(120)
    if t is None or p.returncode != 0:
        sys.exit("%s: no marker, exit status %s" % (mode, p.returncode))
    return t


def med(v):
    return statistics.median(v)


def main():
    what, vmjail, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    modes = ("direct", "jailed", "jailed-own") if what == "start" else ("direct", "jailed")
    if what == "start" and shutil.which("bwrap"):
        modes += ("bwrap",)
    if what == "start" and os.environ.get("VMJAIL_BASE"):
        modes += ("jailed-base",)
    res = {m: [] for m in modes}
    rss = {m: [] for m in modes}
    to_exec = {m: [] for m in modes}
    extra = []
    with tempfile.TemporaryDirectory(prefix="vmjail-bench.") as tmp:
        for i in range(runs):
            k = i % len(modes)
            for mode in modes[k:] + modes[:k]:
                if what == "start":
                    t, r, x, e = start(mode, vmjail, sys.argv[4], tmp)
                    rss[mode].append(r)
                    to_exec[mode].append((e, t - e))
                    if mode != "direct":
                        extra.append(x)
                else:
                    t = boot(mode, vmjail, sys.argv[4])
                res[mode].append(t)
    d, j = med(res["direct"]), med(res["jailed"])
    unit = 1000 if what == "start" else 1
    fmt = "%.1f ms" if what == "start" else "%.2f s"
    label = "exec -> QMP ready (-accel %s)" % sys.argv[4] if what == "start" else "exec -> guest marker (TCG boot)"
    print("%s, %d interleaved runs each" % (label, runs))
    for mode in modes:
        v = sorted(res[mode])
        print("  %-10s median " % mode + fmt % (med(v) * unit) + "   min " + fmt % (v[0] * unit)
              + "   max " + fmt % (v[-1] * unit))
    print("  ratio jailed/direct (medians): %.3f" % (j / d))
    for other in ("jailed-own", "jailed-base", "bwrap"):
        if other in res:
            print("  ratio %s/direct (medians): %.3f" % (other, med(res[other]) / d))
    if what == "start":
        print("  where the time goes (medians): the start before QEMU's exec, then QEMU's own start")
        for mode in modes:
            print("  %-10s exec -> QEMU exec %5.1f ms   QEMU exec -> QMP ready %5.1f ms"
                  % (mode, med([a for a, _ in to_exec[mode]]) * 1000, med([b for _, b in to_exec[mode]]) * 1000))
        print("QEMU RSS at QMP ready: direct median %d KiB, jailed median %d KiB (ratio %.3f), "
              "jailed-own median %d KiB; vmjail's supervisor + init: median %d KiB"
              % (med(rss["direct"]), med(rss["jailed"]), med(rss["jailed"]) / med(rss["direct"]),
                 med(rss["jailed-own"]), med(extra)))


if __name__ == "__main__":
    main()
