#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# launch.sh - launch overhead of `vmjail run --profile generic -- /bin/true`
# against direct exec, unshare(1) and bwrap(1), all in ONE hyperfine run,
# as root and again as an unprivileged caller (uid/gid 65534 through
# setpriv). A benchmark, not a test: it prints the numbers and exits 0;
# hyperfine's own output (and warnings) goes to $OUT/launch-*.txt.
#
#   tests/bench/launch.sh [VMJAIL]       (default: build/vmjail)
#   RUNS=300 WARMUP=30 tests/bench/launch.sh build/vmjail
#   ABLATE=1 tests/bench/launch.sh       also each layer's share, as root
#   VMJAIL_STATIC=build-static/vmjail tests/bench/launch.sh
#                                        also a static build (-Dstatic=true)
#   VMJAIL_BASE=/tmp/old/vmjail tests/bench/launch.sh
#                                        also another build (an older commit:
#                                        a before/after in the same run)
#
# For each caller it prints the median of each command, each median's
# overhead over direct exec, the mean CPU time (user + system, children
# included) and the ratio of vmjail's overhead to bwrap's. The JSON
# hyperfine wrote stays in $OUT (default: a temp dir).
# Needs hyperfine, bwrap, setpriv, unshare and python3. Run it on a quiet
# machine: medians of a few milliseconds move with the load.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
vmjail=$(realpath "${1:-$src/build/vmjail}")
runs=${RUNS:-200}
warmup=${WARMUP:-20}
out=${OUT:-$(mktemp -d /tmp/vmjail-bench-launch.XXXXXX)}
mkdir -p "$out"
py=/usr/bin/python3
[ -x "$py" ] || py=python3

for t in hyperfine bwrap setpriv unshare; do
	command -v "$t" >/dev/null || { echo "launch.sh: needs $t" >&2; exit 1; }
done
[ -x "$vmjail" ] || { echo "launch.sh: no vmjail binary at $vmjail" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "launch.sh: run as root (it also runs the unprivileged caller, via setpriv)" >&2; exit 1; }

# uid 65534 must reach the binary, the profiles and the policies: a copy
# in a 0755 directory, the source tree's data through the search paths.
bin=$(mktemp -d /tmp/vmjail-bench-bin.XXXXXX)
trap 'rm -rf "$bin"' EXIT
chmod 755 "$bin"
install -m 0755 "$vmjail" "$bin/vmjail"
static= base=
if [ -n "${VMJAIL_BASE:-}" ]; then
	install -m 0755 "$VMJAIL_BASE" "$bin/vmjail-base"
	base="$bin/vmjail-base run --log-level error --profile generic -- /bin/true"
fi
if [ -n "${VMJAIL_STATIC:-}" ]; then
	install -m 0755 "$VMJAIL_STATIC" "$bin/vmjail-static"
	static="$bin/vmjail-static run --log-level error --profile generic -- /bin/true"
fi
cp -r "$src/profiles" "$src/policy" "$bin/"
# Just copied, the policies are too fresh for the seccomp cache to record
# them by their files (it waits until a file is two seconds old:
# seccomp_cache.c): wait, so that every launch measured is one with a
# known policy, as on a host whose policies were installed a while ago.
sleep 2.1
chmod -R a+rX "$bin"
export VMJAIL_PROFILE_PATH=$bin/profiles VMJAIL_POLICY_PATH=$bin/policy
# vmjail's notices (an unprivileged caller runs without a cgroup) are not
# what is measured; errors still end the run (hyperfine checks statuses).
vj="$bin/vmjail run --log-level error --profile generic -- /bin/true"

