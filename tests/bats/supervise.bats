#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# supervise.bats - the jail's life from the host: exit statuses, signal
# forwarding, the jail dying with its supervisor (even by SIGKILL), what
# PROGRAM leaves behind, --wait all, --info-fd, and in-place mode (--exec).
# Each check runs as root and as an unprivileged caller; the leak checks of
# helpers.bash run after every test. `meson test bats-supervise-enosys` is this file
# again with the runtime's fallbacks for older kernels.

load helpers

# ---- exit statuses ---------------------------------------------------------------

check_exit_statuses() {
	jsh 'exit 7'
	assert_status 7
	jsh 'kill -TERM $$'
	assert_status 143
	jsh 'kill -KILL $$'
	assert_status 137
	jrun -- /bin/true
	assert_status 0
	assert_eq "stderr of a clean run" "" "$(errors)"
}

@test "root: exit status is PROGRAM's, 128+N when killed by signal N" {
	as_root
	check_exit_statuses
}

@test "user: exit status is PROGRAM's, 128+N when killed by signal N" {
	as_user
	check_exit_statuses
}

check_not_found() {
	jrun -127 -- no-such-program-vmjail arg
	assert_contains "message" "$stderr" "no-such-program-vmjail"
	assert_contains "message" "$stderr" "vmjail:"
	# on the host, but not in the jail
	printf '#!/bin/sh\necho ran\n' >"$VJ_T/prog"
	chmod 755 "$VJ_T/prog"
	jrun -127 -- "$VJ_T/prog"
	assert_eq "stdout" "" "$output"
	assert_contains "message" "$stderr" "$VJ_T/prog"
}

@test "root: PROGRAM not found in the jail exits 127 with a message" {
	as_root
	check_not_found
}

@test "user: PROGRAM not found in the jail exits 127 with a message" {
	as_user
	check_not_found
}

check_not_executable() {
	[ -e /etc/nsswitch.conf ] || skip "no /etc/nsswitch.conf to bind"
	jrun -- /etc/nsswitch.conf
	assert_status 126
	assert_contains "message" "$stderr" "/etc/nsswitch.conf"
	jrun -- /usr
	assert_status 126
	assert_contains "message" "$stderr" "/usr"
}

@test "root: PROGRAM that cannot be executed exits 126 with a message" {
	as_root
	check_not_executable
}

@test "user: PROGRAM that cannot be executed exits 126 with a message" {
	as_user
	check_not_executable
}

# A step of the child's setup that fails: 125, the step and the reason.
check_setup_failure() {
	jrun --chdir /no-such-dir -- /bin/true
	assert_status 125
	assert_contains "message" "$stderr" "/no-such-dir"
	assert_contains "message" "$stderr" "vmjail:"
	assert_eq "stdout" "" "$output"
}

@test "root: a failed setup step exits 125 with the step and the reason" {
	as_root
	check_setup_failure
}

@test "user: a failed setup step exits 125 with the step and the reason" {
	as_user
	check_setup_failure
}

# ---- signals ----------------------------------------------------------------------

# Each forwarded signal reaches PROGRAM's trap (each trap exits with its
# own code, so a wrong signal shows).
check_signal_forwarding() {
	local sig code script
	script='trap "exit 41" TERM; trap "exit 42" INT; trap "exit 43" HUP
		trap "exit 44" QUIT; trap "exit 45" USR1; trap "exit 46" USR2
		echo ready; while :; do sleep 0.02; done'
	code=41
	for sig in TERM INT HUP QUIT USR1 USR2; do
		rm -f "$VJ_T/out"
		bg_jail "$VJ_T/out" -- sh -c "$script"
		wait_until 5 file_has "$VJ_T/out" ready ||
			fail "SIG$sig: the jail did not start: $(cat "$VJ_T/out.err")" || return 1
		kill_supervisor "$sig" || return 1
		wait_exit "$VJ_BG" 5 || fail "SIG$sig: not forwarded (jail still running)" || return 1
		[ "$status" = "$code" ] || fail "SIG$sig: expected exit status $code, got $status" \
			"stderr: $(cat "$VJ_T/out.err")" || return 1
		code=$((code + 1))
	done
}

@test "root: SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 are forwarded to PROGRAM" {
	as_root
	check_signal_forwarding
}

