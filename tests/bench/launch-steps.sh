#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# launch-steps.sh - where a launch's wall-clock time goes: uprobes on
# vmjail's steps and the scheduler's fork/exec/exit tracepoints, over N
# launches of `vmjail run --profile generic -- /bin/true`, each event's
# median time since vmjail's exec. A benchmark, not a test. The probes add
# their own cost (a breakpoint trap each, and copies of the probed pages at
# exec, mostly before main): read differences between steps, not totals.
#
#   tests/bench/launch-steps.sh [VMJAIL] [N]      (default build/vmjail, 30)
#   PROBES="vj_state_exited vj_state_exited%return" tests/bench/launch-steps.sh
#                                  also these functions (perf probe syntax)
#   JAIL="--profile qemu-system-x86_64 -- qemu-system-x86_64 -version" \
#       tests/bench/launch-steps.sh  another jail (default: --profile generic
#                                  -- /bin/true); PROGRAM must exit by itself
#
# Rows: EVENT/P#K, P the process (0 the supervisor, 1 the jail's pid 1,
# 2 PROGRAM, as pid offsets from the supervisor's; threads count too), K
# the event's K-th occurrence in that process. Needs root and perf with
# uprobes; the probes are removed at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
vmjail=$(realpath "${1:-$src/build/vmjail}")
n=${2:-30}
command -v perf >/dev/null || { echo "launch-steps.sh: needs perf" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "launch-steps.sh: run as root" >&2; exit 1; }
export VMJAIL_PROFILE_PATH=$src/profiles VMJAIL_POLICY_PATH=$src/policy
jail=${JAIL:---profile generic -- /bin/true}
# PROGRAM's command name, as the scheduler's events give it (15 bytes)
prog=$(basename "${jail##*-- }" | cut -d' ' -f1 | cut -c1-15)
out=$(mktemp -d /tmp/vmjail-bench-steps.XXXXXX)
cleanup() { perf probe -q -d 'probe_vmjail:*' >/dev/null 2>&1 || true; rm -rf "$out"; }
trap cleanup EXIT

perf probe -q -d 'probe_vmjail:*' >/dev/null 2>&1 || true
for f in main vj_profile_build_plan vj_profile_build_plan%return vj_run vj_state_acquire%return \
	vj_cgroup_create%return vj_lsm_prepare%return vj_seccomp_compile_plan%return vj_child_main \
	vj_mount_build_root vj_mount_build_root%return vj_child_exec_target vj_supervise \
	vj_cgroup_destroy vj_state_release vj_state_release%return ${PROBES:-}; do
	perf probe -q -x "$vmjail" "$f" >/dev/null
done
perf record -q -o "$out/perf.data" -e 'probe_vmjail:*' -e sched:sched_process_exec \
	-e sched:sched_process_exit -e sched:sched_process_fork -a -- \
	sh -c "for i in \$(seq $n); do '$vmjail' run --log-level error $jail; done" \
	>/dev/null 2>&1
perf script -i "$out/perf.data" -F comm,tid,time,event 2>/dev/null >"$out/events.txt"
echo "# $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $n launches; us since vmjail's exec"
python3 - "$out/events.txt" "$prog" <<'EOF'
import collections, re, statistics, sys
events = []
for line in open(sys.argv[1]):
    m = re.match(r'\s*(\S+)\s+(\d+)\s+([\d.]+):\s+\S+?:(\S+):', line)
    if m and m.group(1) in ("vmjail", sys.argv[2]):
        events.append((int(m.group(2)), float(m.group(3)) * 1e6, m.group(4)))
runs, cur = [], None
for pid, t, name in events:
    if name == "sched_process_exec" and (cur is None or pid not in cur["pids"]):
        cur = {"t0": t, "sup": pid, "pids": {pid}, "ev": []}
        runs.append(cur)
    if cur is None:
        continue
    cur["pids"].add(pid)
    cur["ev"].append((pid, t, name))
rows = collections.defaultdict(list)
for r in runs:
    seen = collections.Counter()
    for pid, t, name in r["ev"]:
        k = "%s/%d" % (name, pid - r["sup"])
        seen[k] += 1
        rows["%s#%d" % (k, seen[k])].append(t - r["t0"])
for k in sorted(rows, key=lambda k: statistics.median(rows[k])):
    v = sorted(rows[k])
    print("%-44s n=%3d  median %7.0f  p90 %7.0f" % (k, len(v), statistics.median(v), v[int(len(v) * 0.9)]))
EOF
