#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cgroup.bats - the jail's cgroup through `vmjail run`, on whatever
# hierarchies this host has (v1, v2 or both): the limits hold (a fork bomb
# under --pids-max, a memory hog under --memory), what ended PROGRAM is
# said, the limits read from inside through the cgroup namespace, the
# target sits in its leaf from the host's view, --cgroup-parent, and
# required against optional for a caller with no writable cgroup. The
# engine's own tests (tests/unit/test-cgroup-*.c) cover the hierarchies
# one by one; the leak checks of helpers.bash run after every test.

load helpers

# The hierarchy that holds controller $1 (v1 mount point, or the v2 one
# when its root lists the controller), or nothing.
cg_mount_of() {
	local m
	m=$(awk -v c="$1" '$9 == "cgroup" { n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) print $5 }' /proc/self/mountinfo | head -n1)
	if [ -z "$m" ]; then
		m=$(awk '$9 == "cgroup2" { print $5 }' /proc/self/mountinfo | head -n1)
		[ -n "$m" ] && grep -qw "$1" "$m/cgroup.controllers" 2>/dev/null || m=
	fi
	echo "$m"
}

# cg_file CTRL V1 V2: where the jail's "cgroup" mount shows a file of
# controller CTRL: V1 ("memory/memory.limit_in_bytes") when CTRL is on a
# v1 hierarchy, V2 ("memory.max") on v2 - below "unified/" when the host
# also has v1 hierarchies.
cg_file() {
	local m
	m=$(cg_mount_of "$1")
	if [ ! -e "$m/cgroup.controllers" ]; then
		echo "$2"
	elif awk '$9 == "cgroup"' /proc/self/mountinfo | grep -q .; then
		echo "unified/$3"
	else
		echo "$3"
	fi
}

need_controller() {
	[ -n "$(cg_mount_of "$1")" ] || skip "no $1 controller on this host"
}

# A profile that also shows the jail its own cgroups at /sys/fs/cgroup.
cg_profile() {
	write_profile cgview '{ "extends": "generic",
	  "filesystem": { "mounts": [ { "type": "cgroup", "target": "/sys/fs/cgroup" } ] } }'
}

@test "a fork bomb under --pids-max 32 never has more than 32 tasks; the limit is named at exit" {
	as_root
	need_controller pids
	# 100 sleepers asked for; every fork the kernel refuses is counted.
	# The kernel's count, read from the host while they all sleep, and
	# pids.peak (its high-water mark, where it has one) never pass 32.
	bg_jail "$VJ_T/j" --pids-max 32 --info-fd 3 -- /usr/bin/python3 -c '
import os, sys, time
made = refused = 0
for i in range(100):
    try:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        made += 1
    except OSError:
        refused += 1
print("spawned", made, "refused", refused, flush=True)
time.sleep(30)' 3>"$VJ_T/info"
	wait_until 20 file_has "$VJ_T/j" spawned || fail "$(cat "$VJ_T/j" "$VJ_T/j.err")"
	cat "$VJ_T/j"
	# python itself and the jail's init are two of the 32.
	assert_contains "forks" "$(cat "$VJ_T/j")" "spawned 30 refused 70"
	record "$VJ_T/info" 1
	local leaf=${R[cgroup.pids]:-${R[cgroup.v2]}}
	[ -n "$leaf" ] || fail "no pids cgroup in the started record: ${R_KEYS}"
	local cur max peak=
	cur=$(cat "$leaf/pids.current")
	max=$(cat "$leaf/pids.max")
	[ -r "$leaf/pids.peak" ] && peak=$(cat "$leaf/pids.peak")
	assert_eq "pids.max" "$max" 32
	[ "$cur" -le 32 ] || fail "pids.current $cur > 32"
	[ "$cur" -ge 30 ] || fail "pids.current $cur: the bomb did not reach the limit"
	[ -z "$peak" ] || assert_eq "pids.peak" "$peak" 32
	# The host is unaffected: it still forks.
	/bin/true
	kill_supervisor TERM
	wait_exit "$VJ_BG" 20
	assert_contains "exit" "$(cat "$VJ_T/j.err")" "the jail reached its pids limit"
	json_field "$VJ_T/info" 2 'r.get("pids_limit_hit")' | grep -qx true || fail "no pids_limit_hit in the exit record"
}

@test "a memory hog under --memory 64M is OOM-killed and reported as such" {
	as_root
	need_controller memory
	[ -z "$(swapon --noheadings 2>/dev/null)" ] ||
		[ -e "$(cg_mount_of memory)/memory.memsw.limit_in_bytes" ] ||
		[ -e "$(cg_mount_of memory)/cgroup.controllers" ] || skip "swap is on and the memory hierarchy cannot limit it"
	# 256 MiB written byte by byte into one string: only the OOM killer
	# stops it under a 64 MiB limit.
	jrun --memory 64M --info-fd 3 -- /usr/bin/python3 -c 'b = b"x" * (256 << 20); print("survived")' 3>"$VJ_T/info"
	assert_status 137
	assert_not_contains "PROGRAM's output" "$output" survived
	assert_contains "exit" "$stderr" "the jail reached its memory limit: the kernel's OOM killer killed"
	json_field "$VJ_T/info" 2 'r.get("oom_killed")' | grep -qx true || fail "no oom_killed in the exit record"
	json_field "$VJ_T/info" 2 'r.get("signal")' | grep -qx 9 || fail "exit record: not SIGKILL"
}