@test "user: SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 are forwarded to PROGRAM" {
	as_user
	check_signal_forwarding
}

# PROGRAM that ignores SIGTERM: the jail goes on; the exit status is
# PROGRAM's when it exits later.
check_signal_ignored() {
	bg_jail "$VJ_T/out" -- sh -c 'trap "" TERM; echo ready; sleep 0.3; exit 9'
	wait_until 5 file_has "$VJ_T/out" ready || fail "the jail did not start" || return 1
	kill_supervisor TERM || return 1
	wait_exit "$VJ_BG" 5 || return 1
	assert_status 9
}

@test "root: a signal PROGRAM ignores does not end the jail" {
	as_root
	check_signal_ignored
}

@test "user: a signal PROGRAM ignores does not end the jail" {
	as_user
	check_signal_ignored
}

# A second after the start the supervisor drops what setup left resident
# (jailer/trim.c): the kernel's count of its file pages falls by more than
# half, and the supervisor still forwards signals and reports. File pages
# are RssFile, or RssShmem for a binary on a tmpfs (a copy in a tmpfs
# /tmp, when the tree is out of uid 65534's reach).
rss_file_kb() { awk '/^Rss(File|Shmem):/ {n += $2} END {print n}' "/proc/$1/status"; }

check_supervisor_trim() {
	bg_jail "$VJ_T/out" -- sh -c 'trap "exit 41" TERM; echo ready; while :; do sleep 0.02; done'
	wait_until 5 file_has "$VJ_T/out" ready || fail "the jail did not start: $(cat "$VJ_T/out.err")" || return 1
	local before after
	before=$(rss_file_kb "$VJ_BG")
	sleep 2
	after=$(rss_file_kb "$VJ_BG")
	echo "# supervisor RssFile+RssShmem: $before kB at the start, $after kB two seconds later" >&3
	[ -n "$before" ] && [ -n "$after" ] && [ "$((after * 2))" -lt "$before" ] ||
		fail "RssFile+RssShmem did not fall by half: $before kB -> $after kB" || return 1
	kill_supervisor TERM || return 1
	wait_exit "$VJ_BG" 5 || fail "SIGTERM not forwarded after the trim" || return 1
	assert_status 41
}

@test "root: a second after the start the supervisor gives setup's memory back, and still works" {
	as_root
	check_supervisor_trim
}

@test "user: a second after the start the supervisor gives setup's memory back, and still works" {
	as_user
	check_supervisor_trim
}

# libcap-ng is loaded where a profile names a capability, not at every
# launch (jailer/dl.c); json-c and libseccomp are linked in unless the build
# says otherwise (-Dstatic_deps=false): the kernel's map of the supervisor
# shows which libraries it holds. (A static build holds none.)
maps_has() { grep -q -- "$2" "/proc/$1/maps"; }

check_supervisor_libraries() {
	ldd "$VMJAIL" 2>/dev/null | grep -q 'libc\.so' || skip "a static vmjail maps no shared library"
	local caps static_deps
	caps=$(write_profile caps '{ "extends": "generic", "capabilities": ["CAP_CHOWN"] }')
	static_deps=$("$VMJAIL" features --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["build"]["static-deps"])')
	bg_jail "$VJ_T/out" -- sh -c 'trap "exit 0" TERM; echo ready; while :; do sleep 0.02; done'
	wait_until 5 file_has "$VJ_T/out" ready || fail "the jail did not start: $(cat "$VJ_T/out.err")" || return 1
	maps_has "$VJ_BG" '/libc\.so' || fail "libc not in the supervisor's maps: the oracle sees nothing" || return 1
	! maps_has "$VJ_BG" libcap-ng || fail "libcap-ng mapped by a launch whose profile names no capability" || return 1
	local lib
	for lib in libjson-c libseccomp; do
		if [ "$static_deps" = True ]; then
			! maps_has "$VJ_BG" "$lib" || fail "$lib mapped, but features says static-deps" || return 1
		else
			maps_has "$VJ_BG" "$lib" || fail "$lib not mapped, but features says no static-deps" || return 1
		fi
	done
	kill_supervisor TERM || return 1
	wait_exit "$VJ_BG" 5 || return 1
	bg_jail "$VJ_T/out2" --profile "$caps" -- sh -c 'trap "exit 0" TERM; grep CapEff /proc/self/status; echo ready; while :; do sleep 0.02; done'
	wait_until 5 file_has "$VJ_T/out2" ready || fail "the jail did not start: $(cat "$VJ_T/out2.err")" || return 1
	maps_has "$VJ_BG" libcap-ng || fail "libcap-ng not loaded for a profile that names a capability" || return 1
	assert_contains "CAP_CHOWN kept" "$(cat "$VJ_T/out2")" "CapEff:	0000000000000001"
	kill_supervisor TERM || return 1
	wait_exit "$VJ_BG" 5
}

