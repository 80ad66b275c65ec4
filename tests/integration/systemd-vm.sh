#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# systemd-vm.sh - run inside the test VM (tests/vm/run-in-vm.sh --init-exec
# --cgroup-v2) by tests/integration/systemd.bats: systemd as the VM's own
# PID 1, contrib/systemd's units, and vmjail@it.service started, inspected,
# stopped. Two parts, one file:
#
#   systemd-vm.sh            the VM's PID 1 (run-in-vm.sh's init execs it):
#                            writes the units to /run/systemd/system and
#                            execs /lib/systemd/systemd --unit=vmjail-test.target
#   systemd-vm.sh --checks   the checks, started by that systemd as
#                            vmjail-test.service through /bb/vm-report:
#                            their TAP goes to the report port between
#                            run-in-vm.sh's markers with their status, then
#                            the VM powers off
#
# The boot: vmjail-test.target wants vmjail-test.service (default
# dependencies: it runs once sysinit.target and basic.target are up, as any
# service would); nothing of the host's multi-user.target is pulled in. A
# boot that never gets there powers off after JobTimeoutSec (no status:
# run-in-vm.sh says so and shows the console).
#
# The instance: the VM's /etc is the host's, read-only, so a drop-in gives
# the instance's variables instead of /etc/vmjail/instances/it.conf (same
# variables, same ExecStart). PROGRAM is `sleep 1000` under the generic
# profile with a pids limit (the jail gets a cgroup of its own in the
# unit's delegated subtree). VMJAIL_TEST_OPTIONS replaces "--pids-max 64".
#
# Prints TAP; the last line is VMJAIL-SYSTEMD-OK when every check passed.
set -uo pipefail

self=$(readlink -f "$0")
unit=vmjail@it.service

# ---- the VM's PID 1: the units, then systemd ---------------------------------
if [ "${1:-}" != --checks ]; then
	# Anything wrong here is reported as a failed test, not a silent boot.
	fail_boot() {
		echo "systemd-vm.sh (PID 1): $*"
		exec /bb/vm-report bash -c 'echo "not ok 1 - PID 1 prepares the units and execs systemd: $1"; echo "1..1"; exit 1' _ "$*"
	}
	[ $$ = 1 ] || fail_boot "not PID 1 (pid $$): run through run-in-vm.sh --init-exec"
	[ -n "${VMJAIL:-}" ] && [ -n "${VMJAIL_SRCDIR:-}" ] || fail_boot "VMJAIL and VMJAIL_SRCDIR must be set"
	sd=/lib/systemd/systemd
	[ -x "$sd" ] || fail_boot "no $sd"
	bindir=$(dirname "$(readlink -f "$VMJAIL")")
	u=/run/systemd/system
	mkdir -p "$u/$unit.d" /run/vmjail || fail_boot "mkdir $u"
	sed "s|@bindir@|$bindir|g" "$VMJAIL_SRCDIR/contrib/systemd/vmjail@.service.in" >"$u/vmjail@.service" &&
		cp "$VMJAIL_SRCDIR/contrib/systemd/vmjail.slice" "$u/" || fail_boot "cannot install contrib/systemd's units"
	# Readiness comes from the supervisor (jailer/notify.c); a build whose
	# supervisor does not send it yet says so in `vmjail features`: the unit
	# then runs as Type=exec and the start check is a TODO.
	type_line=
	"$VMJAIL" features --json | grep -A3 '"integration"' | grep -q '"sd-notify": true' || type_line=Type=exec
	cat >"$u/$unit.d/instance.conf" <<EOF || fail_boot "cannot write the instance drop-in"
[Unit]
ConditionPathExists=
[Service]
EnvironmentFile=
Environment=VMJAIL_PROFILE=generic
Environment="VMJAIL_OPTIONS=${VMJAIL_TEST_OPTIONS---pids-max 64} --log-level info"
Environment="VMJAIL_COMMAND=sleep 1000"
Environment=VMJAIL_PROFILE_PATH=$VMJAIL_SRCDIR/profiles VMJAIL_POLICY_PATH=$VMJAIL_SRCDIR/policy
TimeoutStartSec=20
$type_line
EOF
	# Two of the host's own additions to sysinit.target (its /etc, shared):
	# apparmor.service compiles the host's profiles with no cache (some 20 s
	# under TCG) and systemd-timesyncd (some 8 s) has no network to sync
	# from. Neither is systemd's or vmjail's: masked (the kernel's LSMs are
	# as booted; only the host's profiles are not loaded).
	for m in apparmor.service systemd-timesyncd.service; do
		ln -sf /dev/null "$u/$m" || fail_boot "cannot mask $m"
	done
	# The boot target: only the checks (and, through their default
	# dependencies, sysinit.target and basic.target).
	cat >"$u/vmjail-test.target" <<EOF || fail_boot "cannot write vmjail-test.target"