@test "inside, the limits read through the cgroup namespace; outside, the target is in the jail's leaf" {
	as_root
	need_controller memory
	need_controller pids
	local p mem pids
	p=$(cg_profile)
	mem=$(cg_file memory memory/memory.limit_in_bytes memory.max)
	pids=$(cg_file pids pids/pids.max pids.max)
	bg_jail "$VJ_T/j" --profile "$p" --memory 64M --pids-max 32 --info-fd 3 -- /bin/sh -c \
		"cat /proc/self/cgroup; echo mem=\$(cat /sys/fs/cgroup/$mem) pids=\$(cat /sys/fs/cgroup/$pids);
		 echo x 2>/dev/null >/sys/fs/cgroup/$pids || echo write-refused; echo ready; sleep 30" 3>"$VJ_T/info"
	wait_until 20 file_has "$VJ_T/j" ready || fail "$(cat "$VJ_T/j" "$VJ_T/j.err")"
	local out
	out=$(cat "$VJ_T/j")
	echo "$out"
	# The cgroup namespace is rooted at the jail's leaf: every line of the
	# target's /proc/self/cgroup ends in "/" on the hierarchies it has.
	assert_contains "limits" "$out" "mem=67108864 pids=32"
	assert_contains "read-only" "$out" write-refused
	grep -Eq '^[0-9]+:([^:]*,)?memory(,[^:]*)?:/$|^0::/$' <<<"$out" || fail "no namespace root in /proc/self/cgroup"
	# From the host, the same process is in the leaf the record named.
	record "$VJ_T/info" 1
	local pid=${R[pid]} leaf=${R[cgroup.memory]:-${R[cgroup.v2]}}
	local hier=${leaf#"$(cg_mount_of memory)"}
	[ -n "$hier" ] && [ "$hier" != "$leaf" ] || fail "record's memory leaf $leaf"
	grep -Eq ":$hier\$" "/proc/$pid/cgroup" || fail "host: /proc/$pid/cgroup has no $hier: $(cat "/proc/$pid/cgroup")"
	grep -qx "$pid" "$leaf/cgroup.procs" || fail "$pid not in $leaf/cgroup.procs"
	kill_supervisor TERM
	wait_exit "$VJ_BG" 20
}

@test "a cgroup mount outside a cgroup namespace is refused before anything is made" {
	as_root
	local p
	p=$(write_profile nons '{ "extends": "generic", "namespaces": { "cgroup": false },
	  "filesystem": { "mounts": [ { "type": "cgroup", "target": "/sys/fs/cgroup" } ] } }')
	jrun --profile "$p" -- /bin/true
	assert_status 125
	assert_contains "message" "$stderr" "a cgroup mount needs the cgroup namespace"
}

@test "--cgroup-parent puts the jail's leaf under that parent; the leaf goes, the parent stays for others" {
	as_root
	need_controller pids
	local parent=/vmjail-bats-parent-$$ m
	m=$(cg_mount_of pids)
	[ ! -e "$m$parent" ] || fail "$m$parent exists before the test"
	jrun --cgroup-parent "$parent" --pids-max 16 --info-fd 3 -- /bin/true 3>"$VJ_T/info"
	local st=$status
	record "$VJ_T/info" 1
	local leaf=${R[cgroup.pids]:-${R[cgroup.v2]}} left
	left=$(find "$m$parent" -mindepth 1 -type d 2>/dev/null)
	# The parent is on every hierarchy the jail had a leaf in.
	local h
	for h in $(awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo); do
		[ ! -d "$h$parent" ] || rmdir "$h$parent" || left+=" $h$parent"
	done
	[ "$st" -eq 0 ] || fail "exit $st: $stderr"
	[[ "$leaf" == "$m$parent/$VJ_ID" ]] || fail "leaf $leaf is not $m$parent/$VJ_ID"
	[ -z "$left" ] || fail "left below the parent: $left"
}

@test "no writable cgroup, unprivileged: 'required' exits 125 saying what is missing; 'optional' runs after one notice" {
	as_user
	local req opt
	req=$(write_profile req '{ "extends": "generic", "cgroup": { "required": "required", "memory": { "max": "64M" } } }')
	opt=$(write_profile opt '{ "extends": "generic", "cgroup": { "required": "optional", "memory": { "max": "64M" } } }')
	# A caller with a delegated subtree would get a cgroup: this test is
	# about one that has none.
	local cur
	cur=$(sed -n 's/^0:://p' /proc/self/cgroup)
	if [ -n "$cur" ] && nobody_can -w "/sys/fs/cgroup/unified$cur" 2>/dev/null; then
		skip "uid $VJ_NOBODY has a writable cgroup here"
	fi
	jrun --profile "$req" -- /bin/true
	assert_status 125
	assert_contains "required" "$stderr" "no writable cgroup for memory"
	assert_contains "required" "$stderr" "Delegate=yes"
	jrun --profile "$opt" -- /bin/sh -c 'echo ran'
	assert_status 0
	assert_eq "output" "$output" ran
	assert_eq "notices" "$(grep -c '^vmjail: cgroup:' <<<"$stderr")" 1
	assert_contains "notice" "$stderr" "running without it"
}

@test "vmjail check prints the cgroup plan: parent, limits, required" {
	as_root
	run --separate-stderr "${VJ_PREFIX[@]}" "$VMJAIL" check --profile generic --memory 64M --pids-max 32 \
		--cpus 1.5 --cpuset 0-1 --cgroup-parent /vmjail-x -- /bin/true
	assert_status 0
	local got
	got=$("$VJ_PY" -c 'import json, sys; c = json.load(sys.stdin)["cgroup"]
print(c["parent"], c["memory"]["max"], c["pids"]["max"], c["cpu"]["max"]["quota_us"], c["cpu"]["max"]["period_us"], c["cpuset"]["cpus"], c["required"])' <<<"$output")
	assert_eq "cgroup plan" "$got" "/vmjail-x 67108864 32 150000 100000 0-1 required"
}
