# SPDX-License-Identifier: GPL-2.0-or-later
#
# helpers.bash - shared setup of the vmjail bats suite.
#
# The kernel is the oracle: each test runs vmjail as a user would and reads
# /proc, mountinfo, exit statuses from inside or outside the jail.
#
#   VMJAIL         the binary (meson sets it; default: build/vmjail)
#   VMJAIL_SRCDIR  the source tree (profiles/ for an uninstalled binary)
#
# Every test runs in one of two modes:
#   as_root   vmjail is started by root (the test is skipped otherwise);
#   as_user   vmjail is started by an unprivileged caller: uid/gid 65534
#             through `setpriv --reuid=65534 --regid=65534 --clear-groups`
#             when the suite runs as root, else the suite's own user.
#
# With VJ_ENOSYS=1 (meson's bats-*-enosys runs) the same tests run with
# VMJAIL_TEST_ENOSYS set, so every fallback the runtime has for older
# kernels (jailer/compat.h) is exercised too.
#
# The unprivileged caller gets the binary, profiles and seccomp policies
# of the tree (VMJAIL_PROFILE_PATH, VMJAIL_POLICY_PATH), or copies of them
# in a 0755 directory when uid 65534 cannot reach the tree.
#
# Leak checks: setup() snapshots the host's mountinfo, the entries of /tmp,
# /dev/shm, /run and vmjail's state roots (/run/vmjail, /tmp/vmjail-UID),
# the test's working directory and the leaf cgroups under
# /sys/fs/cgroup/*/vmjail/. teardown() first undoes what the test set up,
# then fails the test when one of its processes is still alive (one that
# carries the test's marker - every vj_run puts it in vmjail's argv and
# the jail's environment - or one in a pid namespace that a --info-fd
# record of the test named, held open so its inode number stays its own),
# a host mount appeared, changed or vanished, a file of the test appeared,
# or a cgroup leaf named after one of this run's jail ids remains. On a
# shared machine other programs mount below /tmp and create files there
# too: those checks count what can be the test's (see our_mounts and
# ours_tmp). Teardown signals only processes the test started: the
# background jobs' pids and the pids --info-fd records named, each checked
# against its /proc/PID/cmdline first; never anything found by a pattern.

bats_require_minimum_version 1.5.0

: "${VMJAIL:=$BATS_TEST_DIRNAME/../../build/vmjail}"
: "${VMJAIL_SRCDIR:=$BATS_TEST_DIRNAME/../..}"
VJ_ENOSYS_ALL=clone3,openat2,open_tree,close_range,pidfd,renameat2,netns_ahead
VJ_NOBODY=65534
VJ_SETPRIV=(setpriv --reuid=$VJ_NOBODY --regid=$VJ_NOBODY --clear-groups)
# /tmp entries that other programs on a shared machine create while the
# suite runs (compiler temporaries, tests/e2e's QMP directories); extend
# with VJ_LEAK_TMP_IGNORE="glob ..." when other test suites run alongside.
VJ_TMP_IGNORE=('vmjail-qmp*' 'cc*.s' 'cc*.o' 'cc*.res' 'cc*.c' 'cc*.ld' 'cc*.le' 'bats-run-*')
read -r -a _vj_more <<<"${VJ_LEAK_TMP_IGNORE:-}"
VJ_TMP_IGNORE+=("${_vj_more[@]}")

if [ "${VJ_ENOSYS:-}" = 1 ]; then
	export VMJAIL_TEST_ENOSYS=$VJ_ENOSYS_ALL
fi

# ---- output and assertions ------------------------------------------------

fail() {
	printf '%s\n' "$@"
	return 1
}

# Print the last `run`'s result.
show() {
	printf 'command exit status: %s\n--- stdout:\n%s\n--- stderr:\n%s\n---\n' \
		"${status-}" "${output-}" "${stderr-}"
}

