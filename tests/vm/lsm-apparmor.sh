#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# lsm-apparmor.sh - AppArmor, inside the test VM booted with
# "apparmor=1 security=apparmor" (tests/vm/meson.build runs it through
# run-in-vm.sh). TAP on stdout. The kernel is the oracle: what a jailed
# program reads, the errors it gets, /proc/self/attr/current, and the
# kernel's list of loaded profiles.
#
# Landlock is off in these jails so that every denial seen here is
# AppArmor's (Landlock has its own tests, on the host).
set -u
. "$(dirname "$0")/tap.sh"

VJ=${VMJAIL:?VMJAIL: the vmjail binary}
AA=/sys/kernel/security/apparmor
[ -r $AA/profiles ] || skip_all "AppArmor is not active in this VM ($(cat /sys/kernel/security/lsm 2>/dev/null))"
command -v apparmor_parser >/dev/null || skip_all "no apparmor_parser (Debian: apparmor)"

w=/srv/aa
mkdir -p $w/ro $w/rw $w/host
echo ro-data >$w/ro/f
echo rw-data >$w/rw/f
echo host-secret >$w/host/secret
chmod -R a+rwX $w
cd /tmp

# The narrow profile: /data read-only, /scratch writable, nothing else.
cat >$w/narrow.json <<EOF
{ "extends": "generic",
  "filesystem": { "mounts": [
    { "type": "ro-bind", "source": "$w/ro", "target": "/data" },
    { "type": "bind", "source": "$w/rw", "target": "/scratch" } ] },
  "lsm": { "apparmor": "required", "landlock": "off" } }
EOF

