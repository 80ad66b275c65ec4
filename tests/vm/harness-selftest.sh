#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# harness-selftest.sh - the test VM itself (run-in-vm.sh --cgroup-v2): the
# shares, the mounts, a pure cgroup v2 hierarchy with its controllers,
# vmjail running a jail in it with limits, and the cgroup engine's tests
# from the build tree on it. TAP on stdout.
set -u
. "$(dirname "$0")/tap.sh"
VJ=${VMJAIL:?VMJAIL: the vmjail binary}

like "$(cat /proc/cmdline)" "cgroup_no_v1=all" "booted with cgroup_no_v1=all"
is "$(stat -f -c %T /sys/fs/cgroup)" "cgroup2fs" "/sys/fs/cgroup is cgroup2"
ctrl=$(cat /sys/fs/cgroup/cgroup.controllers)
for c in cpu memory pids; do
	like "$ctrl" "(^| )$c( |$)" "controller $c is offered"
done
mkdir -p /tmp/v1
mount -t cgroup -o memory none /tmp/v1 2>/dev/null
ok $((!$?)) "no cgroup v1 hierarchy can be mounted"
is "$(awk '$2 == "/usr" { print $3 }' /proc/mounts)" "9p" "the host's /usr is shared (9p)"
[ -x "$VJ" ]
ok $? "the build tree is shared: $VJ"
touch /usr/.vm-write-test 2>/dev/null
ok $((!$?)) "the shares are read-only"
ok "$(test "$(id -u)" = 0; echo $?)" "the command runs as root"

cd /tmp
"$VJ" run --profile generic --memory 64M --pids 32 --info-fd 3 -- sleep 60 3>/tmp/info 2>/tmp/err &
jail=$!
wait_started /tmp/info 60
ok $? "vmjail runs a jail in the VM" "$(cat /tmp/err)"
cg=$(grep -o '"v2":"[^"]*"' /tmp/info | head -n 1 | sed 's/^"v2":"//; s/"$//')
like "$cg" "^/sys/fs/cgroup/" "the start record places it on v2"
is "$(cat "$cg/memory.max" 2>&1)" "67108864" "with its memory limit"
is "$(cat "$cg/pids.max" 2>&1)" "32" "and its pids limit"
kill -TERM $jail
wait $jail
[ ! -e "$cg" ]
ok $? "its cgroup is removed when it ends"
# The cgroup engine's own tests, on real v2 controllers (clone3 with
# CLONE_INTO_CGROUP included): their TAP is summarised here. Each must
# run its whole plan; the v2 tests exist for this hierarchy, so a skip of
# theirs (or of the whole file) is a failure here, and test-cgroup-life
# must run something.
build=$(dirname "$VJ")
for t in test-cgroup-v2 test-cgroup-v2limits test-cgroup-life; do
	bin=$build/tests/unit/$t
	if [ ! -x "$bin" ]; then
		ok 1 "$t on pure cgroup v2" "not built: $bin"
		continue
	fi
	res=$(cd /tmp && timeout 120 "$bin" 2>&1)
	st=$?
	plan=$(echo "$res" | sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' | tail -n 1)
	n_run=$(echo "$res" | grep -E -c '^(not )?ok [0-9]')
	n_skip=$(echo "$res" | grep -E -c '^ok [0-9]+[^#]*# *SKIP')
	why=()
	[ "$st" -eq 0 ] || why+=("exit status $st")
	[ "${plan:-0}" -gt 0 ] || why+=("no subtest ran (plan: $(echo "$res" | grep '^1\.\.' | tail -n 1))")
	[ "$n_run" = "${plan:-}" ] || why+=("$n_run subtests reported, ${plan:-no} planned")
	[ $((n_run - n_skip)) -gt 0 ] || why+=("every subtest skipped")
	case $t in
	test-cgroup-v2*) [ "$n_skip" -eq 0 ] || why+=("$n_skip skipped on a pure v2 hierarchy") ;;
	esac
	[ ${#why[@]} -eq 0 ]
	ok $? "$t on pure cgroup v2: $n_run of ${plan:-?} subtests, $n_skip skipped" "${why[@]}" \
		"$(echo "$res" | grep -E -A3 '^not ok|# *SKIP')"
done

done_testing
