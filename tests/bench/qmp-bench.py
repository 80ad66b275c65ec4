#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""QMP proxy benchmark (not a test): query-status round trips to one QEMU,
in one run (taken in turn: direct, socat, proxy, direct, ...),
  direct   to a QMP socket QEMU itself serves (-qmp unix:...),
  socat    through `socat UNIX-LISTEN:...,fork UNIX-CONNECT:<QEMU's socket>`,
  proxy    through vmjail's proxy: `vmjail run --profile qemu-system-x86_64
           --qmp PATH`, the real supervisor,
all three against the same QEMU: the jailed one (its extra monitors are
sockets in a directory bound into the jail), so the numbers differ only by
the path the bytes take. Then 8 clients at once on each (8 monitors for
direct and socat - QEMU serves one client per monitor - and one proxy
socket). Then memory: the supervisor's RSS (its pid from --info-fd) idle,
after the runs, and with N idle negotiated clients (right after they
negotiated, and again once the supervisor has trimmed its memory after a
quiet period, see jailer/trim.c); socat's likewise (its
listener plus one forked process per connection).

  tests/bench/qmp-bench.py BUILD-DIR [-n 20000] [--idle 100] [--json FILE]

Needs root (the jail), qemu-system-x86_64, socat. Prints a table and one
JSON object; tests/bench/qmp-load.c does the round trips.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

QEMU = shutil.which("qemu-system-x86_64")
SOCAT = shutil.which("socat")
N_CONC = 8


QUIET_TRIM_S = 12


def rss_kb(pid):
    """VmRSS (with the shared libraries' pages), RssAnon (the process's
    own), Pss (shared pages divided among their users), in KiB."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k = line.split(":")[0]
            if k in ("VmRSS", "RssAnon"):
                out[k] = int(line.split()[1])
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                out["Pss"] = int(line.split()[1])
    return out


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def rss_sum(pids):
    tot = {}
    for p in pids:
        for k, v in rss_kb(p).items():
            tot[k] = tot.get(k, 0) + v
    return tot


def rss_delta(after, before, n):
    return {k: round((after[k] - before[k]) / n, 1) for k in after}


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def wait_socket(path, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if os.path.exists(path):
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(path)
                return True
            except OSError:
                pass
            finally:
                s.close()
        time.sleep(0.05)
    return False


def load(tool, n, paths, rt=()):
    out = subprocess.run(list(rt) + [tool, "-n", str(n)] + paths, capture_output=True, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError("qmp-load %s: %s" % (paths, out.stderr.decode()))
    return json.loads(out.stdout)


def load_interleaved(tool, n, paths, rt=()):
    """One connection per path, the round trips taken in turn."""
    out = subprocess.run(list(rt) + [tool, "-n", str(n), "-interleave"] + paths, capture_output=True, timeout=3600)
    if out.returncode != 0:
        raise RuntimeError("qmp-load -interleave %s: %s" % (paths, out.stderr.decode()))
    return [json.loads(x) for x in out.stdout.decode().splitlines()]


def hold(tool, paths, seconds):
    """Connect and negotiate on every path, then stay idle."""
    p = subprocess.Popen([tool, "-n", "0", "-hold", str(seconds)] + paths, stdout=subprocess.PIPE)
    line = p.stdout.readline()
    if not line.startswith(b"{\"connected\""):
        p.kill()
        raise RuntimeError("qmp-load -hold failed")
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("-n", type=int, default=20000)
    ap.add_argument("--warmup", type=int, default=2000)
    ap.add_argument("--idle", type=int, default=100)
    ap.add_argument("--json")
    ap.add_argument("--rt", action="store_true",
                    help="run QEMU, vmjail, socat and the load under SCHED_FIFO (chrt -f 10): "
                    "fewer scheduling delays from other work on the machine")
    a = ap.parse_args()
    rt = ["chrt", "-f", "10"] if a.rt else []
    vmjail = os.path.join(a.build, "vmjail")
    tool = os.path.join(a.build, "tests", "unit", "qmp-load")
    if not QEMU or not SOCAT or os.geteuid() != 0:
        print("needs qemu-system-x86_64, socat and root", file=sys.stderr)
        return 2

    d = tempfile.mkdtemp(prefix="vmjail-qmpbench-")
    os.chmod(d, 0o755)
    mon = os.path.join(d, "mon")
    os.mkdir(mon)
    os.chmod(mon, 0o777)  # QEMU runs as the profile's user inside the jail
    proxy_path = os.path.join(d, "proxy.sock")
    direct = [os.path.join(mon, "direct%d.sock" % i) for i in range(N_CONC)]
    backs = [os.path.join(mon, "socat%d.sock" % i) for i in range(N_CONC)]
    qargs = ["-machine", "q35", "-accel", "tcg", "-display", "none", "-nodefaults", "-S"]
    for p in direct + backs:
        qargs += ["-qmp", "unix:%s,server=on,wait=off" % p]
    r, w = os.pipe()
    jail = subprocess.Popen(rt + [vmjail, "run", "--profile", "qemu-system-x86_64", "--qmp", proxy_path,
                             "--bind", mon, "--info-fd", str(w), "--", QEMU] + qargs,
                            pass_fds=(w,), stderr=open(os.path.join(d, "vmjail.log"), "w"))
    os.close(w)
    info = os.fdopen(r)
    started = json.loads(info.readline())
    sup = started["supervisor-pid"]
    assert sup == jail.pid, (sup, jail.pid)
    socats = []
    res = {"n": a.n, "rt": a.rt, "qemu": subprocess.run([QEMU, "--version"], capture_output=True).stdout.decode().split("\n")[0]}
    try:
        for p in direct + backs + [proxy_path]:
            if not wait_socket(p):
                raise RuntimeError("%s never came up; %s" % (p, open(os.path.join(d, "vmjail.log")).read()))
        socat_paths = [os.path.join(d, "socat%d.sock" % i) for i in range(N_CONC)]
        for front, back in zip(socat_paths, backs):
            socats.append(subprocess.Popen(rt + [SOCAT, "UNIX-LISTEN:%s,fork" % front, "UNIX-CONNECT:%s" % back]))
        for p in socat_paths:
            while not os.path.exists(p):
                time.sleep(0.02)
        res["rss_kb"] = {"proxy_start": rss_kb(sup), "socat_start": rss_kb(socats[0].pid)}

        targets = {"direct": direct, "socat": socat_paths, "proxy": [proxy_path] * N_CONC}
        # Sequential: one client on each path, round trips taken in turn
        # (direct, socat, proxy, direct, ...) so that all three see the
        # same moments of a machine that other work shares.
        names = list(targets)
        load_interleaved(tool, a.warmup, [targets[k][0] for k in names], rt)
        for name, r in zip(names, load_interleaved(tool, a.n, [targets[k][0] for k in names], rt)):
            res[name] = r
        # Supervisor CPU time per round trip (utime + stime, clock ticks).
        cpu0 = cpu_ticks(sup)
        load(tool, a.n // 4, [proxy_path], rt)
        res["proxy_cpu_us_per_round_trip"] = round((cpu_ticks(sup) - cpu0) * 1e6 / os.sysconf("SC_CLK_TCK") /
                                                   (a.n // 4), 1)
        for name, paths in targets.items():
            res[name + "_x8"] = load(tool, a.n // N_CONC, paths, rt)
        res["rss_kb"]["proxy_after"] = rss_kb(sup)

        # Idle clients: the proxy's growth per negotiated client; socat's
        # forked process per connection (through one monitor each time, so
        # only one is negotiated with QEMU; the rest wait in QEMU's backlog,
        # which costs socat the same).
        before = rss_kb(sup)
        h = hold(tool, [proxy_path] * a.idle, 30)
        time.sleep(0.5)
        after = rss_kb(sup)
        # The same clients once the supervisor has been quiet for its trim
        # period (jailer/trim.c: ten quiet seconds after activity).
        time.sleep(QUIET_TRIM_S)
        quiet = rss_kb(sup)
        h.kill()
        h.wait()
        res["rss_kb"]["proxy_idle_clients"] = a.idle
        res["rss_kb"]["proxy_with_idle"] = after
        res["rss_kb"]["proxy_per_idle_client"] = rss_delta(after, before, a.idle)
        res["rss_kb"]["proxy_with_idle_quiet"] = quiet
        s0 = socats[0]
        h = hold(tool, [socat_paths[0]], 30)
        time.sleep(0.5)
        kids = [k for k in children(s0.pid) if cmdline(k)[:1] == [SOCAT.encode()]]
        res["rss_kb"]["socat_per_connection"] = rss_delta(rss_sum(kids), {k: 0 for k in ("VmRSS", "RssAnon", "Pss")},
                                                         max(1, len(kids)))
        res["rss_kb"]["socat_listener"] = rss_kb(s0.pid)
        h.kill()
        h.wait()
    finally:
        for s in socats:
            s.terminate()
            s.wait()
        jail.send_signal(signal.SIGTERM)  # forwarded to QEMU
        try:
            jail.wait(30)
        except subprocess.TimeoutExpired:
            jail.kill()
            jail.wait()
        shutil.rmtree(d, ignore_errors=True)

    dm, dp = res["direct"], res["proxy"]
    res["proxy_minus_direct_median_us"] = round(dp["median_us"] - dm["median_us"], 1)
    res["proxy_over_direct_p99"] = round(dp["p99_us"] / dm["p99_us"], 3)
    res["socat_minus_direct_median_us"] = round(res["socat"]["median_us"] - dm["median_us"], 1)
    res["socat_over_direct_p99"] = round(res["socat"]["p99_us"] / dm["p99_us"], 3)
    print("%-10s %8s %8s %8s %8s" % ("path", "median", "p90", "p99", "max"))
    for k in ("direct", "socat", "proxy", "direct_x8", "socat_x8", "proxy_x8"):
        x = res[k]
        print("%-10s %8.1f %8.1f %8.1f %8.1f  (us, %d round trips, %d clients)" %
              (k, x["median_us"], x["p90_us"], x["p99_us"], x["max_us"], x["count"], x["clients"]))
    print("memory (KiB):", json.dumps(res["rss_kb"]))
    print(json.dumps(res))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
