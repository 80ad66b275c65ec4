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

# 8. vmjail features-like probe: the start record reports Landlock's ABI
#    of this kernel too (it is on by default here).
"$VJ" run --profile generic --info-fd 3 -- true 3>$w/info5
like "$(grep started $w/info5)" '"landlock":\{"applied":(true|false)' "the start record reports Landlock"

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

done_testing