[Unit]
Description=vmjail integration test
Wants=vmjail-test.service
After=vmjail-test.service
JobTimeoutSec=180
JobTimeoutAction=poweroff-force
EOF
	# Type=exec: the boot is done once the checks are under way, so they
	# can see systemd finish it (is-system-running).
	cat >"$u/vmjail-test.service" <<EOF || fail_boot "cannot write vmjail-test.service"
[Unit]
Description=vmjail integration test: the checks (TAP on the report port)
FailureAction=poweroff-force
[Service]
Type=exec
ExecStart=/bb/vm-report /bin/bash $self --checks
EOF
	shopt -s execfail # a failed exec returns here, to be reported
	# shellcheck disable=SC2093
	exec "$sd" --system --unit=vmjail-test.target --log-target=console --log-level=warning \
		--show-status=no --log-color=no
	fail_boot "exec $sd failed"
fi

# ---- the checks (vmjail-test.service) -------------------------------------------
: "${VMJAIL:?}" "${VMJAIL_SRCDIR:?}"
n=0
failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
diag() { sed 's/^/# /'; }
notify=1
grep -q '^Type=exec' /run/systemd/system/$unit.d/instance.conf && notify=0

# PID 1 is systemd, the VM's own init (no container, no pid namespace).
exe=$(readlink /proc/1/exe)
ok "$([[ "$exe" == */lib/systemd/systemd ]]; echo $?)" "PID 1 runs systemd: /proc/1/exe -> $exe"
comm=$(cat /proc/1/comm)
ok "$([ "$comm" = systemd ]; echo $?)" "/proc/1/comm is systemd ($comm)"
virt=$(systemd-detect-virt --container 2>&1)
ok "$([ "$virt" = none ]; echo $?)" "not in a container: systemd-detect-virt --container says $virt"
own=$(cut -d: -f3 /proc/self/cgroup)
ok "$([ "$own" = /system.slice/vmjail-test.service ]; echo $?)" "these checks run in a unit of that systemd: $own"

state=$(timeout 150 systemctl is-system-running --wait 2>&1)
case $state in running | degraded) ok 0 "systemd finished booting ($state)" ;; *)
	ok 1 "systemd finished booting (is-system-running: $state)"
	systemctl list-jobs --no-pager 2>&1 | diag
	echo "1..$n"; exit 1 ;;
esac
[ "$state" = running ] || systemctl --failed --no-pager --plain 2>&1 | diag
systemd-analyze time 2>&1 | diag
systemd-analyze blame --no-pager 2>&1 | head -n 8 | diag

mounts_before=$(awk '{ print $5 }' /proc/1/mountinfo | sort)
start_out=$(timeout 60 systemctl start $unit 2>&1)
rc=$?
if [ "$notify" = 1 ]; then
	ok $rc "systemctl start $unit (Type=notify: READY=1 from the supervisor)"
else
	n=$((n + 1))
	echo "not ok $n - systemctl start $unit with Type=notify # TODO the supervisor does not send READY=1 yet (vmjail features: integration.sd-notify false); started as Type=exec"
	ok $rc "systemctl start $unit (Type=exec)"
fi
[ $rc = 0 ] || { echo "$start_out" | diag; systemctl status --no-pager -l $unit 2>&1 | diag; }

