#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# lsm-selinux.sh - SELinux, inside the test VM booted with
# "security=selinux selinux=1" (tests/vm/meson.build runs it through
# run-in-vm.sh). It compiles the project's small CIL policy
# (policy/selinux/vmjail-test.cil, with categories c0..c1023) with secilc,
# loads it, switches to enforcing, and checks with the kernel as the oracle:
# the jail's context and categories, labels on its writable binds (and
# their restoration), that one jail cannot open another's files, that live
# jails never share a category pair. TAP on stdout.
#
# Landlock is off in these jails so that every denial seen here is
# SELinux's.
set -u
. "$(dirname "$0")/tap.sh"

VJ=${VMJAIL:?VMJAIL: the vmjail binary}
SRC=${VMJAIL_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
[ -e /sys/fs/selinux/load ] || skip_all "SELinux is not active in this VM ($(cat /sys/kernel/security/lsm 2>/dev/null))"
command -v secilc >/dev/null || skip_all "no secilc (Debian: secilc)"
command -v python3 >/dev/null || skip_all "no python3 (to load the policy in one write)"

# ---- the policy ---------------------------------------------------------------
w=/srv/se
mkdir -p $w
python3 -c "
print(''.join('(category c%d)\n' % i for i in range(1024)), end='')
print('(categoryorder (' + ' '.join('c%d' % i for i in range(1024)) + '))')" >$w/cats.cil
secilc -M true -c 33 -o $w/policy.33 -f /dev/null "$SRC/policy/selinux/vmjail-test.cil" $w/cats.cil
ok $? "the test policy compiles (secilc)"
python3 -c "open('/sys/fs/selinux/load', 'wb').write(open('$w/policy.33', 'rb').read())"
ok $? "the policy loads"
echo 1 >/sys/fs/selinux/enforce
is "$(cat /sys/fs/selinux/enforce)" 1 "SELinux is enforcing"
is "$(cat /proc/self/attr/current | tr -d '\0')" "system_u:system_r:unconfined_t:s0-s0:c0.c1023" \
	"the test runs unconfined"

# Files live on a tmpfs mounted after the policy (labelled by it).
mount -t tmpfs -o mode=0755 tmpfs $w
mkdir -p $w/a $w/b $w/pub
echo a-secret >$w/a/secret
echo public >$w/pub/f
chmod -R a+rwX $w
label() { python3 -c "import os,sys; print(os.getxattr(sys.argv[1], 'security.selinux').decode().rstrip('\0'))" "$1"; }
setlabel() { python3 -c "import os,sys; os.setxattr(sys.argv[1], 'security.selinux', sys.argv[2].encode())" "$1" "$2"; }
is "$(label $w/a/secret)" "system_u:object_r:file_t:s0" "files start as file_t:s0"
cd /tmp

export VMJAIL_STATE_DIR=/run/vmjail-test
profile() { # profile NAME WRITABLE-SOURCE [RO-SOURCE]
	local extra=
	[ -z "${3:-}" ] || extra=", { \"type\": \"ro-bind\", \"source\": \"$3\", \"target\": \"/other\" }"
	cat >$w/$1.json <<EOF
{ "extends": "generic",
  "filesystem": { "mounts": [
    { "type": "bind", "source": "$2", "target": "/data" },
    { "type": "ro-bind", "source": "$w/pub", "target": "/pub" } $extra ] },
  "lsm": { "selinux": { "mode": "required",
                        "label": "system_u:system_r:jail_t:s0",
                        "file_label": "system_u:object_r:jail_file_t:s0" },
           "apparmor": "off", "landlock": "off" } }
EOF
	echo $w/$1.json
}
# A field of the start record's "selinux" object.
se_field() { grep -o '"selinux":{[^}]*}' "$1" | head -n 1 | grep -o "\"$2\":\"[^\"]*\"" | sed 's/^[^:]*:"//; s/"$//'; }
pair_re='c[0-9]+,c[0-9]+'

# 1. the context, the relabelled bind, the report.
p=$(profile one $w/a)
out=$("$VJ" run --profile "$p" --info-fd 3 -- sh -c '
	tr -d "\0" </proc/self/attr/current; echo
	cat /data/secret && echo own-file-ok
	echo new >/data/new && echo write-ok
	cat /pub/f' 3>$w/info1 2>&1)
st=$?
is "$st" 0 "a jail with an SELinux label runs"
ctx=$(echo "$out" | sed -n 1p)
like "$ctx" "^system_u:system_r:jail_t:s0:$pair_re\$" "/proc/self/attr/current shows the jail's context with its categories"
cats=$(json_arr $w/info1 categories)
like "$cats" '^\[[0-9]+,[0-9]+\]$' "the start record has the pair"
c1=$(echo "$cats" | tr -d '[]' | cut -d, -f1)
c2=$(echo "$cats" | tr -d '[]' | cut -d, -f2)
is "$ctx" "system_u:system_r:jail_t:s0:c$c1,c$c2" "the same pair as the start record"
like "$out" "own-file-ok" "the jail reads its own (relabelled) files"
like "$out" "write-ok" "and writes its writable bind"
like "$out" "public" "and reads s0 files"
is "$(se_field $w/info1 mode)" "enforcing" "the start record says enforcing"
is "$(label $w/a/secret)" "system_u:object_r:file_t:s0" "labels are restored after the jail"
is "$(label $w/a)" "system_u:object_r:file_t:s0" "on the directory too"
is "$(ls /run/vmjail-test/selinux-mcs | wc -l)" "0" "the reservation is gone"

# 2. one jail cannot open another's files: A holds $w/a (relabelled with
#    its pair) while B binds it read-only - and its own $w/b.
pa=$(profile a $w/a)
"$VJ" run --id jail-a --profile "$pa" --info-fd 3 -- sleep 120 3>$w/info-a 2>$w/a.err &
ja=$!
wait_started $w/info-a 60
ok $? "jail A started" "$(cat $w/a.err)"
la=$(label $w/a/secret)
like "$la" "^system_u:object_r:jail_file_t:s0:$pair_re\$" "A's files carry A's categories: $la"
pb=$(profile b $w/b $w/a)
out=$("$VJ" run --id jail-b --profile "$pb" --info-fd 3 -- sh -c '
	tr -d "\0" </proc/self/attr/current; echo
	cat /other/secret 2>&1 || echo "read-other: failed"
	cat /pub/f' 3>$w/info-b 2>&1)
lb=$(echo "$out" | sed -n 1p)
like "$lb" "^system_u:system_r:jail_t:s0:$pair_re\$" "B runs in its own pair: $lb"
[ "${la##*:s0:}" != "${lb##*:s0:}" ]
ok $? "A and B have different pairs"
like "$out" "read-other: failed" "B cannot open A's file"
like "$out" "Permission denied" "SELinux says EACCES"
unlike "$out" "a-secret" "nothing of A's file leaked"
like "$out" "public" "B still reads s0 files"

# 3. a file labelled by hand with another jail's categories
mkdir -p $w/hand
echo hand >$w/hand/f
setlabel $w/hand/f "system_u:object_r:jail_file_t:s0:c1,c2"
is "$(label $w/hand/f)" "system_u:object_r:jail_file_t:s0:c1,c2" "a file labelled s0:c1,c2 by hand"
ph=$(profile h $w/b $w/hand)
out=$("$VJ" run --profile "$ph" -- sh -c 'tr -d "\0" </proc/self/attr/current; echo; cat /other/f 2>&1' 2>&1)
if echo "$out" | head -n 1 | grep -q ':s0:c1,c2$'; then
	ok 0 "# SKIP the jail drew the pair c1,c2 itself"
else
	like "$out" "Permission denied" "is closed to a jail in another pair"
fi

# 4. live jails never share a pair: A plus five more, all alive at once.
pids=()
for i in 1 2 3 4 5; do
	mkdir -p $w/m$i
	pm=$(profile m$i $w/m$i)
	"$VJ" run --id jail-m$i --profile "$pm" --info-fd 3 -- sleep 120 3>$w/info-m$i 2>$w/m$i.err &
	pids+=($!)
done
started=0
for i in 1 2 3 4 5; do wait_started $w/info-m$i 90 && started=$((started + 1)); done
is "$started" 5 "five more jails started"
all=$( (json_arr $w/info-a categories; for i in 1 2 3 4 5; do json_arr $w/info-m$i categories; done) | sort)
is "$(echo "$all" | wc -l)" 6 "six pairs reported"
is "$(echo "$all" | uniq | wc -l)" 6 "no two live jails share a pair"
live=$(for d in /proc/[0-9]*; do
	[ "$(cat $d/comm 2>/dev/null)" = sleep ] && tr -d '\0' <$d/attr/current && echo
done | sed -En "s/.*:s0:($pair_re)\$/\1/p" | sort)
is "$(echo "$live" | wc -l)" 6 "the kernel shows six jailed processes"
is "$(echo "$live" | uniq | wc -l)" 6 "each in its own categories"
is "$(ls /run/vmjail-test/selinux-mcs | wc -l)" 6 "six reservations held"
kill -TERM $ja "${pids[@]}"
wait $ja "${pids[@]}"
is "$(ls /run/vmjail-test/selinux-mcs | wc -l)" 0 "all released when the jails end"
is "$(label $w/a/secret)" "system_u:object_r:file_t:s0" "A's labels restored"

# 5. The shipped QEMU profile in its own pair (Landlock on too): its image,
#    a writable bind, carries the pair while QEMU runs, and QEMU opens it.
if command -v qemu-img >/dev/null && command -v qemu-system-x86_64 >/dev/null; then
	mkdir -p $w/img
	chmod 777 $w/img
	qemu-img create -f qcow2 $w/img/disk.qcow2 16M >/dev/null
	chmod 666 $w/img/disk.qcow2
	cat >$w/q.json <<EOF
{ "extends": "qemu-system-x86_64",
  "lsm": { "selinux": { "label": "system_u:system_r:jail_t:s0",
                        "file_label": "system_u:object_r:jail_file_t:s0" } } }
EOF
	"$VJ" run --profile $w/q.json --bind $w/img:/images --qmp $w/qmp.sock --info-fd 3 -- \
		qemu-system-x86_64 -M pc -accel tcg -display none -nodefaults -S -sandbox on,spawn=deny \
		-drive file=/images/disk.qcow2,if=virtio 3>$w/info-q 2>$w/q.err &
	q=$!
	wait_started $w/info-q 120
	ok $? "QEMU starts under the qemu-system-x86_64 profile with an SELinux label" "$(cat $w/q.err)"
	qc=$(json_arr $w/info-q categories | tr -d '[]' | sed 's/^/c/; s/,/,c/')
	is "$(label $w/img/disk.qcow2)" "system_u:object_r:jail_file_t:s0:$qc" "its image carries its pair"
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
	like "$(grep started $w/info-q)" '"landlock":\{"applied":true' "Landlock applied alongside"
	is "$(label $w/img/disk.qcow2)" "system_u:object_r:file_t:s0" "the image's label is restored"
else
	ok 0 "# SKIP no QEMU in this VM"
fi

# 6. errors: a label the policy does not know; required without SELinux
#    support is covered by the host's bats test.
cat >$w/bad.json <<EOF
{ "extends": "generic", "lsm": { "selinux": { "label": "system_u:system_r:no_such_t:s0" } } }
EOF
out=$("$VJ" run --profile $w/bad.json -- true 2>&1)
st=$?
is "$st" 125 "an unknown type fails the launch"
like "$out" "SELinux.*no_such_t" "the message names SELinux and the context"

# 7. permissive is reported as such.
echo 0 >/sys/fs/selinux/enforce
"$VJ" run --profile "$p" --info-fd 3 -- true 3>$w/info7
is "$(se_field $w/info7 mode)" "permissive" "permissive mode is reported"
echo 1 >/sys/fs/selinux/enforce

# 8. The supervisor SIGKILLed: its jail dies with it, but nobody restores
#    the labels. The old labels were recorded in the jail's state
#    directory before the relabel: gc restores them.
mkdir -p $w/k/sub
echo k >$w/k/sub/f
chmod -R a+rwX $w/k
pk=$(profile k $w/k)
# kill_started ID: a jail on $w/k, its supervisor SIGKILLed once it runs.
kill_started() {
	local sup
	"$VJ" run --id "$1" --profile "$pk" --info-fd 3 -- sleep 120 3>$w/info-$1 2>$w/$1.err &
	sup=$!
	disown $sup
	wait_started $w/info-$1 60
	ok $? "$1 started" "$(cat $w/$1.err)"
	like "$(label $w/k/sub/f)" "^system_u:object_r:jail_file_t:s0:$pair_re\$" "$1: its files carry its pair"
	[ -s $VMJAIL_STATE_DIR/$1/lsm/selinux ]
	ok $? "$1: its LSM record holds the old labels"
	kill -KILL $sup
	while kill -0 $sup 2>/dev/null; do sleep 0.05; done
}
kill_started se-kill
like "$(label $w/k/sub/f)" ":jail_file_t:s0:$pair_re\$" "after the SIGKILL the files keep the jail's label"
out=$("$VJ" gc 2>&1)
like "$out" "jail se-kill: restored the SELinux labels of 3 files" "gc restores them" "$out"
is "$(label $w/k/sub/f)" "system_u:object_r:file_t:s0" "the file's label is back"
is "$(label $w/k)" "system_u:object_r:file_t:s0" "the directory's too"
[ ! -e $VMJAIL_STATE_DIR/se-kill ]
ok $? "the jail's state directory is gone"

# 9. The next run with the same id restores them before anything else: one
#    without SELinux, and one that relabels again - which must record
#    the original labels, not the dead jail's.
kill_started se-next
out=$("$VJ" run --id se-next --profile generic --selinux off -- true 2>&1)
is "$?" 0 "the next run of se-next (SELinux off) runs" "$out"
like "$out" "lsm: jail se-next: restored the SELinux labels of 3 files" "it restores the dead jail's labels"
is "$(label $w/k/sub/f)" "system_u:object_r:file_t:s0" "the label is back"
kill_started se-again
out=$("$VJ" run --id se-again --profile "$pk" -- sh -c 'cat /data/sub/f' 2>&1)
is "$?" 0 "the next run of se-again, relabelling the same files, runs" "$out"
like "$out" "lsm: jail se-again: restored the SELinux labels of 3 files" "it restores the dead jail's labels first"
like "$out" '^k$' "its PROGRAM reads its relabelled file"
is "$(label $w/k/sub/f)" "system_u:object_r:file_t:s0" "after it, the original label is back (not the dead jail's)"
is "$(ls $VMJAIL_STATE_DIR/selinux-mcs | wc -l)" "0" "the dead jails' reservations are gone too"

# 10. --selinux-label replaces the profile's base context (jail_t here);
#     the jail still gets a pair of its own.
out=$("$VJ" run --profile "$p" --selinux-label system_u:system_r:unconfined_t:s0 -- \
	sh -c 'tr -d "\0" </proc/self/attr/current; echo' 2>&1)
is "$?" 0 "a jail with --selinux-label runs" "$out"
like "$out" "^system_u:system_r:unconfined_t:s0:$pair_re\$" "--selinux-label overrides the profile's context, with a pair" "$out"

done_testing
