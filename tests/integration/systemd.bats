#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# systemd.bats - contrib/systemd against systemd itself: every unit through
# `systemd-analyze verify` (works without systemd running), the tmpfiles.d
# file through `systemd-tmpfiles --create --root`, and a run under a real
# systemd as the PID 1 of the test VM (tests/vm/run-in-vm.sh --init-exec,
# when it is there and can boot here): tests/integration/systemd-vm.sh
# boots it, starts vmjail@it.service, finds the jail in the unit's
# delegated cgroup, stops it and finds everything gone.

bats_require_minimum_version 1.5.0

: "${VMJAIL:=$BATS_TEST_DIRNAME/../../build/vmjail}"
: "${VMJAIL_SRCDIR:=$BATS_TEST_DIRNAME/../..}"

setup() {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed (systemd)"
	U=$BATS_TEST_TMPDIR/units
	mkdir -p "$U"
	# As meson installs them, with vmjail from the build tree.
	sed "s|@bindir@|$(dirname "$(readlink -f "$VMJAIL")")|g" \
		"$VMJAIL_SRCDIR/contrib/systemd/vmjail@.service.in" >"$U/vmjail@.service"
	cp "$VMJAIL_SRCDIR/contrib/systemd/vmjail.slice" "$U/"
	# verify needs an instance of the template.
	cp "$U/vmjail@.service" "$U/vmjail@it.service"
}

@test "systemd-analyze verify: vmjail@.service (an instance) and vmjail.slice, no diagnostics" {
	run --separate-stderr systemd-analyze verify --man=no "$U/vmjail.slice" "$U/vmjail@it.service"
	echo "$output"; echo "$stderr"
	[ "$status" -eq 0 ]
	# verify exits 0 on parse warnings: none may be printed.
	[ -z "$stderr" ]
}

@test "systemd-analyze verify: the template itself" {
	run --separate-stderr systemd-analyze verify --man=no "$U/vmjail@.service"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
}

# has_setting TEXT SETTING: SETTING is one whole line of systemd's dump
# (after its indentation): "Slice: vmjail.slice" is not "InSlice: ...".
has_setting() {
	grep -q -x -F -- "$2" <<<"$(sed 's/^[[:space:]]*//' <<<"$1")" && return 0
	echo "not in the unit's dump: [$2]"
	return 1
}

# exec_line TEXT KIND: the command line systemd parsed for ExecKIND.
exec_line() {
	sed 's/^[[:space:]]*//' <<<"$1" | awk -v k="-> Exec$2:" '$0 == k { getline; sub(/^Command Line: /, ""); print; exit }'
}

@test "the unit: Type=notify, Delegate=yes, KillMode=mixed, ExecStop through vmjail stop, in vmjail.slice" {
	# What systemd itself parsed, not grep: systemd-analyze dump of the unit
	# is not available offline; verify's debug dump is.
	run --separate-stderr env SYSTEMD_LOG_LEVEL=debug systemd-analyze verify --man=no "$U/vmjail@it.service"
	[ "$status" -eq 0 ]
	d=$output$'\n'$stderr
	has_setting "$d" "Type: notify"
	has_setting "$d" "Delegate: yes"
	has_setting "$d" "KillMode: mixed"
	has_setting "$d" "NotifyAccess: main"
	has_setting "$d" "Slice: vmjail.slice"
	bin=$(dirname "$(readlink -f "$VMJAIL")")/vmjail
	start=$(exec_line "$d" Start)
	stop=$(exec_line "$d" Stop)
	echo "ExecStart: $start"
	echo "ExecStop: $stop"
	# the instance name in place of %i; the variables left to systemd
	[[ "$start" == "$bin run --id it --profile "*VMJAIL_PROFILE*" -- "*VMJAIL_COMMAND* ]]
	[[ "$stop" == "$bin stop --timeout "*VMJAIL_STOP_TIMEOUT*" it" ]]
}

@test "tmpfiles.d: systemd-tmpfiles creates /run/vmjail and /etc/vmjail/instances" {
	command -v systemd-tmpfiles >/dev/null || skip "systemd-tmpfiles not installed"
	[ "$(id -u)" -eq 0 ] || skip "systemd-tmpfiles --root needs root for the owners"
	root=$BATS_TEST_TMPDIR/root
	mkdir -p "$root"
	run systemd-tmpfiles --create --root="$root" "$VMJAIL_SRCDIR/contrib/systemd/vmjail.conf.tmpfiles"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(stat -c '%a %U' "$root/run/vmjail")" = "755 root" ]
	[ -d "$root/etc/vmjail/instances" ]
}

@test "under systemd as PID 1 in the test VM: start vmjail@it, the jail in the delegated cgroup, stop, nothing left" {
	runner=$VMJAIL_SRCDIR/tests/vm/run-in-vm.sh
	[ -x "$runner" ] || skip "the test VM harness (tests/vm/run-in-vm.sh) is not there"
	[ -x /lib/systemd/systemd ] || skip "systemd not installed"
	# systemd-vm.sh is the VM's PID 1 (--init-exec): it writes the units and
	# execs systemd, whose vmjail-test.service runs the checks and reports.
	# The VM's /etc is the host's, read-only: with a valid /etc/machine-id
	# systemd uses it; with an empty one it mounts a transient one over it,
	# given here so that the boot does not depend on that.
	id_opt=()
	grep -qxE '[0-9a-f]{32}' /etc/machine-id 2>/dev/null ||
		id_opt=(--cmdline "systemd.machine_id=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')")
	run "$runner" --init-exec --cgroup-v2 --timeout 400 --mem 1024 "${id_opt[@]}" \
		--share "$VMJAIL_SRCDIR" --share "$(dirname "$(readlink -f "$VMJAIL")")" \
		--env "VMJAIL=$(readlink -f "$VMJAIL")" --env "VMJAIL_SRCDIR=$(readlink -f "$VMJAIL_SRCDIR")" \
		-- /bin/bash "$(readlink -f "$VMJAIL_SRCDIR")/tests/integration/systemd-vm.sh"
	echo "$output"
	[ "$status" -ne 77 ] || skip "the test VM cannot run here: $(grep -m1 SKIP <<<"$output")"
	[ "$status" -eq 0 ]
	# the checks ran to their plan and none failed (a TODO aside)
	grep -qE '^1\.\.[1-9][0-9]*$' <<<"$output"
	[ -z "$(grep '^not ok' <<<"$output" | grep -v '# TODO')" ]
	[[ "$output" == *"VMJAIL-SYSTEMD-OK"* ]]
}