assert_status() {
	[ "${status-}" = "$1" ] && return 0
	printf 'expected exit status %s, got %s\n' "$1" "${status-}"
	show
	return 1
}

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
	[ "$2" = "$3" ] && return 0
	printf '%s: expected\n  [%s]\ngot\n  [%s]\n' "$1" "$2" "$3"
	show
	return 1
}

# assert_ne WHAT UNEXPECTED ACTUAL
assert_ne() {
	[ "$2" != "$3" ] && return 0
	printf '%s: expected anything but [%s]\n' "$1" "$2"
	show
	return 1
}

# assert_contains WHAT HAYSTACK NEEDLE
assert_contains() {
	[[ "$2" == *"$3"* ]] && return 0
	printf '%s: expected to contain [%s], got\n  [%s]\n' "$1" "$3" "$2"
	show
	return 1
}

assert_not_contains() {
	[[ "$2" != *"$3"* ]] && return 0
	printf '%s: expected not to contain [%s], got\n  [%s]\n' "$1" "$3" "$2"
	show
	return 1
}

# Sorted, space-separated words of $1.
words() {
	printf '%s\n' $1 | sed '/^$/d' | LC_ALL=C sort -u | tr '\n' ' ' | sed 's/ $//'
}

# nap SECONDS: sleep without a process (a read that times out on a pipe
# nobody writes).
nap() {
	[ -n "${VJ_NAP_FD:-}" ] || exec {VJ_NAP_FD}<> <(:)
	read -r -t "$1" -u "$VJ_NAP_FD" _ || true
}

# wait_until SECONDS COMMAND... : poll COMMAND every 20 ms.
wait_until() {
	local timeout=$1
	shift
	local end=$((${EPOCHREALTIME/./} + timeout * 1000000))
	while ! "$@"; do
		((${EPOCHREALTIME/./} < end)) || return 1
		nap 0.02
	done
}

now_us() { echo "${EPOCHREALTIME/./}"; }

# ---- callers ---------------------------------------------------------------

as_root() {
	[ "$EUID" -eq 0 ] || skip "needs root"
	VJ_AS=root
	VJ_PREFIX=()
	VJ_CALLER_UID=0
}

as_user() {
	VJ_AS=user
	if [ "$EUID" -eq 0 ]; then
		VJ_PREFIX=("${VJ_SETPRIV[@]}")
		VJ_CALLER_UID=$VJ_NOBODY
	else
		VJ_PREFIX=()
		VJ_CALLER_UID=$EUID
	fi
	local max
	max=$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 1)
	[ "$max" != 0 ] || skip "user namespaces are disabled (user.max_user_namespaces=0)"
	if [ -r /proc/sys/kernel/unprivileged_userns_clone ] &&
		[ "$(cat /proc/sys/kernel/unprivileged_userns_clone)" = 0 ]; then
		skip "unprivileged user namespaces are disabled"
	fi
}

# The test shell must be root to prepare the host (mounts, chown).
need_root_shell() {
	[ "$EUID" -eq 0 ] || skip "needs root to prepare the host"
}

# vj ARGS...: vmjail as the current caller.
vj() {
	"${VJ_PREFIX[@]}" "$VMJAIL" "$@"
}

# vj_run ARGS...: `vmjail run` with the test's jail id and marker.
vj_run() {
	"${VJ_PREFIX[@]}" "$VMJAIL" run --id "$VJ_ID" --env "VJ_BATS_MARK=$VJ_MARK" "$@"
}

# jrun [-N] ARGS...: run vj_run under `run`, stdout and stderr apart,
# bounded. -N: the exit status expected (bats' `run -N`; for 127).
jrun() {
	local expect=()
	if [[ "${1-}" =~ ^-[0-9]+$ ]]; then
		expect=("$1")
		shift
	fi
	run "${expect[@]}" --separate-stderr timeout -k 5 60 "${VJ_PREFIX[@]}" "$VMJAIL" run \
		--id "$VJ_ID" --env "VJ_BATS_MARK=$VJ_MARK" "$@"
}