cg=$(systemctl show -P ControlGroup $unit)
ok "$([ -n "$cg" ] && [ "$(systemctl is-active $unit)" = active ]; echo $?)" "the unit is active, its cgroup: $cg"
# Where the unit file puts it: Slice=vmjail.slice, a slice of its own at
# the root of the tree (not in system.slice), with Delegate=yes.
slice=$(systemctl show -P Slice $unit)
ok "$([ "$slice" = vmjail.slice ]; echo $?)" "the unit is in vmjail.slice ($slice)"
ok "$([ "$(systemctl show -P Delegate $unit)" = yes ]; echo $?)" "the unit's cgroup is delegated (Delegate=yes)"
want=/vmjail.slice/$unit
# Where the unit's cgroup is (or would be, for a unit that failed).
base=/sys/fs/cgroup${cg:-$want}
# The supervisor is the unit's main process, in a leaf of its own below
# the unit's cgroup (cgroup v2: processes only in leaves).
sup=$(systemctl show -P MainPID $unit)
sup_cg=
[ "${sup:-0}" = 0 ] || sup_cg=$(cut -d: -f3 /proc/"$sup"/cgroup 2>/dev/null)
ok "$([[ "$sup_cg" == "$want"/?* ]] && [ "$cg" = "$want" ]; echo $?)" "the supervisor (MainPID $sup) is below $want: $sup_cg"
ok "$([ "$(cat /proc/"$sup"/comm 2>/dev/null)" = vmjail ]; echo $?)" "MainPID is vmjail's supervisor ($(cat /proc/"$sup"/comm 2>/dev/null))"
# The jail in another leaf, all under the unit's delegated cgroup.
sleep_pid=
for p in $(cat "$base"/*/cgroup.procs "$base"/*/*/cgroup.procs 2>/dev/null); do
	[ "$(cat /proc/"$p"/comm 2>/dev/null)" = sleep ] && sleep_pid=$p
done
ok "$([ -n "$sleep_pid" ]; echo $?)" "PROGRAM (sleep) runs in the unit's delegated subtree"
if [ -n "$sleep_pid" ]; then
	leaf=$(cut -d: -f3 /proc/"$sleep_pid"/cgroup)
	echo "# PROGRAM's cgroup: $leaf"
	ok "$([[ "$leaf" == "$want"/?* ]] && [ "$leaf" != "$sup_cg" ] && [[ "$sup_cg" != "$leaf"/* ]]; echo $?)" \
		"the jail's cgroup is its own, below the unit's, apart from the supervisor's"
	[ -n "${VMJAIL_TEST_OPTIONS+set}" ] ||
		ok "$([ "$(cat "/sys/fs/cgroup$leaf/pids.max" 2>/dev/null)" = 64 ]; echo $?)" "the jail's own cgroup has its pids.max 64"
	ok "$(grep -q '^NoNewPrivs:.1' /proc/"$sleep_pid"/status; echo $?)" "PROGRAM has no_new_privs"
	ok "$(grep -q '^Seccomp:.2' /proc/"$sleep_pid"/status; echo $?)" "PROGRAM has a seccomp filter"
	ok "$([ "$(readlink /proc/"$sleep_pid"/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ]; echo $?)" "PROGRAM has its own mount namespace"
fi
ok "$([ -f /run/vmjail/it/state.json ]; echo $?)" "the jail is registered: /run/vmjail/it/state.json"
systemctl status --no-pager $unit 2>&1 | diag

timeout 100 systemctl stop $unit
ok $? "systemctl stop $unit (ExecStop: vmjail stop it)"
active=$(systemctl is-active $unit 2>&1)
ok "$([ "$active" = inactive ]; echo $?)" "the unit is inactive ($active), not failed"
for _ in $(seq 50); do [ -d "$base" ] || break; sleep 0.1; done
ok "$([ ! -d "$base" ]; echo $?)" "the unit's cgroup is gone"
[ ! -d "$base" ] || { find "$base" -name cgroup.procs -exec sh -c 'echo "$1: $(cat "$1" | tr "\n" " ")"' _ {} \; | diag; }
ok "$([ -z "$sleep_pid" ] || [ ! -e /proc/"$sleep_pid" ]; echo $?)" "PROGRAM is gone"
ok "$([ "${sup:-0}" = 0 ] || [ ! -e /proc/"$sup" ]; echo $?)" "the supervisor is gone"
left=$(for p in /proc/[0-9]*; do [ "$(cat "$p/comm" 2>/dev/null)" = vmjail ] && echo "${p#/proc/}"; done)
ok "$([ -z "$left" ]; echo $?)" "no vmjail process is left${left:+: $left}"
ok "$([ ! -e /run/vmjail/it ]; echo $?)" "the jail's state directory is gone"
new_mounts=$(comm -13 <(echo "$mounts_before") <(awk '{ print $5 }' /proc/1/mountinfo | sort))
ok "$([ -z "$new_mounts" ]; echo $?)" "no mount is left in PID 1's mount table"
[ -z "$new_mounts" ] || echo "$new_mounts" | diag
journal=$(journalctl --no-pager -u $unit 2>/dev/null | tail -n 20)
[ -z "$journal" ] || echo "$journal" | diag

echo "1..$n"
[ $failed = 0 ] && echo VMJAIL-SYSTEMD-OK
exit $failed
