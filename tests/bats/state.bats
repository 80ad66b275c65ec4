#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# state.bats - many jails without a daemon: ids and locks (races), list,
# status, stop, kill, gc, crash recovery, man pages, bash completion.
#
# Every test uses its own state root (VMJAIL_STATE_DIR below the test's
# directory), so jails of other suites or users are never listed, stopped
# or collected here. Signals go only to processes this file started ($!).

# Other runs of the suite on a shared host create and remove their own
# /tmp/vmjail-bats.* directories while this file runs; one that vanishes
# between the leak check's listing and its stat would count as ours.
VJ_LEAK_TMP_IGNORE="${VJ_LEAK_TMP_IGNORE:-} vmjail-bats.*"

load helpers

eval "helpers_$(declare -f setup)"
eval "helpers_$(declare -f teardown)"

setup() {
	helpers_setup
	export VMJAIL_STATE_DIR="$VJ_T/state"
	ST_PIDS=()
}

# Cgroups named after any jail of the test (ids "$VJ_ID" and "$VJ_ID-N").
st_cgroups() {
	[ -d /sys/fs/cgroup ] || return 0
	find /sys/fs/cgroup -maxdepth 6 -type d -name "$VJ_ID-*" 2>/dev/null || true
}

# The jails' directories in the state root (the compiled-filter cache,
# .seccomp-cache, stays there by design).
jail_dirs() {
	ls -A "$VMJAIL_STATE_DIR" 2>/dev/null | grep -vx '.seccomp-cache' || true
}

teardown() {
	local rc=0 left
	# Jails still running (a failed test): stop them through vmjail, which
	# signals only supervisors it has identified.
	if [ -d "$VMJAIL_STATE_DIR" ]; then
		for left in $(jail_dirs); do
			"$VMJAIL" stop --timeout 2 "$left" >/dev/null 2>&1 || true
		done
		"$VMJAIL" gc >/dev/null 2>&1 || true
	fi
	VJ_BG_PIDS+=(${ST_PIDS[@]+"${ST_PIDS[@]}"})
	left=$(st_cgroups)
	if [ -n "$left" ]; then
		echo "LEAK: cgroups left behind: $left"
		rc=1
	fi
	helpers_teardown || rc=1
	return $rc
}

# st_bg ID OUT ARGS...: `vmjail run --id ID ARGS` in the background; its pid
# (vmjail's: the supervisor) is appended to ST_PIDS and left in ST_BG.
st_bg() {
	local id=$1 out=$2
	shift 2
	"${VJ_PREFIX[@]}" "$VMJAIL" run --id "$id" --env "VJ_BATS_MARK=$VJ_MARK" "$@" >"$out" 2>"$out.err" </dev/null &
	ST_BG=$!
	ST_PIDS+=("$ST_BG")
}

# st_py EXPR: evaluate EXPR with `j` = `vmjail list --json` (a list).
st_list_py() {
	"${VJ_PREFIX[@]}" "$VMJAIL" list --json | python3 -c '
import json, sys
j = json.load(sys.stdin)
v = eval(sys.argv[1])
print(json.dumps(v) if not isinstance(v, str) else v)' "$1"
}

# st_running N: N jails listed, each running with a target pid.
st_running() {
	[ "$(st_list_py "sum(1 for e in j if e['status'] == 'running' and e['pid'])")" = "$1" ]
}

# st_listed N: N jails listed (the table has a header line).
st_listed() {
	[ "$("${VJ_PREFIX[@]}" "$VMJAIL" list | wc -l)" = $(($1 + 1)) ]
}

# st_status ID EXPR: EXPR over `vmjail status --json ID` as `s`.
st_status() {
	"${VJ_PREFIX[@]}" "$VMJAIL" status --json "$1" | python3 -c '
import json, sys
s = json.load(sys.stdin)
v = eval(sys.argv[1])
print(json.dumps(v) if not isinstance(v, str) else v)' "$2"
}

# The cgroup directories a jail recorded, one per line.
st_cgroup_paths() {
	st_status "$1" "'\n'.join(v for k, v in ((s['state'] or {}).get('cgroup') or {}).items() if isinstance(v, str) and v.startswith('/'))"
}

