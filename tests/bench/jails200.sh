#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# jails200.sh - many jails at once (a benchmark, not a test):
#   1. 200 `generic` jails running sleep, launched concurrently: the time
#      until every one runs (its state says "running");
#   2. launch latency as jails accumulate: 200 jails started one after
#      another, each timed from `vmjail run` to its "started" record on
#      --info-fd, while the earlier ones keep running (target: the last
#      within 1.2x of the first);
#   3. supervisor memory per jail: VmRSS (target <= 1 MB), RssAnon, Pss,
#      two seconds after the last start (a supervisor trims its memory a
#      second after its start);
#   4. `vmjail list` and `vmjail list --json` with 200 jails (target
#      < 50 ms), median of 20 runs.
# Every jail is stopped with `vmjail stop` at the end; nothing else is
# signalled. A private state root is used (VMJAIL_STATE_DIR).
#
#   tests/bench/jails200.sh [VMJAIL] [N]      (default build/vmjail, 200)
set -eu
VMJAIL=${1:-${VMJAIL:-build/vmjail}}
N=${2:-200}
VMJAIL=$(realpath "$VMJAIL")
STATE=$(mktemp -d /tmp/vmjail-bench-state.XXXXXX)
chmod 700 "$STATE"
export VMJAIL VMJAIL_STATE_DIR="$STATE" N
trap 'rm -rf "$STATE"' EXIT

python3 - <<'EOF'
import json, os, statistics, subprocess, sys, time

VMJAIL = os.environ["VMJAIL"]
N = int(os.environ["N"])
STATE = os.environ["VMJAIL_STATE_DIR"]

def listing():
    return json.loads(subprocess.run([VMJAIL, "list", "--json"], check=True,
                                     capture_output=True).stdout)

def wait_running(n, timeout=300):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        j = listing()
        if sum(1 for e in j if e["status"] == "running" and e["pid"]) == n:
            return j
        time.sleep(0.02)
    raise SystemExit("only %d of %d jails running" % (len(listing()), n))

def stop_all(ids):
    procs = [subprocess.Popen([VMJAIL, "stop", i], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for i in ids]
    bad = sum(1 for p in procs if p.wait() != 0)
    if bad:
        print("warning: %d stops failed" % bad)

def reap(procs):
    for p in procs:
        p.wait()

def vmjail_run(jid, info_fd=None):
    argv = [VMJAIL, "run", "--id", jid]
    if info_fd is not None:
        argv += ["--info-fd", str(info_fd)]
    argv += ["--", "sleep", "100000"]
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                            pass_fds=(info_fd,) if info_fd is not None else ())

def kb(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0

def pss(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

def timed(argv, runs=20):
    """Median and best wall time, and median CPU time (user + system: what
    the command costs, apart from waiting for a CPU on a busy host), ms."""
    t, cpu = [], []
    for _ in range(runs):
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        t.append((time.monotonic() - t0) * 1000)
        cpu.append((ru.ru_utime + ru.ru_stime) * 1000)
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            raise SystemExit("%s: exit %d" % (" ".join(argv), p.returncode))
    return statistics.median(t), min(t), statistics.median(cpu)

out = []
say = lambda s: (print(s), out.append(s))

# 1. concurrently
t0 = time.monotonic()
procs = [vmjail_run("c%03d" % i) for i in range(N)]
wait_running(N)
total = time.monotonic() - t0
say("%d jails launched concurrently: all running after %.2f s (%.1f ms per jail)" % (N, total, total * 1000 / N))
stop_all(["c%03d" % i for i in range(N)])
reap(procs)
assert listing() == [], "jails left after stop"

# 2. one after another, each timed to its started record
lat = []
procs = []
infos = []
for i in range(N):
    r, w = os.pipe()
    t0 = time.monotonic()
    p = vmjail_run("s%03d" % i, info_fd=w)
    os.close(w)
    f = os.fdopen(r)
    line = f.readline()
    lat.append((time.monotonic() - t0) * 1000)
    infos.append(f)  # kept open: the supervisor writes its exit record there
    if '"started"' not in line:
        raise SystemExit("jail s%03d did not start" % i)
    procs.append(p)
first = statistics.mean(lat[:10])
last = statistics.mean(lat[-10:])
say("launch latency, one after another: first 10 %.1f ms, last 10 %.1f ms (ratio %.2f; median %.1f, max %.1f)"
    % (first, last, last / first, statistics.median(lat), max(lat)))
j = wait_running(N)

# 3. supervisor memory, once the last supervisor has given setup's memory
# back (jailer/trim.c: a second after its start)
time.sleep(2)
sups = [e["supervisor_pid"] for e in j]
rss = [kb(p, "VmRSS") for p in sups]
anon = [kb(p, "RssAnon") for p in sups]
rfile = [kb(p, "RssFile") for p in sups]
ps = [pss(p) for p in sups]
say("supervisor memory per jail (%d): VmRSS mean %.0f kB (min %d, max %d) = RssAnon %.0f kB + RssFile %.0f kB"
    " (shared libraries and the binary, shared by all); Pss mean %.0f kB"
    % (len(sups), statistics.mean(rss), min(rss), max(rss), statistics.mean(anon), statistics.mean(rfile),
       statistics.mean(ps)))

# 4. list
m, b, c = timed([VMJAIL, "list"])
mj, bj, cj = timed([VMJAIL, "list", "--json"])
say("vmjail list at %d jails: median %.1f ms (best %.1f, CPU %.1f); list --json: median %.1f ms (best %.1f, CPU %.1f)"
    % (N, m, b, c, mj, bj, cj))
with open("/proc/pressure/cpu") as f:
    say("host CPU pressure: " + f.readline().strip())

stop_all(["s%03d" % i for i in range(N)])
reap(procs)
for f in infos:
    f.close()
left = listing()
say("after stopping all: %d jails listed, state root entries: %d" % (len(left), len(os.listdir(STATE))))
EOF