# $stderr without the notices an unprivileged run may print about layers
# it runs without (no writable cgroup): the errors of the last `run`.
errors() {
	printf '%s\n' "${stderr-}" | grep -v -E '^vmjail: cgroup: .*running without it$' | sed '/^$/d' || true
}

# jsh SCRIPT [vmjail options...]: run `sh -c SCRIPT` in a generic jail.
jsh() {
	local script=$1
	shift
	jrun "$@" -- sh -c "$script"
}

# A directory the jail's uid may write (host side).
mkdir_for_jail() {
	mkdir -p "$@"
	if [ "$EUID" -eq 0 ]; then
		chown "$VJ_NOBODY:$VJ_NOBODY" "$@"
	else
		chmod 777 "$@"
	fi
}

# A profile file in the test's directory: write_profile NAME JSON -> path
write_profile() {
	printf '%s\n' "$2" >"$VJ_T/$1.json"
	chmod 644 "$VJ_T/$1.json"
	echo "$VJ_T/$1.json"
}

# A shell function for scripts run in the jail (which has no awk):
# `mi MOUNTPOINT` prints that mount's filesystem type and options
# ("tmpfs rw,nosuid,nodev,relatime"), from /proc/self/mountinfo.
MI='mi() { while read -r _ _ _ _ mp opts rest; do
	[ "$mp" = "$1" ] && echo "${rest#*- }" | { read -r fs _; echo "$fs $opts"; }; done </proc/self/mountinfo; }; '

# ---- host facts --------------------------------------------------------------

host_ns() { readlink "/proc/$$/ns/$1"; }

# Interface names of /proc/net/dev (stdin).
netdev_names() {
	sed -n '3,$p' | cut -d: -f1 | tr -d ' ' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'
}

# The mount points the generic profile gives, as seen from the host.
generic_mountpoints() {
	local p
	echo / /usr /tmp /dev /proc /dev/null /dev/zero /dev/full /dev/random /dev/urandom
	for p in /etc/ld.so.cache /etc/nsswitch.conf /etc/localtime; do
		[ -e "$p" ] && echo "$p"
	done
	# the /usr bind is recursive: the host's mounts below /usr come along
	cut -d' ' -f5 /proc/self/mountinfo | grep '^/usr/' || true
}

# python3 for JSON: the system's (a version manager's shim in PATH can
# cost a second per call).
VJ_PY=/usr/bin/python3
[ -x "$VJ_PY" ] || VJ_PY=$(command -v python3 || echo python3)

# json_field FILE LINE EXPR: evaluate EXPR (python, `r` is the record) on
# line LINE (1-based) of FILE, which holds one JSON object per line.
json_field() {
	"$VJ_PY" -c '
import json, sys
lines = [l for l in open(sys.argv[1]).read().splitlines() if l.strip()]
r = json.loads(lines[int(sys.argv[2]) - 1])
v = eval(sys.argv[3])
print(json.dumps(v) if not isinstance(v, str) else v)
' "$@"
}