# ---- ids and locks -----------------------------------------------------------

@test "bad ids are rejected by run, status, stop, kill and gc" {
	as_root
	local long bad cmd
	long=$(printf 'x%.0s' $(seq 300))
	for bad in "../x" "" "$long" "a/b" "/etc/passwd" ".." "-x" $'a\nb' $'a\x01b' "a b"; do
		run --separate-stderr "$VMJAIL" run --id "$bad" -- true
		assert_status 125
		assert_contains "run --id message" "$stderr" "id"
		for cmd in status stop kill gc; do
			run --separate-stderr "$VMJAIL" "$cmd" -- "$bad"
			assert_status 125
			assert_contains "$cmd message" "$stderr" 'jail id "'
		done
	done
	# what was refused names nothing: no directory appeared
	[ -z "$(jail_dirs)" ]
	[ ! -e "$VJ_T/x" ] && [ ! -e "$VJ_T/etc" ]
}

@test "two concurrent runs with one id: exactly one wins, 100 rounds" {
	as_root
	local round a b sa sb winner loser lerr
	for round in $(seq 100); do
		st_bg "$VJ_ID" "$VJ_T/a" -- sleep 1000
		a=$ST_BG
		st_bg "$VJ_ID" "$VJ_T/b" -- sleep 1000
		b=$ST_BG
		# the loser exits by itself, at once (is_done: a zombie not yet
		# reaped by this shell counts; kill -0 would still reach it)
		wait_until 20 eval 'is_done $a || is_done $b' ||
			fail "round $round: both runs are still alive" \
				"a ($a): $(cut -d' ' -f3 "/proc/$a/stat" 2>/dev/null) $(cat "/proc/$a/wchan" 2>/dev/null): $(cat "$VJ_T/a.err")" \
				"b ($b): $(cut -d' ' -f3 "/proc/$b/stat" 2>/dev/null) $(cat "/proc/$b/wchan" 2>/dev/null): $(cat "$VJ_T/b.err")" \
				"$(ls -la "$VMJAIL_STATE_DIR/$VJ_ID" 2>&1; cat "$VMJAIL_STATE_DIR/$VJ_ID/lock" 2>&1)"
		if ! is_done "$a"; then
			winner=$a loser=$b lerr=$VJ_T/b.err
		else
			winner=$b loser=$a lerr=$VJ_T/a.err
		fi
		wait "$loser" && sb=0 || sb=$?
		[ "$sb" = 125 ] || fail "round $round: the loser exited $sb: $(cat "$lerr")"
		grep -q "jail $VJ_ID is running (pid $winner)" "$lerr" ||
			fail "round $round: the loser said: $(cat "$lerr")"
		run "$VMJAIL" stop "$VJ_ID"
		assert_status 0
		wait "$winner" && sa=0 || sa=$?
		[ "$sa" = 143 ] || fail "round $round: the winner exited $sa: $(cat "$VJ_T/a.err" "$VJ_T/b.err")"
		st_listed 0 || fail "round $round: $("$VMJAIL" list)"
	done
}

@test "100 concurrent runs with one id: one wins, 99 get exit 125 and the message" {
	as_root
	local i pids=() winner= codes=0 msgs=0 st
	for i in $(seq 100); do
		st_bg "$VJ_ID" "$VJ_T/r$i" -- sleep 1000
		pids+=("$ST_BG")
	done
	wait_until 60 st_running 1 || fail "no winner: $("$VMJAIL" list)"
	winner=$(st_list_py 'j[0]["supervisor_pid"]')
	for i in $(seq 100); do
		[ "${pids[i - 1]}" = "$winner" ] && continue
		wait "${pids[i - 1]}" && st=0 || st=$?
		[ "$st" = 125 ] || { codes=$((codes + 1)); echo "run $i exited $st: $(cat "$VJ_T/r$i.err")"; }
		grep -q "jail $VJ_ID is running (pid $winner)" "$VJ_T/r$i.err" || {
			msgs=$((msgs + 1))
			echo "run $i said: $(cat "$VJ_T/r$i.err")"
		}
	done
	[ "$codes" = 0 ] && [ "$msgs" = 0 ]
	run "$VMJAIL" stop "$VJ_ID"
	assert_status 0
	wait "$winner" || true
	st_listed 0
}

