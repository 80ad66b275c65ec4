#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# systemd-vm.sh - run inside the test VM (tests/vm/run-in-vm.sh, pure
# cgroup v2) by tests/integration/systemd.bats: a real systemd as PID 1 of
# a new pid and mount namespace (as a container manager starts it, with
# $container set), contrib/systemd's units in /run/systemd/system, and
# vmjail@it.service started, inspected, stopped.
#
# The instance: the VM's /etc is the host's, read-only, so a drop-in gives
# the instance's variables instead of /etc/vmjail/instances/it.conf (same
# variables, same ExecStart). PROGRAM is `sleep 1000` under the generic
# profile with a pids limit (the jail gets a cgroup of its own in the
# unit's delegated subtree). VMJAIL_TEST_OPTIONS replaces "--pids-max 64".
#
# Prints TAP; the last line is VMJAIL-SYSTEMD-OK when every check passed.
set -uo pipefail

: "${VMJAIL:?}" "${VMJAIL_SRCDIR:?}"
n=0
failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
diag() { sed 's/^/# /'; }

bindir=$(dirname "$(readlink -f "$VMJAIL")")
mount -t tmpfs tmpfs /run
mkdir -p /run/systemd/system/vmjail@it.service.d /run/vmjail
sed "s|@bindir@|$bindir|g" "$VMJAIL_SRCDIR/contrib/systemd/vmjail@.service.in" >/run/systemd/system/vmjail@.service
cp "$VMJAIL_SRCDIR/contrib/systemd/vmjail.slice" /run/systemd/system/
# Readiness comes from the supervisor (jailer/notify.c); a build whose
# supervisor does not send it yet says so in `vmjail features`: the unit
# then runs as Type=exec and the start check is a TODO.
notify=$("$VMJAIL" features --json | grep -A3 '"integration"' | grep -c '"sd-notify": true')
type_line=
[ "$notify" = 1 ] || type_line=Type=exec
cat >/run/systemd/system/vmjail@it.service.d/instance.conf <<EOF
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
# The smallest boot: a target that pulls in nothing of the host's.
cat >/run/systemd/system/vmjail-test.target <<'EOF'
[Unit]
Description=vmjail integration test
EOF

export container=vmjail-test
unshare --pid --fork --mount --propagation private -- bash -c '
	mount -t proc proc /proc
	exec /lib/systemd/systemd --system --unit=vmjail-test.target --log-target=console --log-level=warning
' >/tmp/systemd.log 2>&1 &
spid=$!
# systemd serves its private socket only to clients of its own pid
# namespace (it checks their credentials): systemctl runs there.
sdpid=
for _ in $(seq 100); do
	sdpid=$(cat /proc/$spid/task/$spid/children 2>/dev/null | awk '{print $1}')
	[ -n "$sdpid" ] && [ "$(cat /proc/"$sdpid"/comm 2>/dev/null)" = systemd ] && break
	sleep 0.1
done
systemctl() { nsenter -t "$sdpid" -p -m -- systemctl "$@"; }
journalctl() { nsenter -t "$sdpid" -p -m -- journalctl "$@"; }
for _ in $(seq 150); do
	s=$(systemctl is-system-running 2>/dev/null)
	case $s in running | degraded) break ;; esac
	sleep 0.2
done
state=$(systemctl is-system-running 2>&1)
case $state in running | degraded) ok 0 "systemd is PID 1 of its namespace and up ($state)" ;; *)
	ok 1 "systemd is up (is-system-running: $state)"; diag </tmp/systemd.log; echo "1..$n"; exit 1 ;;
esac

start_out=$(timeout 60 nsenter -t "$sdpid" -p -m -- systemctl start vmjail@it.service 2>&1)
rc=$?
if [ "$notify" = 1 ]; then
	ok $rc "systemctl start vmjail@it.service (Type=notify: READY=1 from the supervisor)"
else
	n=$((n + 1))
	echo "not ok $n - systemctl start vmjail@it.service with Type=notify # TODO the supervisor does not send READY=1 yet (vmjail features: integration.sd-notify false); started as Type=exec"
	ok $rc "systemctl start vmjail@it.service (Type=exec)"
fi
[ $rc = 0 ] || { echo "$start_out" | diag; systemctl status --no-pager -l vmjail@it.service 2>&1 | diag; }

cg=$(systemctl show -P ControlGroup vmjail@it.service)
ok "$([ -n "$cg" ] && [ "$(systemctl is-active vmjail@it.service)" = active ]; echo $?)" "the unit is active, its cgroup: $cg"
# Where the unit's cgroup is (or would be, for a unit that failed).
base=/sys/fs/cgroup${cg:-/vmjail.slice/vmjail@it.service}
# The supervisor in a leaf of its own, the jail in another: processes only
# in leaves (cgroup v2), all under the unit's delegated cgroup.
sleep_pid=
for p in $(cat "$base"/*/cgroup.procs "$base"/*/*/cgroup.procs 2>/dev/null); do
	[ "$(cat /proc/"$p"/comm 2>/dev/null)" = sleep ] && sleep_pid=$p
done
ok "$([ -n "$sleep_pid" ]; echo $?)" "PROGRAM (sleep) runs in the unit's delegated subtree"
if [ -n "$sleep_pid" ]; then
	leaf=$(cut -d: -f3 /proc/"$sleep_pid"/cgroup)
	echo "# PROGRAM's cgroup: $leaf"
	[ -n "${VMJAIL_TEST_OPTIONS+set}" ] ||
		ok "$([ "$(cat "/sys/fs/cgroup$leaf/pids.max" 2>/dev/null)" = 64 ]; echo $?)" "the jail's own cgroup has its pids.max 64"
	ok "$(grep -q '^NoNewPrivs:.1' /proc/"$sleep_pid"/status; echo $?)" "PROGRAM has no_new_privs"
	ok "$(grep -q '^Seccomp:.2' /proc/"$sleep_pid"/status; echo $?)" "PROGRAM has a seccomp filter"
	ok "$([ "$(readlink /proc/"$sleep_pid"/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ]; echo $?)" "PROGRAM has its own mount namespace"
fi
ok "$([ -f /run/vmjail/it/state.json ]; echo $?)" "the jail is registered: /run/vmjail/it/state.json"
systemctl status --no-pager vmjail@it.service 2>&1 | diag

timeout 100 nsenter -t "$sdpid" -p -m -- systemctl stop vmjail@it.service
ok $? "systemctl stop vmjail@it.service (ExecStop: vmjail stop it)"
active=$(systemctl is-active vmjail@it.service 2>&1)
ok "$([ "$active" = inactive ]; echo $?)" "the unit is inactive ($active), not failed"
for _ in $(seq 50); do [ -d "$base" ] || break; sleep 0.1; done
ok "$([ ! -d "$base" ]; echo $?)" "the unit's cgroup is gone"
[ ! -d "$base" ] || { find "$base" -name cgroup.procs -exec sh -c 'echo "$1: $(cat "$1" | tr "\n" " ")"' _ {} \; | diag; }
ok "$([ -z "$sleep_pid" ] || [ ! -e /proc/"$sleep_pid" ]; echo $?)" "PROGRAM is gone"
ok "$([ ! -e /run/vmjail/it ]; echo $?)" "the jail's state directory is gone"
journal=$(journalctl --no-pager -u vmjail@it.service 2>/dev/null | tail -n 20)
[ -z "$journal" ] || echo "$journal" | diag

systemctl exit 0 >/dev/null 2>&1
wait "$spid" 2>/dev/null
echo "1..$n"
[ $failed = 0 ] && echo VMJAIL-SYSTEMD-OK
exit $failed