# 1. the generated profile applies; ro binds readable, not writable;
#    writable binds writable; /proc/self/attr/current names the profile.
out=$("$VJ" run --id aa1 --profile $w/narrow.json --info-fd 3 -- sh -c '
	cat /proc/self/attr/current
	cat /data/f
	echo new > /data/g 2>&1 || echo "write-ro: failed"
	echo more >> /scratch/f && echo "write-rw: ok"
	cat /proc/self/attr/apparmor/current 2>/dev/null' 3>$w/info1 2>&1)
st=$?
is "$st" 0 "a jail under its generated profile runs"
is "$(echo "$out" | sed -n 1p)" "vmjail-aa1 (enforce)" "/proc/self/attr/current shows the per-jail profile"
is "$(echo "$out" | sed -n 2p)" "ro-data" "the program reads its read-only bind"
like "$out" "write-ro: failed" "it cannot write its read-only bind"
like "$out" "write-rw: ok" "it writes its writable bind"
is "$(json_str $w/info1 profile)" "vmjail-aa1" "the start record names the profile"
like "$(grep started $w/info1)" '"apparmor":\{"applied":true,"profile":"vmjail-aa1","generated":true' \
	"the start record says it was generated and applied"
grep -q '^vmjail-aa1 ' $AA/profiles
ok $((!$?)) "the profile is gone after the jail exited" "$(grep vmjail $AA/profiles)"

# 2. A widened bind: a jail whose plan binds more than its AppArmor
#    profile allows (the narrow jail's profile, applied by name to a
#    wider plan) still cannot read or write beyond that profile.
"$VJ" run --id narrow --profile $w/narrow.json --info-fd 3 -- sleep 120 3>$w/info-narrow 2>$w/narrow.err &
narrow_pid=$!
wait_started $w/info-narrow 60
ok $? "a jail holding the narrow profile started" "$(cat $w/narrow.err)"
grep -q '^vmjail-narrow ' $AA/profiles
ok $? "its profile vmjail-narrow is loaded"
cat >$w/wide.json <<EOF
{ "extends": "generic",
  "filesystem": { "mounts": [
    { "type": "bind", "source": "$w/ro", "target": "/data" },
    { "type": "ro-bind", "source": "$w/host", "target": "/host" } ] },
  "lsm": { "apparmor": { "mode": "required", "profile": "vmjail-narrow" }, "landlock": "off" } }
EOF
out=$("$VJ" run --id wide --profile $w/wide.json -- sh -c '
	cat /proc/self/attr/current
	cat /host/secret 2>&1 || echo "read-host: failed"
	echo x >> /data/f 2>&1 || echo "write-data: failed"
	cat /data/f' 2>&1)
is "$(echo "$out" | sed -n 1p)" "vmjail-narrow (enforce)" "the wide jail runs under the narrow profile"
like "$out" "Permission denied" "AppArmor says EACCES"
like "$out" "read-host: failed" "a host path bound by mistake is not readable"
like "$out" "write-data: failed" "a bind widened to writable is still read-only"
unlike "$out" "host-secret" "nothing of the host path leaked"
is "$(cat $w/ro/f)" "ro-data" "the file is unchanged on the host"
grep -q '^vmjail-narrow ' $AA/profiles
ok $? "a named profile is not unloaded by the jail that used it"
kill -TERM $narrow_pid
wait $narrow_pid
grep -q '^vmjail-narrow ' $AA/profiles
ok $((!$?)) "the generated profile is unloaded when its own jail ends"

# 3. required, but the named profile is not loaded -> 125, naming it.
cat >$w/missing.json <<EOF
{ "extends": "generic", "lsm": { "apparmor": { "profile": "no-such-profile" } } }
EOF
out=$("$VJ" run --profile $w/missing.json -- true 2>&1)
st=$?
is "$st" 125 "a missing named profile fails the launch"
like "$out" "AppArmor.*no-such-profile" "the message names AppArmor and the profile"

# 4. The shipped profiles under AppArmor: the generic one runs coreutils.
out=$("$VJ" run --profile generic -- sh -c 'ls / >/dev/null && cat /etc/passwd | wc -l && cat /proc/self/attr/current' 2>&1)
st=$?
is "$st" 0 "the generic profile runs under its generated AppArmor profile"
like "$out" "^vmjail-.* \(enforce\)" "with the per-jail profile" 

# 5. The shipped QEMU profile under its generated AppArmor profile: QEMU
#    (TCG, -sandbox on) opens a writable image and answers on its monitor,
#    served outside the jail.
mkdir -p $w/img
chmod 777 $w/img
if command -v qemu-img >/dev/null && command -v qemu-system-x86_64 >/dev/null; then
	qemu-img create -f qcow2 $w/img/disk.qcow2 16M >/dev/null
	chmod 666 $w/img/disk.qcow2
	"$VJ" run --profile qemu-system-x86_64 --bind $w/img:/images --qmp $w/qmp.sock --info-fd 3 -- \
		qemu-system-x86_64 -M pc -accel tcg -display none -nodefaults -S -sandbox on,spawn=deny \
		-drive file=/images/disk.qcow2,if=virtio 3>$w/info-q 2>$w/q.err &
	q=$!
	wait_started $w/info-q 120
	ok $? "QEMU starts under the qemu-system-x86_64 profile" "$(cat $w/q.err)"
	for i in $(seq 1 100); do [ -S $w/qmp.sock ] && break; sleep 0.2; done
	out=$(timeout 120 python3 - $w/qmp.sock <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rw")
f.readline()
for c in ["qmp_capabilities", "query-block", "quit"]:
    f.write(json.dumps({"execute": c}) + "\n")
    f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            break
    print(c, "return" in r, json.dumps(r)[:1000])
PY
)
	like "$out" "query-block True .*disk.qcow2" "its monitor answers; the image is open"
	wait $q
	is "$?" 0 "QEMU quits cleanly"
	like "$(grep started $w/info-q)" '"apparmor":\{"applied":true,"profile":"vmjail-' "under a generated AppArmor profile"
else
	ok 0 "# SKIP no QEMU in this VM"
fi

# 6. The shipped template of a named profile loads and applies.
SRC=${VMJAIL_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
apparmor_parser --replace --skip-cache "$SRC/policy/apparmor/vmjail-qemu"
ok $? "policy/apparmor/vmjail-qemu loads"
out=$("$VJ" run --profile generic --apparmor-profile vmjail-qemu -- sh -c 'cat /proc/self/attr/current; ls / >/dev/null && echo ls-ok' 2>&1)
is "$out" "$(printf 'vmjail-qemu (enforce)\nls-ok')" "--apparmor-profile applies it; coreutils run under it"
apparmor_parser --remove "$SRC/policy/apparmor/vmjail-qemu"

# 7. A jail without /proc cannot be given its profile: auto runs without
#    it and says why, required fails.
cat >$w/noproc.json <<EOF
{ "extends": "generic", "filesystem": { "proc": false } }
EOF
"$VJ" run --profile $w/noproc.json --info-fd 3 -- true 3>$w/info-np
is "$?" 0 "no /proc, AppArmor auto: the jail runs"
like "$(grep started $w/info-np)" '"apparmor":\{"applied":false,"wanted":"auto","reason":"the jail has no /proc' \
	"the start record says why AppArmor did not apply"
out=$("$VJ" run --profile $w/noproc.json --apparmor required -- true 2>&1)
is "$?" 125 "no /proc, AppArmor required: the launch fails"
like "$out" "AppArmor: required, but the jail has no /proc" "naming the reason"

# 8. Landlock stacks with AppArmor: the start record says it applied
#    exactly when this kernel runs it (an active LSM).
ll_on=false
grep -qw landlock /sys/kernel/security/lsm && ll_on=true
"$VJ" run --profile generic --info-fd 3 -- true 3>$w/info5
like "$(grep started $w/info5)" "\"landlock\":\\{\"applied\":$ll_on" \
	"the start record reports Landlock as the kernel has it (active: $ll_on)"

# 9. The supervisor SIGKILLed: its jail dies with it, the generated profile
#    stays loaded until gc (or the next run with the id) unloads it.
"$VJ" run --id aakill --profile $w/narrow.json --info-fd 3 -- sleep 120 3>$w/info-kill 2>$w/kill.err &
kill_pid=$!
# Out of the job table: bash would report the job's death by signal on
# stderr at its next command, which here is the TAP stream.
disown $kill_pid
wait_started $w/info-kill 60
ok $? "a jail with a generated profile started" "$(cat $w/kill.err)"
kill -KILL $kill_pid
while kill -0 $kill_pid 2>/dev/null; do sleep 0.05; done
grep -q '^vmjail-aakill ' $AA/profiles
ok $? "after the supervisor's SIGKILL its profile is still loaded (nobody unloaded it)"
out=$("$VJ" gc 2>&1)
is "$?" 0 "vmjail gc" "$out"
like "$out" "unloaded its AppArmor profile vmjail-aakill" "gc says it unloaded the profile"
grep -q '^vmjail-aakill ' $AA/profiles
ok $((!$?)) "the profile is gone" "$(grep vmjail $AA/profiles)"
grep -q '^vmjail-narrow ' $AA/profiles
ok $((!$?)) "gc unloads nothing else"

# 10. The supervisor SIGKILLed after it loaded the profile, before PROGRAM
#     started (state.json has no "lsm" yet): the jail's LSM record, written
#     before the load, names the profile. The window is held open by the
#     parser ($VMJAIL_APPARMOR_PARSER): it loads the profile, then keeps
#     its output open, so the supervisor waits in prepare.
cat >$w/parser.sh <<EOF
#!/bin/sh
apparmor_parser "\$@" || exit \$?
echo \$\$ >$w/parser.pid
exec sleep 300
EOF
chmod +x $w/parser.sh
# kill_early ID: start a jail whose parser holds it in prepare, SIGKILL
# its supervisor there, end the parser.
kill_early() {
	local sup i
	rm -f $w/parser.pid
	VMJAIL_APPARMOR_PARSER=$w/parser.sh "$VJ" run --id "$1" --profile $w/narrow.json -- true 2>$w/early.err &
	sup=$!
	disown $sup
	for i in $(seq 1 600); do [ -s $w/parser.pid ] && break; sleep 0.1; done
	ok "$(test -s $w/parser.pid; echo $?)" "$1: the supervisor waits for its parser, the profile loaded" \
		"$(cat $w/early.err)"
	grep -q "^vmjail-$1 " $AA/profiles
	ok $? "$1: vmjail-$1 is loaded"
	grep -q '"lsm"' /run/vmjail/$1/state.json
	ok $((!$?)) "$1: before \"started\", state.json has no lsm record" "$(cat /run/vmjail/$1/state.json)"
	is "$(cat /run/vmjail/$1/lsm/apparmor 2>&1)" "vmjail-$1" "$1: the jail's LSM record names the profile"
	kill -KILL $sup
	while kill -0 $sup 2>/dev/null; do sleep 0.05; done
	[ -s $w/parser.pid ] && kill -KILL "$(cat $w/parser.pid)"
}
kill_early aaearly
out=$("$VJ" gc 2>&1)
like "$out" "unloaded its AppArmor profile vmjail-aaearly" "gc unloads the profile of a jail killed before it started"
grep -q '^vmjail-aaearly ' $AA/profiles
ok $((!$?)) "vmjail-aaearly is gone" "$(grep vmjail $AA/profiles)"
[ ! -e /run/vmjail/aaearly ]
ok $? "and so is the jail's state directory" "$(ls -lR /run/vmjail/aaearly 2>&1)"

# 11. ... and the next run with the same id unloads it first, even one
#     that does not use AppArmor itself.
kill_early aanext
out=$("$VJ" run --id aanext --profile generic --apparmor off -- true 2>&1)
is "$?" 0 "the next run of aanext (AppArmor off) runs"
like "$out" "lsm: jail aanext: unloaded its AppArmor profile vmjail-aanext" "it unloads the dead jail's profile"
grep -q '^vmjail-aanext ' $AA/profiles
ok $((!$?)) "vmjail-aanext is gone" "$(grep vmjail $AA/profiles)"

# 12. The same after "started": SIGKILL, then the next run of the id.
"$VJ" run --id aalate --profile $w/narrow.json --info-fd 3 -- sleep 120 3>$w/info-late 2>$w/late.err &
late=$!
disown $late
wait_started $w/info-late 60
ok $? "aalate started" "$(cat $w/late.err)"
kill -KILL $late
while kill -0 $late 2>/dev/null; do sleep 0.05; done
grep -q '^vmjail-aalate ' $AA/profiles
ok $? "after the SIGKILL vmjail-aalate is still loaded"
out=$("$VJ" run --id aalate --profile generic --apparmor off -- true 2>&1)
is "$?" 0 "the next run of aalate runs" "$out"
grep -q '^vmjail-aalate ' $AA/profiles
ok $((!$?)) "and vmjail-aalate is gone" "$(grep vmjail $AA/profiles)" "$out"

# 13. --exec: no supervisor stays, so the profile outlives PROGRAM; the
#     jail's state directory holds only its LSM record, and gc unloads the
#     profile once nothing runs under it.
out=$("$VJ" run --exec --id aaexec --profile $w/narrow.json -- cat /proc/self/attr/current 2>&1)
is "$out" "vmjail-aaexec (enforce)" "--exec: PROGRAM runs under the generated profile"
grep -q '^vmjail-aaexec ' $AA/profiles
ok $? "--exec: the profile stays loaded after PROGRAM exits"
is "$(cat /run/vmjail/aaexec/lsm/apparmor 2>&1)" "vmjail-aaexec" "--exec: its LSM record names it"
"$VJ" run --exec --id aaexec2 --profile $w/narrow.json -- sleep 120 2>$w/exec2.err &
ex=$!
for i in $(seq 1 300); do grep -q vmjail-aaexec2 /proc/$ex/attr/current 2>/dev/null && break; sleep 0.1; done
is "$(cat /proc/$ex/attr/current 2>&1)" "vmjail-aaexec2 (enforce)" "an --exec PROGRAM that keeps running" \
	"$(cat $w/exec2.err)"
out=$("$VJ" gc 2>&1)
like "$out" 'unloaded its AppArmor profile vmjail-aaexec$' "gc unloads the profile of the --exec run that ended"
like "$out" "jail aaexec2: its LSM record belongs to pid $ex, which still runs: left alone" \
	"and leaves the one a live PROGRAM runs under"
grep -q '^vmjail-aaexec ' $AA/profiles
ok $((!$?)) "vmjail-aaexec is gone"
grep -q '^vmjail-aaexec2 ' $AA/profiles
ok $? "vmjail-aaexec2 is still loaded"
is "$(cat /proc/$ex/attr/current 2>&1)" "vmjail-aaexec2 (enforce)" "its PROGRAM still runs confined"
kill -KILL $ex
wait $ex 2>/dev/null
out=$("$VJ" gc 2>&1)
like "$out" "unloaded its AppArmor profile vmjail-aaexec2" "once it has exited, gc unloads that one too"
grep -q '^vmjail-aaexec2 ' $AA/profiles
ok $((!$?)) "vmjail-aaexec2 is gone"
[ ! -e /run/vmjail/aaexec ] && [ ! -e /run/vmjail/aaexec2 ]
ok $? "their state directories are gone" "$(ls -la /run/vmjail)"

# 14. The order of the supervisor's teardown, as its system calls show it:
#     the jail's processes are killed (here a child of PROGRAM that
#     outlives it: no pid namespace) and its cgroup removed before the
#     profile is - a profile removed under a live process leaves that
#     process unconfined.
if command -v strace >/dev/null; then
	cat >$w/nopid.json <<EOF
{ "extends": "$w/narrow.json", "namespaces": { "pid": false } }
EOF
	strace -o $w/trace -y -s 80 -e trace=write,unlinkat,rmdir \
		"$VJ" run --id aaorder --profile $w/nopid.json -- sh -c 'sleep 100 & exit 0' 2>$w/order.err
	is "$?" 0 "a jail whose PROGRAM leaves a child behind" "$(cat $w/order.err)"
	cg_line=$(grep -n -E 'cgroup.kill>|cgroup[^ ]*>, "aaorder", AT_REMOVEDIR|rmdir\("/sys/fs/cgroup/.*aaorder' $w/trace |
		head -n 1 | cut -d: -f1)
	aa_line=$(grep -n 'apparmor/\.remove>, "vmjail-aaorder"' $w/trace | head -n 1 | cut -d: -f1)
	[ -n "$cg_line" ] && [ -n "$aa_line" ] && [ "$cg_line" -lt "$aa_line" ]
	ok $? "the cgroup is emptied (trace line ${cg_line:-?}) before the profile is removed (line ${aa_line:-?})" \
		"$(grep -n -E 'cgroup|apparmor' $w/trace | tail -n 20)"
	grep -q '^vmjail-aaorder ' $AA/profiles
	ok $((!$?)) "vmjail-aaorder is gone"
else
	ok 0 "# SKIP no strace in this VM (Debian: strace)"
fi

done_testing