# ---- many jails ----------------------------------------------------------------

@test "50 concurrent jails: list shows 50 with correct pids; stop all; none left" {
	as_root
	local i n=50 pids=() bad=0 id pid sup
	for i in $(seq $n); do
		st_bg "$VJ_ID-$i" "$VJ_T/j$i" -- sleep 1000
		pids+=("$ST_BG")
	done
	wait_until 60 st_running $n || fail "not all running: $("$VMJAIL" list)"
	run "$VMJAIL" list
	assert_status 0
	[ "$(echo "$output" | grep -c "^$VJ_ID-[0-9]* *running")" = $n ] || fail "list: $output"
	declare -A sups tpids
	while read -r id sup pid; do
		sups[$id]=$sup
		tpids[$id]=$pid
	done < <(st_list_py "'\\n'.join('%s %s %s' % (e['id'], e['supervisor_pid'], e['pid']) for e in j)")
	for i in $(seq $n); do
		id=$VJ_ID-$i
		sup=${sups[$id]-}
		pid=${tpids[$id]-}
		[ "$sup" = "${pids[i - 1]}" ] || { bad=$((bad + 1)); echo "$id: supervisor $sup, started ${pids[i - 1]}"; }
		# the target pid is a sleep of this jail (its marker is in the environment)
		[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "sleep 1000 " ] &&
			grep -q -a "VJ_BATS_MARK=$VJ_MARK" "/proc/$pid/environ" || {
			bad=$((bad + 1))
			echo "$id: pid $pid is not its sleep"
		}
	done
	[ "$bad" = 0 ]
	# stop them all at once
	local stops=()
	for i in $(seq $n); do
		"$VMJAIL" stop "$VJ_ID-$i" >"$VJ_T/s$i" 2>&1 &
		stops+=($!)
	done
	for i in $(seq $n); do
		wait "${stops[i - 1]}" || { bad=$((bad + 1)); echo "stop $i: $(cat "$VJ_T/s$i")"; }
		wait "${pids[i - 1]}" || true
	done
	[ "$bad" = 0 ]
	st_listed 0 || fail "left: $("$VMJAIL" list)"
	[ -z "$(jail_dirs)" ] || fail "state root not empty: $(jail_dirs)"
	[ -z "$(st_cgroups)" ]
}

# ---- crash recovery ----------------------------------------------------------

@test "supervisor SIGKILLed: list marks it stale, gc removes everything, the id runs again" {
	as_root
	local cgs c
	st_bg "$VJ_ID" "$VJ_T/j" -- sleep 1000
	wait_until 20 st_running 1 || fail "$(cat "$VJ_T/j.err")"
	cgs=$(st_cgroup_paths "$VJ_ID")
	kill -KILL "$ST_BG" # vmjail, started above
	wait "$ST_BG" || true
	wait_until 5 no_marked_pids || fail "the jail outlived its supervisor: $(marked_pids)"
	[ "$(st_list_py 'j[0]["status"]')" = stale ]
	[ "$(st_list_py 'j[0]["stale"]')" = true ]
	run "$VMJAIL" list
	assert_contains "list" "$output" "stale"
	run --separate-stderr "$VMJAIL" gc
	assert_status 0
	assert_contains "gc" "$stderr" "jail $VJ_ID: removed the state of a dead jail"
	for c in $cgs; do
		assert_contains "gc" "$stderr" "removed cgroup $c"
		[ ! -e "$c" ] || fail "cgroup $c is still there"
	done
	st_listed 0
	[ -z "$(jail_dirs)" ]
	jsh 'exit 7'
	assert_status 7
}