# record FILE LINE: parse line LINE of FILE (one JSON object per line) into
# the associative array R, keys flattened with dots ("namespaces.pid");
# null reads "null", booleans "true"/"false", strings as they are. Also
# sets R_KEYS (the top-level keys, sorted) and R_LINES (the line count).
# Fails when the line is missing or not a JSON object.
record() {
	local out
	out=$("$VJ_PY" -c '
import json, shlex, sys
lines = [l for l in open(sys.argv[1]).read().splitlines() if l.strip()]
n = int(sys.argv[2])
if n > len(lines):
    sys.exit("no line %d in %s (%d lines)" % (n, sys.argv[1], len(lines)))
r = json.loads(lines[n - 1])
if not isinstance(r, dict):
    sys.exit("line %d is not a JSON object" % n)
out = {}
def walk(p, v):
    if isinstance(v, dict):
        for k, x in v.items():
            walk(p + "." + k if p else k, x)
    else:
        out[p] = v if isinstance(v, str) else json.dumps(v)
walk("", r)
for k, v in out.items():
    print("R[%s]=%s" % (shlex.quote(k), shlex.quote(v)))
print("R_KEYS=%s" % shlex.quote(" ".join(sorted(r))))
print("R_LINES=%d" % len(lines))
' "$1" "$2") || return 1
	unset R
	declare -g -A R=()
	eval "$out"
}

# ---- setup, teardown, leak checks ---------------------------------------------

# Whether uid 65534 can read PATH (a file) or enter it (a directory).
nobody_can() {
	"${VJ_SETPRIV[@]}" test "$1" "$2" 2>/dev/null
}

setup_file() {
	[ -x "$VMJAIL" ] || {
		echo "no vmjail binary at $VMJAIL (build it, or set VMJAIL)" >&2
		return 1
	}
	VMJAIL=$(realpath "$VMJAIL")
	VMJAIL_SRCDIR=$(realpath "$VMJAIL_SRCDIR")
	# One tag per run of a file: jail ids and cgroup leaves carry it.
	VJ_RUN_TAG="$$$RANDOM"
	export VMJAIL VMJAIL_SRCDIR VJ_RUN_TAG
	# Profiles and seccomp policies come from the source tree, explicitly
	# (a copied binary no longer finds the tree by itself).
	local prof=$VMJAIL_SRCDIR/profiles pol=$VMJAIL_SRCDIR/policy
	# The unprivileged caller must reach the binary, the profiles and the
	# policies. When it cannot (a tree under a private home), it runs a
	# copy in a 0755 directory, with copies of profiles/ and policy/.
	if [ "$EUID" -eq 0 ] && {
		! nobody_can -x "$VMJAIL" || ! nobody_can -r "$prof/generic.json" ||
			! nobody_can -r "$pol/generic.json"
	}; then
		VJ_SUITE_DIR=$(mktemp -d /tmp/vmjail-bats-bin.XXXXXX)
		chmod 755 "$VJ_SUITE_DIR"
		install -m 0755 "$VMJAIL" "$VJ_SUITE_DIR/vmjail"
		mkdir -m 0755 "$VJ_SUITE_DIR/profiles" "$VJ_SUITE_DIR/policy"
		cp -r "$prof/." "$VJ_SUITE_DIR/profiles/"
		cp -r "$pol/." "$VJ_SUITE_DIR/policy/"
		chmod -R a+rX "$VJ_SUITE_DIR"
		VMJAIL=$VJ_SUITE_DIR/vmjail
		prof=$VJ_SUITE_DIR/profiles pol=$VJ_SUITE_DIR/policy
		export VJ_SUITE_DIR
	fi
	export VMJAIL_PROFILE_PATH="$prof${VMJAIL_PROFILE_PATH:+:$VMJAIL_PROFILE_PATH}"
	export VMJAIL_POLICY_PATH="$pol${VMJAIL_POLICY_PATH:+:$VMJAIL_POLICY_PATH}"
}

teardown_file() {
	if [ -n "${VJ_SUITE_DIR:-}" ]; then
		rm -rf "$VJ_SUITE_DIR"
	fi
}

# The checks below run in setup and teardown of every test; bats traces
# every shell command of a test, so they loop in awk and find, not in the
# shell.

# Entries of the shared directories a jail could leave files in, and of
# vmjail's state roots (/run/vmjail for root, /tmp/vmjail-UID otherwise;
# a state root itself may stay, its entries may not).
tmp_listing() {
	find /tmp /dev/shm /run /run/vmjail /tmp/vmjail-[0-9]* -mindepth 1 -maxdepth 1 2>/dev/null |
		LC_ALL=C sort || true
}

# The leaf cgroups under every hierarchy's vmjail/ parent (root's default).
cgroup_leaves() {
	find /sys/fs/cgroup/vmjail /sys/fs/cgroup/*/vmjail -mindepth 1 -maxdepth 1 -type d 2>/dev/null |
		LC_ALL=C sort || true
}

# "PID INODE" of every process whose pid namespace is not the host's (the
# test shell's): processes in some jail.
foreign_pidns_procs() {
	stat -L -c '%n %i' /proc/self/ns/pid /proc/[0-9]*/ns/pid 2>/dev/null |
		awk '{ split($1, f, "/") } NR == 1 { host = $2; next } $2 != host { print f[3], $2 }'
}

# pidns_of PID: the inode of PID's pid namespace.
pidns_of() {
	stat -L -c %i "/proc/$1/ns/pid" 2>/dev/null
}

# Pids of the test's processes still alive: vmjail and the jail's init
# (the marker is in their argv), jailed processes (it is in their
# environment), and processes in a pid namespace that a --info-fd record
# of the test named. Processes of other jails on a shared machine are not
# the test's business. (The marker is read from a file so that grep's own
# argv lacks it; a zombie's cmdline and environ read empty.)
our_leftovers() {
	{
		grep -l -s -a -F -f "$VJ_MARK_FILE" /proc/[0-9]*/cmdline /proc/[0-9]*/environ 2>/dev/null |
			cut -d/ -f3
		if [ -n "$VJ_JAIL_PIDNS" ]; then
			foreign_pidns_procs | awk -v rec=" $VJ_JAIL_PIDNS " 'index(rec, " " $2 " ") { print $1 }'
		fi
	} | LC_ALL=C sort -u
}

no_leftovers() { [ -z "$(our_leftovers)" ]; }

# The test's live pids, space-separated (for messages).
marked_pids() {
	our_leftovers | tr '\n' ' ' | sed 's/ $//'
}
no_marked_pids() { no_leftovers; }

setup() {
	VJ_T=$(mktemp -d /tmp/vmjail-bats.XXXXXX)
	chmod 755 "$VJ_T"
	mkdir -m 755 "$VJ_T/cwd"
	VJ_ID="bats-$VJ_RUN_TAG-${BATS_SUITE_TEST_NUMBER:-$BATS_TEST_NUMBER}"
	VJ_MARK="vjbats.$VJ_RUN_TAG.${BATS_SUITE_TEST_NUMBER:-$BATS_TEST_NUMBER}.$RANDOM"
	VJ_MARK_FILE=$VJ_T/mark
	echo "VJ_BATS_MARK=$VJ_MARK" >"$VJ_MARK_FILE"
	VJ_CLEANUP=()
	VJ_BG_PIDS=()
	VJ_JAIL_PIDS=()
	VJ_JAIL_PIDNS=""
	VJ_NS_FDS=()
	VJ_PREFIX=()
	# snapshots, kept outside the directories they describe
	VJ_SNAP_MOUNTS=$(</proc/self/mountinfo)
	VJ_SNAP_TMP=$(tmp_listing)
	VJ_SNAP_CG=$(cgroup_leaves)
	cd "$VJ_T/cwd"
}

# Run on teardown, last registered first.
on_cleanup() {
	VJ_CLEANUP+=("$*")
}

# record_jail INFO: note the jail of the started record on line 1 of INFO
# (its pid namespace for the leak check, its pids for teardown). The pid
# namespace is held open while the test runs: the kernel reuses the inode
# number of a namespace that is gone, so a number alone could name another
# jail's namespace later. Call it while PROGRAM runs; a jail already gone
# is not recorded.
record_jail() {
	record "$1" 1 || return 0
	local fd
	VJ_JAIL_PIDS+=("${R[pid]}" "${R[init-pid]}")
	exec {fd}<"/proc/${R[pid]}/ns/pid" 2>/dev/null || return 0
	if [ "$(stat -L -c %i "/proc/self/fd/$fd")" = "${R[namespaces.pid]}" ]; then
		VJ_JAIL_PIDNS="$VJ_JAIL_PIDNS ${R[namespaces.pid]}"
		VJ_NS_FDS+=("$fd")
	else
		exec {fd}<&-
	fi
}

# new_lines OLD NEW: the lines of NEW (sorted) that OLD (sorted) lacks.
new_lines() {
	LC_ALL=C comm -13 <(printf '%s\n' "$1") <(printf '%s\n' "$2") | sed '/^$/d'
}

# Of the mountinfo lines that changed: those that can be the test's. Other
# test suites on a shared machine mount and unmount below /tmp (another
# run of this suite, too), so a change below /tmp counts only below the
# test's own directory; anywhere else (/, /tmp itself - where vmjail
# builds a root - /usr, /proc, /sys...) it always counts.
our_mounts() {
	awk -v t="$VJ_T/" 'substr($5, 1, 5) != "/tmp/" || substr($5 "/", 1, length(t)) == t'
}

# Of the new entries of /tmp, /run...: the test's. Other programs on a
# shared machine fill /tmp too, so an entry counts when it is named after
# the run (jail ids, state directories, markers) or owned by an id the
# suite's jails use, outside vmjail's state roots (a state root itself may
# stay: the next jail uses it).
ours_tmp() {
	local ignore=" ${VJ_TMP_IGNORE[*]} "
	while IFS= read -r f; do
		[ -n "$f" ] || continue
		case "$f" in
		*"$VJ_RUN_TAG"* | *"$VJ_MARK"*) echo "$f"; continue ;;
		/run/vmjail | /tmp/vmjail-[0-9]* | /run/vmjail/* | /tmp/vmjail-[0-9]*/*) continue ;;
		esac
		local pat skip=
		for pat in "${VJ_TMP_IGNORE[@]}"; do
			# shellcheck disable=SC2053
			[[ ${f#/tmp/} == $pat ]] && skip=1
		done
		[ -z "$skip" ] || continue
		local owner
		owner=$(stat -c %u "$f" 2>/dev/null) || continue
		[ "$EUID" -ne 0 ] && [ "$owner" = "$EUID" ] && echo "$f" && continue
		case " $VJ_NOBODY 1234 2345 " in
		*" $owner "*) echo "$f" ;;
		esac
	done
}

# leak_report: print what the test left on the host; status 1 if anything.
leak_report() {
	local leaks=() f now new gone
	# processes: give the kernel a moment to finish killing a jail
	if ! wait_until 3 no_leftovers; then
		for f in $(our_leftovers); do
			leaks+=("process $f (pid ns $(pidns_of "$f")): $(tr '\0' ' ' <"/proc/$f/cmdline" 2>/dev/null)")
		done
	fi
	now=$(</proc/self/mountinfo)
	if [ "$now" != "$VJ_SNAP_MOUNTS" ]; then
		new=$(new_lines "$(LC_ALL=C sort <<<"$VJ_SNAP_MOUNTS")" "$(LC_ALL=C sort <<<"$now")" | our_mounts)
		gone=$(new_lines "$(LC_ALL=C sort <<<"$now")" "$(LC_ALL=C sort <<<"$VJ_SNAP_MOUNTS")" | our_mounts)
		[ -z "$new" ] || leaks+=("host mounts appeared or changed:" "$new")
		[ -z "$gone" ] || leaks+=("host mounts vanished or changed:" "$gone")
	fi
	now=$(tmp_listing)
	if [ "$now" != "$VJ_SNAP_TMP" ]; then
		new=$(new_lines "$VJ_SNAP_TMP" "$now" | ours_tmp)
		[ -z "$new" ] || leaks+=("new files:" "$new")
	fi
	if [ -d "$VJ_T/cwd" ]; then
		new=$(ls -A "$VJ_T/cwd")
		[ -z "$new" ] || leaks+=("new files in the working directory: $new")
	fi
	now=$(cgroup_leaves)
	if [ "$now" != "$VJ_SNAP_CG" ]; then
		new=$(new_lines "$VJ_SNAP_CG" "$now" | grep -F "/bats-$VJ_RUN_TAG-" || true)
		[ -z "$new" ] || leaks+=("cgroup left behind:" "$new")
	fi
	if ((${#leaks[@]})); then
		printf 'LEAK: %s\n' "${leaks[@]}"
		return 1
	fi
	return 0
}

# kill_ours PID...: SIGKILL each PID that is still a process of this test
# (its argv names the vmjail binary or carries the test's marker).
kill_ours() {
	local p cmd
	for p in "$@"; do
		[ -n "$p" ] && [ "$p" -gt 1 ] 2>/dev/null || continue
		cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
		if [[ "$cmd" == *"$VMJAIL"* || "$cmd" == *"VJ_BATS_MARK=$VJ_MARK"* ]] ||
			grep -q -s -a -F -- "VJ_BATS_MARK=$VJ_MARK" "/proc/$p/environ"; then
			kill -KILL "$p" 2>/dev/null || true
		fi
	done
}

teardown() {
	local i p rc=0
	cd /
	# background jails this test started ($!), then the pids their
	# --info-fd records named, each checked before it is signalled
	kill_ours "${VJ_BG_PIDS[@]}"
	for p in "${VJ_BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	for ((i = ${#VJ_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${VJ_CLEANUP[i]}" || true
	done
	leak_report || rc=1
	# a leak: end the recorded jail pids so the next test starts clean
	# (never anything found by name)
	if [ "$rc" -ne 0 ]; then
		kill_ours "${VJ_JAIL_PIDS[@]}"
	fi
	for p in "${VJ_NS_FDS[@]}"; do
		exec {p}<&-
	done
	rm -rf "$VJ_T"
	return $rc
}

# bg_jail OUT ARGS...: start `vmjail run ARGS` in the background with
# stdout/stderr to OUT and OUT.err; the pid (vmjail's: setpriv execs it)
# lands in VJ_BG.
bg_jail() {
	local out=$1
	shift
	"${VJ_PREFIX[@]}" "$VMJAIL" run --id "$VJ_ID" --env "VJ_BATS_MARK=$VJ_MARK" "$@" \
		>"$out" 2>"$out.err" &
	VJ_BG=$!
	VJ_BG_PIDS+=("$VJ_BG")
}

file_has() { grep -q -- "$2" "$1" 2>/dev/null; }

# wait_exit PID SECONDS: wait for a background job; its status in $status.
# A job still running after SECONDS is killed and the test fails.
wait_exit() {
	local pid=$1 secs=$2
	if ! wait_until "$secs" is_done "$pid"; then
		kill_ours "$pid"
		wait "$pid" 2>/dev/null
		fail "pid $pid still running after ${secs}s"
		return 1
	fi
	status=0
	wait "$pid" || status=$?
}

# A process that has exited (a zombie, or gone).
is_done() {
	local st
	read -r st 2>/dev/null <"/proc/$1/stat" || return 0
	st=${st##*) }
	[ "${st:0:1}" = Z ] || [ "${st:0:1}" = X ]
}

proc_gone() { [ ! -d "/proc/$1" ] || is_done "$1"; }

# no_pidns_procs INODE: no process is in the pid namespace INODE.
no_pidns_procs() {
	! stat -L -c %i /proc/[0-9]*/ns/pid 2>/dev/null | grep -q -x -F -- "$1"
}

# The supervisor's pid from `$!`, checked to be vmjail before a signal.
kill_supervisor() {
	local cmd
	cmd=$(tr '\0' ' ' <"/proc/$VJ_BG/cmdline")
	[[ "$cmd" == "$VMJAIL run "* ]] || fail "pid $VJ_BG is not the supervisor: $cmd" || return 1
	kill "-$1" "$VJ_BG"
}