bench() { # bench NAME PREFIX...
	local name=$1
	shift
	local p=${*:+$* }
	echo "== $name${p:+ (${p% })}"
	hyperfine --shell=none --runs "$runs" --warmup "$warmup" --style basic \
		--export-json "$out/launch-$name.json" \
		-n direct "${p}/bin/true" \
		-n vmjail "${p}$vj" \
		${static:+-n vmjail-static "${p}$static"} \
		${base:+-n vmjail-base "${p}$base"} \
		-n unshare "${p}unshare --user --map-root-user --mount --pid --net --ipc --uts --fork /bin/true" \
		-n bwrap "${p}bwrap --unshare-all --die-with-parent --ro-bind / / /bin/true" >"$out/launch-$name.txt" 2>&1
	"$py" - "$out/launch-$name.json" "$name" <<'EOF'
import json, statistics, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
med = {k: statistics.median(r["times"]) * 1000 for k, r in res.items()}
cpu = {k: (r["user"] + r["system"]) * 1000 for k, r in res.items()}
d = med["direct"]
print("%-13s %10s %12s %14s" % ("", "median", "over direct", "CPU (usr+sys)"))
for k in ("direct", "vmjail", "vmjail-static", "vmjail-base", "unshare", "bwrap"):
    if k in med:
        print("%-13s %8.2f ms %+9.2f ms %11.2f ms" % (k, med[k], med[k] - d, cpu[k]))
over_b = med["bwrap"] - d
for k in ("vmjail", "vmjail-static", "vmjail-base"):
    if k in med:
        print("%s/bwrap overhead ratio (%s): %.2f" % (k, sys.argv[2], (med[k] - d) / over_b if over_b > 0 else float("nan")))
EOF
}

# ABLATE=1: one more run as root, vmjail with one layer or cost taken away
# at a time (and all of them), so each one's share shows by difference.
ablate() {
	local shm allow
	shm=$(mktemp -d /dev/shm/vmjail-bench-state.XXXXXX)
	allow=$bin/allow-all.json
	echo '{ "description": "allow everything (benchmark)", "default": "allow" }' >"$allow"
	echo "== ablation (root): what each layer costs"
	# Every vmjail row goes through env(1), as the ones that set a
	# variable must: an exec of env costs more than some layers do.
	local e="env VMJAIL_BENCH=1"
	hyperfine --shell=none --runs "$runs" --warmup "$warmup" --style basic \
		--export-json "$out/launch-ablate.json" \
		-n direct "/bin/true" \
		-n vmjail "$e $vj" \
		-n no-cgroup "$e ${vj/ run / run --no-cgroup }" \
		-n no-landlock "$e ${vj/ run / run --landlock off }" \
		-n allow-all-seccomp "$e ${vj/ run / run --seccomp $allow }" \
		-n no-filter-cache "env VMJAIL_SECCOMP_CACHE=0 $vj" \
		-n netns-in-clone "env VMJAIL_TEST_ENOSYS=netns_ahead $vj" \
		-n state-on-tmpfs "env VMJAIL_STATE_DIR=$shm $vj" \
		-n all-off "env VMJAIL_STATE_DIR=$shm ${vj/ run / run --no-cgroup --landlock off --seccomp $allow }" \
		-n bwrap "bwrap --unshare-all --die-with-parent --ro-bind / / /bin/true" >"$out/launch-ablate.txt" 2>&1
	rm -rf "$shm"
	"$py" - "$out/launch-ablate.json" <<'EOF'
import json, statistics, sys
res = json.load(open(sys.argv[1]))["results"]
med = {r["command"]: statistics.median(r["times"]) * 1000 for r in res}
cpu = {r["command"]: (r["user"] + r["system"]) * 1000 for r in res}
print("%-18s %10s %12s %12s %14s" % ("", "median", "over direct", "vs vmjail", "CPU (usr+sys)"))
for r in res:
    k = r["command"]
    print("%-18s %8.2f ms %+9.2f ms %+9.2f ms %11.2f ms" % (k, med[k], med[k] - med["direct"], med[k] - med["vmjail"], cpu[k]))
EOF
}

echo "vmjail $("$vmjail" --version 2>/dev/null | head -1), kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "hyperfine --runs $runs --warmup $warmup; JSON in $out"
bench root
bench user setpriv --reuid=65534 --regid=65534 --clear-groups
[ -z "${ABLATE:-}" ] || ablate