@test "the next run with a dead jail's id removes its leftovers and says so" {
	as_root
	local cgs c
	st_bg "$VJ_ID" "$VJ_T/j" -- sleep 1000
	wait_until 20 st_running 1 || fail "$(cat "$VJ_T/j.err")"
	cgs=$(st_cgroup_paths "$VJ_ID")
	[ -n "$cgs" ] || fail "no cgroup in the started record"
	kill -KILL "$ST_BG"
	wait "$ST_BG" || true
	wait_until 5 no_marked_pids
	# The dead jail's leaves are still there; a process in one of them
	# (what a crashed run can leave) must not survive the next run.
	local leftover c1
	c1=$(head -n1 <<<"$cgs")
	[ -d "$c1" ] || fail "the dead jail's cgroup $c1 is already gone"
	sleep 1000 &
	leftover=$!
	echo "$leftover" >"$c1/cgroup.procs"
	jsh 'exit 0'
	local st=$status
	wait_until 5 eval '! kill -0 $leftover 2>/dev/null' || { kill -KILL "$leftover"; fail "the process left in $c1 survived the new run"; }
	wait "$leftover" 2>/dev/null || true
	[ "$st" -eq 0 ] || fail "the new run exited $st"
	assert_contains "run" "$stderr" "removed the state of an earlier run of jail $VJ_ID"
	for c in $cgs; do
		[ ! -e "$c" ] || fail "cgroup $c is still there after the new run"
	done
	st_listed 0
}

# ---- stop and kill ---------------------------------------------------------------

@test "stop falls back to SIGKILL for a target that ignores SIGTERM" {
	as_root
	local st t0 t1
	st_bg "$VJ_ID" "$VJ_T/j" -- sh -c 'trap "" TERM; sleep 1000'
	wait_until 20 st_running 1 || fail "$(cat "$VJ_T/j.err")"
	t0=$(now_us)
	run --separate-stderr "$VMJAIL" stop --timeout 1 "$VJ_ID"
	t1=$(now_us)
	assert_status 2
	assert_contains "stop" "$stderr" "did not stop within 1 s: SIGKILL"
	(((t1 - t0) >= 1000000)) || fail "stop took only $(((t1 - t0) / 1000)) ms"
	wait "$ST_BG" && st=0 || st=$?
	[ "$st" = 137 ] || fail "vmjail exited $st"
	st_listed 0
	[ -z "$(jail_dirs)" ]
}

@test "kill forwards a signal; kill KILL ends the jail and cleans up; stale and unknown ids" {
	as_root
	local st
	st_bg "$VJ_ID" "$VJ_T/j" -- sh -c 'trap "echo got-usr1" USR1; while :; do sleep 0.05; done'
	wait_until 20 st_running 1 || fail "$(cat "$VJ_T/j.err")"
	run "$VMJAIL" kill "$VJ_ID" USR1
	assert_status 0
	wait_until 5 file_has "$VJ_T/j" got-usr1 || fail "no USR1 seen: $(cat "$VJ_T/j" "$VJ_T/j.err")"
	run "$VMJAIL" kill "$VJ_ID" SIGSTOP
	assert_status 125
	run "$VMJAIL" kill "$VJ_ID" KILL
	assert_status 0
	wait "$ST_BG" && st=0 || st=$?
	[ "$st" = 137 ]
	st_listed 0
	run --separate-stderr "$VMJAIL" stop nosuchjail
	assert_status 1
	assert_contains "stop" "$stderr" "no jail nosuchjail"
	run --separate-stderr "$VMJAIL" kill nosuchjail
	assert_status 1
}

@test "status: the jail's record and its log" {
	as_root
	st_bg "$VJ_ID" "$VJ_T/j" -- sleep 1000
	wait_until 20 st_running 1 || fail "$(cat "$VJ_T/j.err")"
	[ "$(st_status "$VJ_ID" 's["supervisor_pid"]')" = "$ST_BG" ]
	[ "$(st_status "$VJ_ID" 's["state"]["argv"]')" = '["sleep", "1000"]' ]
	[ "$(st_status "$VJ_ID" 's["state"]["status"]')" = running ]
	run "$VMJAIL" status "$VJ_ID"
	assert_status 0
	assert_contains "status" "$output" "supervisor pid: $ST_BG"
	grep -q '"event":"started"' "$VMJAIL_STATE_DIR/$VJ_ID/log"
	[ "$(stat -c %a "$VMJAIL_STATE_DIR")" = 700 ]
	run "$VMJAIL" stop "$VJ_ID"
	assert_status 0
}