@test "root: the supervisor maps libcap-ng only for a profile that names a capability, json-c and libseccomp as built" {
	as_root
	check_supervisor_libraries
}

@test "user: the supervisor maps libcap-ng only for a profile that names a capability, json-c and libseccomp as built" {
	as_user
	check_supervisor_libraries
}

# ---- the jail dies with its supervisor --------------------------------------------

check_supervisor_sigkill() {
	bg_jail "$VJ_T/out" --info-fd 8 -- sh -c 'sleep 1000 & sleep 1000 & echo ready; exec sleep 1000' 8>"$VJ_T/info"
	wait_until 5 file_has "$VJ_T/out" ready || fail "the jail did not start: $(cat "$VJ_T/out.err")" || return 1
	record "$VJ_T/info" 1 || return 1
	record_jail "$VJ_T/info"
	local pid=${R[pid]} init=${R[init-pid]} pidns=${R[namespaces.pid]}
	assert_eq "supervisor pid in the record" "$VJ_BG" "${R[supervisor-pid]}"
	[ -d "/proc/$pid" ] && [ -d "/proc/$init" ] || fail "PROGRAM $pid or init $init not running" || return 1
	assert_eq "pid namespace of PROGRAM" "$pidns" "$(pidns_of "$pid")"
	kill_supervisor KILL || return 1
	local t0
	t0=$(now_us)
	wait "$VJ_BG" || true
	# (init is reaped by whoever inherits it: gone means not running)
	wait_until 2 proc_gone "$init" || fail "init $init alive 2 s after the supervisor's SIGKILL" || return 1
	wait_until 2 proc_gone "$pid" || fail "PROGRAM $pid alive 2 s after the supervisor's SIGKILL" || return 1
	echo "# init and PROGRAM gone $((($(now_us) - t0) / 1000)) ms after the SIGKILL" >&3
	wait_until 2 no_pidns_procs "$pidns" || fail "processes left in the jail's pid namespace $pidns" || return 1
	# What the supervisor could not remove (its cgroup leaves, its state)
	# the next run with the same id removes; then nothing may remain.
	jrun -- /bin/true
	assert_status 0
	[ -z "$stderr" ] || printf '%s\n' "the next run with the id:" "$stderr" | sed 's/^/# /' >&3
}

@test "root: SIGKILL of the supervisor kills the whole jail" {
	as_root
	check_supervisor_sigkill
}

@test "user: SIGKILL of the supervisor kills the whole jail" {
	as_user
	check_supervisor_sigkill
}

# When PROGRAM exits, whatever it left running is killed, promptly. The
# sleep's pid is a jail pid, so the host checks the jail's init (gone) and
# the jail's pid namespace (no process in it; held open from the started
# record on, so its inode number cannot pass to another jail meanwhile).
check_leftovers_killed() {
	local t0 t1
	mkdir_for_jail "$VJ_T/ctl"
	bg_jail "$VJ_T/out" --info-fd 8 --bind "$VJ_T/ctl:/ctl" -- sh -c 'sleep 1000 & echo "sleep $!"
		sleep 1000 & while [ ! -e /ctl/go ]; do sleep 0.02; done; exit 0' 8>"$VJ_T/info"
	wait_until 5 file_has "$VJ_T/out" sleep || fail "the jail did not start: $(cat "$VJ_T/out.err")" || return 1
	wait_until 2 file_has "$VJ_T/info" started || fail "no started record" || return 1
	record_jail "$VJ_T/info"
	local init=${R[init-pid]} pidns=${R[namespaces.pid]}
	[[ " ${VJ_JAIL_PIDNS} " == *" $pidns "* ]] || fail "the jail's pid namespace could not be held" || return 1
	[ -d "/proc/$init" ] || fail "init $init not running" || return 1
	no_pidns_procs "$pidns" && fail "no process in the jail's pid namespace $pidns while it runs" && return 1
	t0=$(now_us)
	touch "$VJ_T/ctl/go"
	wait_exit "$VJ_BG" 5 || return 1
	t1=$(now_us)
	assert_status 0
	(((t1 - t0) < 2000000)) || fail "took $(((t1 - t0) / 1000)) ms" || return 1
	assert_eq "the sleep's pid in the jail" "sleep 3" "$(cat "$VJ_T/out")"
	wait_until 1 proc_gone "$init" || fail "the jail's init $init still running" || return 1
	wait_until 1 no_pidns_procs "$pidns" || fail "processes left in the jail's pid namespace $pidns" || return 1
}

