#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# seccomp.bats - seccomp through the jail: `vmjail seccomp learn` runs
# PROGRAM in its jail and writes a policy; PROGRAM runs under that policy;
# a variant making one more system call is killed, and --seccomp-debug
# names the call. The kernel is the oracle (exit statuses, Seccomp: 2).

load helpers

check_learn_round_trip() {
	mkdir_for_jail "$VJ_T/out"
	local policy=$VJ_T/out/ls.json
	run --separate-stderr timeout -k 5 60 "${VJ_PREFIX[@]}" "$VMJAIL" seccomp learn -o "$policy" \
		-- /bin/ls /
	assert_status 0
	assert_contains "learn reports what it wrote" "$stderr" "policy written to $policy"
	[ -s "$policy" ] || fail "no policy written"
	"$VJ_PY" -c 'import json,sys; p=json.load(open(sys.argv[1])); assert "execve" in json.dumps(p["allow"])' "$policy" ||
		fail "the learned policy does not allow execve"

	jrun --seccomp "$policy" -- /bin/sh -c 'exec /bin/ls /'
	# sh itself was not learned: it may be killed; ls alone must pass.
	jrun --seccomp "$policy" -- /bin/ls /
	assert_status 0
	assert_contains "ls output" "$output" "usr"

	jrun --seccomp "$policy" -- /bin/ls -la /
	assert_status 159
	assert_contains "the kill is reported" "$stderr" "killed by seccomp"

	jrun --seccomp "$policy" --seccomp-debug -- /bin/ls -la /
	assert_ne "debug mode ends PROGRAM" "$status" 0
	assert_contains "debug mode names the syscall" "$stderr" "killed by seccomp: "
}

@test "root: seccomp learn in the jail, then the learned policy: passes; one more syscall: killed" {
	as_root
	check_learn_round_trip
}

@test "user: seccomp learn in the jail, then the learned policy: passes; one more syscall: killed" {
	as_user
	check_learn_round_trip
}

check_filter_on() {
	jsh 'grep -E "^Seccomp:" /proc/self/status'
	assert_status 0
	assert_contains "filter mode" "$output" "2"
}

@test "root: PROGRAM runs with a seccomp filter (Seccomp: 2)" { as_root; check_filter_on; }
@test "user: PROGRAM runs with a seccomp filter (Seccomp: 2)" { as_user; check_filter_on; }