@test "an unprivileged caller: its own state root, list, stop" {
	as_user
	mkdir_for_jail "$VJ_T/u"
	export VMJAIL_STATE_DIR="$VJ_T/u/state"
	st_bg "$VJ_ID" "$VJ_T/u/j" -- sleep 1000
	wait_until 20 st_running 1 || fail "$(cat "$VJ_T/u/j.err")"
	[ "$(stat -c '%u %a' "$VMJAIL_STATE_DIR")" = "$VJ_CALLER_UID 700" ]
	run vj stop "$VJ_ID"
	assert_status 0
	wait "$ST_BG" || true
	st_listed 0
}

# A writable bind holding the state root, or inside it, would let PROGRAM
# rewrite the registry and the seccomp filter cache that later launches
# trust: refused before anything runs, exit 125, nothing left behind.
check_state_root_binds() {
	local root=$1 parent=$2
	for b in "--bind $parent:/x" "--bind $root:/x" "--bind $root/.seccomp-cache:/x" "--dev-bind $parent:/x"; do
		mkdir -p "$root/.seccomp-cache" 2>/dev/null || true
		# shellcheck disable=SC2086
		run --separate-stderr vj run --id "$VJ_ID" $b -- true
		assert_status 125 || return 1
		assert_contains "$b" "$stderr" "vmjail's state root" || return 1
		[ -z "$(jail_dirs)" ] || fail "$b: a state directory was left: $(jail_dirs)" || return 1
	done
	run --separate-stderr vj run --id "$VJ_ID" --ro-bind "$parent:/x" -- true
	assert_status 0
}

@test "root: a writable bind of (or into) the state root is refused" {
	as_root
	check_state_root_binds "$VMJAIL_STATE_DIR" "$VJ_T"
}

@test "user: a writable bind of (or into) the state root is refused" {
	as_user
	mkdir_for_jail "$VJ_T/u"
	export VMJAIL_STATE_DIR="$VJ_T/u/state"
	vj run --id "$VJ_ID" -- true
	check_state_root_binds "$VMJAIL_STATE_DIR" "$VJ_T/u"
}

@test "stop on a real QEMU: system_powerdown, then quit, seen as QMP events" {
	as_root
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
	local sock=$VJ_T/qemu.qmp st
	st_bg "$VJ_ID" "$VJ_T/q" --profile qemu-system-x86_64 --qmp "$sock" -- \
		qemu-system-x86_64 -machine q35 -accel tcg -display none -nodefaults
	wait_until 30 st_running 1 || fail "$(cat "$VJ_T/q.err")"
	wait_until 10 test -S "$sock"
	[ "$(st_status "$VJ_ID" 's["qmp_status"]["status"]')" = running ]
	# the id stands for the jail's socket
	run --separate-stderr "$VMJAIL" qmp "$VJ_ID" query-status
	assert_status 0
	assert_contains "qmp ID" "$output" '"running"'
	# an event watcher: a QMP shell whose input (a fifo) stays open
	mkfifo "$VJ_T/in"
	"$VMJAIL" qmp "$sock" <"$VJ_T/in" >"$VJ_T/events" 2>&1 &
	ST_PIDS+=($!)
	exec 8>"$VJ_T/in"
	wait_until 5 test -s "$VJ_T/events" || sleep 0.5
	run --separate-stderr "$VMJAIL" stop --timeout 6 "$VJ_ID"
	assert_status 0
	wait "$ST_BG" && st=0 || st=$?
	grep -q '"POWERDOWN"' "$VJ_T/events" || fail "no POWERDOWN event: $(cat "$VJ_T/events")"
	grep -q '"SHUTDOWN"' "$VJ_T/events" || fail "no SHUTDOWN event: $(cat "$VJ_T/events")"
	st_listed 0
	[ ! -e "$sock" ]
	exec 8>&-
}