@test "root: when PROGRAM exits, what it left running is killed" {
	as_root
	check_leftovers_killed
}

@test "user: when PROGRAM exits, what it left running is killed" {
	as_user
	check_leftovers_killed
}

# A PROGRAM that daemonizes: its child, in its own session, outlives it.
DAEMONIZE='( setsid sh -c "sleep 0.4; echo late; exit 3" & ); echo early; exit 0'

check_wait_all() {
	local t0 t1
	t0=$(now_us)
	bg_jail "$VJ_T/out" --wait all -- sh -c "$DAEMONIZE"
	wait_until 5 file_has "$VJ_T/out" early || fail "the jail did not start: $(cat "$VJ_T/out.err")" || return 1
	is_done "$VJ_BG" && fail "the jail ended with PROGRAM, its daemon still running" && return 1
	wait_exit "$VJ_BG" 5 || return 1
	t1=$(now_us)
	assert_eq "output" "$(printf 'early\nlate')" "$(cat "$VJ_T/out")"
	(((t1 - t0) >= 400000)) || fail "ended after $(((t1 - t0) / 1000)) ms, before the daemon"
	# PROGRAM exited 0; the status is the last process's
	assert_status 3
}

@test "root: --wait all keeps the jail until its last process exits" {
	as_root
	check_wait_all
}

@test "user: --wait all keeps the jail until its last process exits" {
	as_user
	check_wait_all
}

check_wait_target() {
	bg_jail "$VJ_T/out" -- sh -c "$DAEMONIZE"
	wait_exit "$VJ_BG" 5 || return 1
	assert_status 0
	# the daemon would print "late" 0.4 s after the start
	sleep 0.6
	assert_eq "output" "early" "$(cat "$VJ_T/out")"
}

@test "root: by default (--wait target) a daemon of PROGRAM dies with it" {
	as_root
	check_wait_target
}

@test "user: by default (--wait target) a daemon of PROGRAM dies with it" {
	as_user
	check_wait_target
}

# ---- --info-fd --------------------------------------------------------------------

