#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# supervisor.bats - what the supervisor keeps once its jail runs: as root
# only CAP_DAC_OVERRIDE, CAP_FOWNER, CAP_KILL and CAP_MAC_ADMIN (what
# teardown needs), in the effective and bounding sets alike; unprivileged,
# no effective capability; and in both cases no_new_privs and its own
# seccomp filter (policy/supervisor.json). The kernel is the oracle: /proc/PID/status of the supervisor
# whose pid the --info-fd record gives.

load helpers

check_supervisor_caps() {
	local want=$1
	"${VJ_PREFIX[@]}" "$VMJAIL" run --id "$VJ_ID" --info-fd 3 -- /bin/sh -c 'sleep 2' 3>"$VJ_T/info" &
	local bg=$!
	wait_until 5 test -s "$VJ_T/info" || fail "no start record"
	local sp
	sp=$("$VJ_PY" -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["supervisor-pid"])' "$VJ_T/info")
	[ "$sp" = "$bg" ] || [ -n "$VJ_PREFIX" ] || fail "the record's supervisor pid $sp is not the job $bg"
	local eff bnd nnp filt
	eff=$(awk '/^CapEff:/ {print $2}' "/proc/$sp/status")
	bnd=$(awk '/^CapBnd:/ {print $2}' "/proc/$sp/status")
	nnp=$(awk '/^NoNewPrivs:/ {print $2}' "/proc/$sp/status")
	filt=$(awk '/^Seccomp:/ {print $2}' "/proc/$sp/status")
	wait "$bg"
	if "$VMJAIL" features --json | grep -q '"sanitized": true'; then
		echo "# a sanitizer build: the supervisor goes without its own filter (LeakSanitizer ptraces it at exit)"
	else
		assert_eq "supervisor NoNewPrivs" 1 "$nnp"
		assert_eq "supervisor Seccomp (its own filter, policy/supervisor.json)" 2 "$filt"
	fi
	assert_eq "supervisor CapEff" "$want" "$eff"
	# Unprivileged, the bounding set cannot be changed (CAP_SETPCAP) and
	# grants nothing without a setuid or file-capability exec.
	[ "$VJ_AS" = user ] || assert_eq "supervisor CapBnd" "$want" "$bnd"
}

@test "root: the running supervisor keeps only what teardown needs (KILL, DAC_OVERRIDE, FOWNER, MAC_ADMIN)" {
	as_root
	check_supervisor_caps 000000020000002a
}

@test "user: the running supervisor has no effective capabilities" {
	as_user
	check_supervisor_caps 0000000000000000
}