@test "a SIGKILLed QEMU jail: gc removes its QMP socket and cgroups" {
	as_root
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
	local sock=$VJ_T/qemu.qmp cgs c
	st_bg "$VJ_ID" "$VJ_T/q" --profile qemu-system-x86_64 --qmp "$sock" -- \
		qemu-system-x86_64 -machine q35 -accel tcg -display none -nodefaults -S
	wait_until 30 st_running 1 || fail "$(cat "$VJ_T/q.err")"
	wait_until 10 test -S "$sock"
	cgs=$(st_cgroup_paths "$VJ_ID")
	kill -KILL "$ST_BG" # vmjail, started above
	wait "$ST_BG" || true
	wait_until 5 no_marked_pids || fail "the jail outlived its supervisor: $(marked_pids)"
	[ -S "$sock" ]
	run "$VMJAIL" qmp "$VJ_ID" query-status
	assert_status 125
	run --separate-stderr "$VMJAIL" gc
	assert_status 0
	assert_contains "gc" "$stderr" "removed QMP socket $sock"
	for c in $cgs; do
		assert_contains "gc" "$stderr" "removed cgroup $c"
	done
	[ ! -e "$sock" ]
	st_listed 0
}

# ---- man pages and completion ---------------------------------------------------

@test "man pages render without warnings" {
	local dir=${VMJAIL_MANDIR:-} f n=0 e
	command -v man >/dev/null || skip "man is not installed"
	if [ -z "$dir" ] || ! ls "$dir"/*.[15] >/dev/null 2>&1; then
		command -v scdoc >/dev/null || skip "no built man pages and no scdoc"
		dir=$VJ_T/man
		mkdir -p "$dir"
		for f in "$VMJAIL_SRCDIR"/doc/*.scd; do
			f=${f##*/}
			scdoc <"$VMJAIL_SRCDIR/doc/$f" >"$dir/${f%.scd}"
		done
	fi
	for f in "$dir"/*.[15]; do
		e=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null)
		[ -z "$e" ] || fail "$f: $e"
		n=$((n + 1))
	done
	((n >= 12)) || fail "only $n man pages in $dir"
	for f in vmjail vmjail-run vmjail-list vmjail-status vmjail-stop vmjail-kill vmjail-gc vmjail-qmp; do
		[ -e "$dir/$f.1" ] || fail "no $f.1"
	done
	MANWIDTH=80 man -l "$dir/vmjail-stop.1" 2>/dev/null | grep -q "SIGKILL"
	# every option of `vmjail run --help` is in vmjail-run(1)
	local o missing=
	for o in $("$VMJAIL" run --help | sed -n 's/^ *\(--[a-z0-9-]*\).*/\1/p'); do
		grep -q -- "\*$o\*" "$VMJAIL_SRCDIR/doc/vmjail-run.1.scd" || missing="$missing $o"
	done
	[ -z "$missing" ] || fail "vmjail-run(1) lacks:$missing"
}

@test "bash completion: sourced without errors, completes commands and a live id" {
	as_root
	local comp=$VMJAIL_SRCDIR/contrib/bash-completion/vmjail
	run --separate-stderr bash --norc --noprofile -c "source '$comp' && complete -p vmjail"
	assert_status 0
	assert_eq "stderr" "" "$stderr"
	assert_contains "complete" "$output" "_vmjail vmjail"
	st_bg "$VJ_ID-live" "$VJ_T/j" -- sleep 1000
	wait_until 20 st_running 1 || fail "$(cat "$VJ_T/j.err")"
	local script='
		source "$1"
		COMP_WORDS=("$2" "$3" "$4"); COMP_CWORD=2
		COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
		_vmjail
		printf "%s\n" "${COMPREPLY[@]}"'
	run --separate-stderr bash --norc --noprofile -c "$script" _ "$comp" "$VMJAIL" stop "${VJ_ID:0:5}"
	assert_status 0
	assert_eq "stderr" "" "$stderr"
	assert_contains "stop ID<tab>" "$output" "$VJ_ID-live"
	run --separate-stderr bash --norc --noprofile -c '
		source "$1"; COMP_WORDS=("$2" st); COMP_CWORD=1; COMP_LINE="vmjail st"; COMP_POINT=9
		_vmjail; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" "$VMJAIL"
	assert_contains "commands" "$output" "status"
	assert_contains "commands" "$output" "stop"
	if [ -r /usr/share/bash-completion/bash_completion ]; then
		run --separate-stderr bash --norc --noprofile -c "source /usr/share/bash-completion/bash_completion; $script" \
			_ "$comp" "$VMJAIL" stop ""
		assert_status 0
		assert_contains "with bash-completion" "$output" "$VJ_ID-live"
	fi
	run "$VMJAIL" stop "$VJ_ID-live"
	assert_status 0
}