check_info_fd() {
	mkdir_for_jail "$VJ_T/ctl"
	bg_jail "$VJ_T/out" --info-fd 8 --bind "$VJ_T/ctl:/ctl" -- \
		sh -c 'echo ready; while [ ! -e /ctl/go ]; do sleep 0.02; done; exit 5' 8>"$VJ_T/info"
	wait_until 5 file_has "$VJ_T/out" ready || fail "the jail did not start: $(cat "$VJ_T/out.err")" || return 1
	wait_until 2 file_has "$VJ_T/info" started || fail "no started record" || return 1
	record "$VJ_T/info" 1 || return 1
	record_jail "$VJ_T/info"
	local pid=${R[pid]} n host
	assert_eq "records while running" 1 "$R_LINES"
	assert_eq "event" started "${R[event]}"
	assert_eq "id" "$VJ_ID" "${R[id]}"
	assert_eq "uid, gid" "65534 65534" "${R[uid]} ${R[gid]}"
	assert_eq "supervisor-pid" "$VJ_BG" "${R[supervisor-pid]}"
	[ -d "/proc/$pid" ] || fail "pid $pid of the record is not running" || return 1
	# that host pid is PROGRAM: pid 2 in its namespace, running sh
	assert_eq "NSpid of $pid" "$pid 2" "$(grep '^NSpid:' "/proc/$pid/status" | cut -f2- | tr '\t' ' ')"
	assert_eq "comm of $pid" "sh" "$(cat "/proc/$pid/comm")"
	assert_eq "NSpid of init ${R[init-pid]}" "${R[init-pid]} 1" \
		"$(grep '^NSpid:' "/proc/${R[init-pid]}/status" | cut -f2- | tr '\t' ' ')"
	assert_eq "root" "/proc/$pid/root" "${R[root]}"
	for n in mnt pid net ipc uts cgroup user; do
		host=$(stat -L -c %i "/proc/$pid/ns/$n")
		assert_eq "$n namespace inode in the record" "$host" "${R[namespaces.$n]}"
	done
	touch "$VJ_T/ctl/go"
	wait_exit "$VJ_BG" 5 || return 1
	assert_status 5
	record "$VJ_T/info" 2 || return 1
	assert_eq "records" 2 "$R_LINES"
	assert_eq "exited record" "exited $VJ_ID 5 null 5" \
		"${R[event]} ${R[id]} ${R[status]} ${R[signal]} ${R[exit-code]}"

	# killed by a signal
	jsh 'kill -KILL $$' --info-fd 8 8>"$VJ_T/info2"
	assert_status 137
	record "$VJ_T/info2" 2 || return 1
	assert_eq "exited record after SIGKILL" "exited null 9 137" \
		"${R[event]} ${R[status]} ${R[signal]} ${R[exit-code]}"
}

@test "root: --info-fd writes a started and an exited record that match the kernel's view" {
	as_root
	check_info_fd
}

@test "user: --info-fd writes a started and an exited record that match the kernel's view" {
	as_user
	check_info_fd
}

# ---- in-place mode -------------------------------------------------------------------

check_exec_inplace() {
	run --separate-stderr timeout -k 5 30 "${VJ_PREFIX[@]}" bash -c 'echo $$; exec "$@"' bash \
		"$VMJAIL" run --exec --id "$VJ_ID" --env "VJ_BATS_MARK=$VJ_MARK" -- \
		sh -c 'echo $$; cut -d" " -f6,7 /proc/$$/stat; for n in mnt net pid ipc uts; do echo "$n $(readlink /proc/self/ns/$n)"; done'
	assert_status 0
	local caller=${lines[0]}
	assert_eq "PROGRAM's pid (the caller's)" "$caller" "${lines[1]}"
	assert_eq "session, tty_nr" "$caller 0" "${lines[2]}"
	local n got
	for n in mnt net ipc uts; do
		got=$(printf '%s\n' "${lines[@]}" | sed -n "s/^$n //p")
		assert_ne "$n namespace (new in place too)" "$(host_ns "$n")" "$got"
	done
	got=$(printf '%s\n' "${lines[@]}" | sed -n "s/^pid //p")
	assert_eq "pid namespace (the host's: no pid namespace in place)" "$(host_ns pid)" "$got"

	run --separate-stderr timeout -k 5 30 "${VJ_PREFIX[@]}" "$VMJAIL" run --exec --id "$VJ_ID" \
		--env "VJ_BATS_MARK=$VJ_MARK" -- sh -c 'grep -E "^(NoNewPrivs|CapEff)" /proc/self/status; id -u; exit 7'
	assert_status 7
	assert_eq "privileges in place" "$(printf 'CapEff:0000000000000000\nNoNewPrivs:1\n65534')" \
		"$(echo "$output" | tr -d ' \t')"
	# Once PROGRAM has exited, nothing of the jail may remain on the host.
	# In place no supervisor stays to remove what the run created; a
	# later run with the same id removes a stale cgroup leaf, so the test
	# makes one on cleanup (for the next tests), after checking.
	on_cleanup "timeout 30 \"\$VMJAIL\" run --log-level error --id \"\$VJ_ID\" -- /bin/true"
	local left
	left=$(cgroup_leaves | grep -F "/vmjail/$VJ_ID" || true)
	[ -z "$left" ] || fail "in place, the jail's cgroup leaves remain after PROGRAM exited:" "$left"
}

@test "root: --exec runs PROGRAM in place: same pid, new mount and net namespaces" {
	as_root
	check_exec_inplace
}

@test "user: --exec runs PROGRAM in place: same pid, new mount and net namespaces" {
	as_user
	check_exec_inplace
}
