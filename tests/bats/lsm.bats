#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# lsm.bats - the LSM layers through `vmjail run`, on this host: Landlock
# (which needs no privilege) with the kernel as the oracle, and what
# happens when a profile asks for SELinux or AppArmor on a host that runs
# neither. AppArmor and SELinux themselves are tested in the test VM
# (tests/vm/).

load helpers

landlock_abi() {
	"$VJ_PY" -c 'import ctypes; print(ctypes.CDLL(None).syscall(444, None, 0, 1))'
}

need_landlock() {
	local abi
	abi=$(landlock_abi)
	[ "$abi" -ge "${1:-1}" ] || skip "Landlock ABI ${1:-1} needed, the kernel has $abi"
}

need_python() {
	[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3"
}

# ---- the generic profile under Landlock ------------------------------------------

check_generic() {
	need_landlock
	jsh 'ls / >/dev/null && cat /etc/passwd >/dev/null && mkdir /tmp/d && echo x >/tmp/d/f &&
	     cp /tmp/d/f /tmp/d/g && mv /tmp/d/g /tmp/d/h && ln -s h /tmp/d/l && cat /tmp/d/l &&
	     rm -r /tmp/d && head -c 4 /dev/urandom | wc -c && echo ok >/dev/null && sort </etc/group >/dev/null &&
	     echo done' --info-fd 3 3>"$VJ_T/info"
	assert_status 0
	assert_eq "sh and coreutils under Landlock" "$(printf 'x\n4\ndone')" "$output"
	record "$VJ_T/info" 1
	assert_eq "Landlock applied" true "${R[lsm.landlock.applied]}"
	assert_eq "its ABI" "$(landlock_abi)" "${R[lsm.landlock.abi]}"
	assert_contains "the rules" "${R[lsm.landlock.rules]}" '{"path": "/usr", "access": ["execute", "read_file", "read_dir"]}'
}

@test "root: the generic profile runs sh and coreutils under Landlock; the start record says what applied" {
	as_root
	check_generic
}

@test "user: the generic profile runs sh and coreutils under Landlock; the start record says what applied" {
	as_user
	check_generic
}

# ---- read-only binds, mounts, paths outside the plan ------------------------------

# Python in the jail: its own user and mount namespace (no exec, so it keeps
# the namespace's capabilities), then mounts, then writes.
PY_MOUNTS='
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
def err(r):
    return "ok" if r == 0 else errno.errorcode[ctypes.get_errno()]
print("unshare", err(libc.unshare(0x10000000 | 0x00020000)))
print("tmpfs", err(libc.mount(b"tmpfs", b"/tmp", b"tmpfs", 0, None)))
print("remount", err(libc.mount(None, b"/usr", None, 32 | 4096, None)))
try:
    open("/usr/x", "w")
    print("write ok")
except OSError as e:
    print("write", errno.errorcode[e.errno])
'

check_ro_remount() {
	need_landlock
	need_python
	# The generic seccomp policy refuses unshare; learn mode filters nothing.
	jrun --seccomp-learn "$VJ_T/learned.json" -- python3 -c "$PY_MOUNTS"
	assert_status 0
	assert_eq "under Landlock: no mount at all, so no remount; /usr stays read-only" \
		"$(printf 'unshare ok\ntmpfs EPERM\nremount EPERM\nwrite EROFS')" "$output"
	local off
	off=$(write_profile ll-off '{ "extends": "generic", "lsm": { "landlock": "off" } }')
	jrun --profile "$off" --seccomp-learn "$VJ_T/learned2.json" -- python3 -c "$PY_MOUNTS"
	assert_status 0
	assert_contains "control: without Landlock the same program mounts in its namespace" "$output" "tmpfs ok"
}

@test "root: a jailed program cannot remount its read-only binds, even in its own user namespace" {
	as_root
	check_ro_remount
}

@test "user: a jailed program cannot remount its read-only binds, even in its own user namespace" {
	as_user
	check_ro_remount
}

check_outside() {
	need_landlock
	echo host-file >"$VJ_T/hostfile"
	chmod 644 "$VJ_T/hostfile"
	chmod 755 "$VJ_T"
	# fd 3 is a host file the jail inherited: reading the fd works (it was
	# opened outside), reopening its path through /proc is a new open of a
	# path outside every rule. /proc/self/comm is writable as far as the
	# VFS goes; Landlock gives /proc read-only.
	local script='cat <&3; cat /proc/self/fd/3 2>&1 || echo reopen-failed
	     (echo renamed >/proc/self/comm) 2>&1 || echo comm-failed'
	jsh "$script" --keep-fd 3 3<"$VJ_T/hostfile"
	assert_status 0
	assert_contains "the inherited fd reads" "$output" "host-file"
	assert_contains "reopening a host path is refused" "$output" "reopen-failed"
	assert_contains "with EACCES" "$output" "Permission denied"
	assert_contains "writing /proc is refused" "$output" "comm-failed"
	local off
	off=$(write_profile ll-off '{ "extends": "generic", "lsm": { "landlock": "off" } }')
	jsh "$script" --profile "$off" --keep-fd 3 3<"$VJ_T/hostfile"
	assert_status 0
	assert_eq "control: without Landlock both work" "host-file
host-file" "$output"
}

@test "root: paths outside the plan are closed, even through an inherited fd's /proc link" {
	as_root
	check_outside
}

@test "user: paths outside the plan are closed, even through an inherited fd's /proc link" {
	as_user
	check_outside
}

# ---- TCP ----------------------------------------------------------------------

PY_BIND='
import errno, socket, sys
for port in sys.argv[1:]:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", int(port)))
        print(port, "ok")
    except OSError as e:
        print(port, errno.errorcode[e.errno])
'

check_tcp() {
	need_landlock 4
	need_python
	local p1=47811 p2=47812
	# A shared network namespace: closed unless the profile lists ports.
	jrun --net host -- python3 -c "$PY_BIND" $p1
	assert_status 0
	assert_eq "--net host: TCP bind refused by default" "$p1 EACCES" "$output"
	local prof
	prof=$(write_profile tcp "{ \"extends\": \"generic\", \"lsm\": { \"landlock\": { \"tcp_bind\": [$p1] } } }")
	jrun --net host --profile "$prof" -- python3 -c "$PY_BIND" $p1 $p2
	assert_status 0
	assert_eq "a listed port binds, another does not" "$(printf '%s ok\n%s EACCES' $p1 $p2)" "$output"
	# Its own network namespace (only lo): not restricted unless listed.
	jrun -- python3 -c "$PY_BIND" $p1
	assert_eq "own network namespace: not restricted by default" "$p1 ok" "$output"
	prof=$(write_profile tcp0 '{ "extends": "generic", "lsm": { "landlock": { "tcp_bind": [] } } }')
	jrun --profile "$prof" -- python3 -c "$PY_BIND" $p1
	assert_eq "tcp_bind [] closes it there too" "$p1 EACCES" "$output"
}

# connect() to a port nothing listens on: ECONNREFUSED from the network,
# unless Landlock refuses it first (EACCES).
PY_CONNECT='
import errno, socket, sys
for port in sys.argv[1:]:
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", int(port)))
        print(port, "ok")
    except OSError as e:
        print(port, errno.errorcode[e.errno])
'

check_tcp_connect() {
	need_landlock 4
	need_python
	local p1=47813 p2=47814
	jrun --net host --info-fd 3 -- python3 -c "$PY_CONNECT" $p1 3>"$VJ_T/info"
	assert_status 0
	assert_eq "--net host: TCP connect refused by default" "$p1 EACCES" "$output"
	record "$VJ_T/info" 1
	assert_eq "the start record: TCP enforced" true "${R[lsm.landlock.net.enforced]}"
	assert_eq "no port to connect to" "[]" "${R[lsm.landlock.net.tcp_connect]}"
	local prof
	prof=$(write_profile tcpc "{ \"extends\": \"generic\", \"lsm\": { \"landlock\": { \"tcp_connect\": [$p1] } } }")
	jrun --net host --profile "$prof" -- python3 -c "$PY_CONNECT" $p1 $p2
	assert_status 0
	assert_eq "a listed port reaches the network, another does not" \
		"$(printf '%s ECONNREFUSED\n%s EACCES' $p1 $p2)" "$output"
	prof=$(write_profile tcpc-off '{ "extends": "generic", "lsm": { "landlock": "off" } }')
	jrun --net host --profile "$prof" -- python3 -c "$PY_CONNECT" $p1
	assert_eq "control: without Landlock the connect reaches the network" "$p1 ECONNREFUSED" "$output"
	# Its own network namespace: both lists "any" by default, nothing
	# handled - and the start record must not claim TCP is enforced.
	jrun --info-fd 3 -- python3 -c "$PY_CONNECT" $p1 3>"$VJ_T/info2"
	assert_eq "own network namespace: connect not restricted" "$p1 ECONNREFUSED" "$output"
	record "$VJ_T/info2" 1
	assert_eq "the start record: TCP not enforced" false "${R[lsm.landlock.net.enforced]}"
	assert_eq "tcp_connect any" any "${R[lsm.landlock.net.tcp_connect]}"
	assert_eq "tcp_bind any" any "${R[lsm.landlock.net.tcp_bind]}"
}

@test "root: TCP connect is refused unless the profile allows the port; the record says when TCP is enforced" {
	as_root
	check_tcp_connect
}

@test "user: TCP connect is refused unless the profile allows the port; the record says when TCP is enforced" {
	as_user
	check_tcp_connect
}

@test "root: TCP bind is refused unless the profile allows the port" {
	as_root
	check_tcp
}

@test "user: TCP bind is refused unless the profile allows the port" {
	as_user
	check_tcp
}

# ---- modes: required, optional, auto, off ---------------------------------------

# The host's AppArmor and SELinux: enabled or not.
host_has_apparmor() {
	[ -e /sys/module/apparmor/parameters/enabled ] && [ "$(cat /sys/module/apparmor/parameters/enabled)" = Y ]
}
host_has_selinux() { [ -e /sys/fs/selinux/enforce ]; }

check_apparmor_missing() {
	! host_has_apparmor || skip "this host runs AppArmor (tests/vm/lsm-apparmor.sh tests it)"
	local prof
	prof=$(write_profile aa-req '{ "extends": "generic", "lsm": { "apparmor": "required" } }')
	jrun --profile "$prof" -- true
	assert_status 125
	assert_contains "a required layer the host lacks is named" "$stderr" "vmjail: lsm: AppArmor: required, but"
	prof=$(write_profile aa-opt '{ "extends": "generic", "lsm": { "apparmor": "optional" } }')
	# (launch.c logs these lines at notice or info level)
	jrun --log-level info --profile "$prof" -- true
	assert_status 0
	assert_contains "optional: one line" "$stderr" "vmjail: lsm: AppArmor:"
	assert_contains "optional: runs without it" "$stderr" "running without it"
}

@test "root: AppArmor required on a host without it fails the launch, optional is a notice" {
	as_root
	check_apparmor_missing
}

@test "user: AppArmor required on a host without it fails the launch, optional is a notice" {
	as_user
	check_apparmor_missing
}

check_selinux_missing() {
	! host_has_selinux || skip "this host runs SELinux (tests/vm/lsm-selinux.sh tests it)"
	local prof
	prof=$(write_profile se-req '{ "extends": "generic", "lsm": { "selinux": "required" } }')
	jrun --profile "$prof" -- true
	assert_status 125
	assert_contains "SELinux required on a host without it" "$stderr" \
		"vmjail: lsm: SELinux: required, but SELinux is not enabled on this host"
	prof=$(write_profile se-label '{ "extends": "generic", "lsm": { "selinux": { "label": "system_u:system_r:svirt_t:s0" } } }')
	jrun --profile "$prof" -- true
	assert_status 125
	assert_contains "a named label makes SELinux required" "$stderr" "SELinux: required"
	jrun --selinux-label system_u:system_r:svirt_t:s0 -- true
	assert_status 125
	assert_contains "so does --selinux-label" "$stderr" "SELinux: required"
}

@test "root: SELinux required (or a label named) on a host without it fails the launch" {
	as_root
	check_selinux_missing
}

@test "user: SELinux required (or a label named) on a host without it fails the launch" {
	as_user
	check_selinux_missing
}

check_auto() {
	# auto (the default): silent, and the start record says why.
	jrun --info-fd 3 -- true 3>"$VJ_T/info"
	assert_status 0
	assert_eq "auto: no lsm notice" "" "$(errors | grep 'lsm:' || true)"
	record "$VJ_T/info" 1
	assert_eq "SELinux wanted" auto "${R[lsm.selinux.wanted]}"
	if ! host_has_selinux; then
		assert_eq "SELinux not applied" false "${R[lsm.selinux.applied]}"
		assert_eq "SELinux: why" "SELinux is not enabled on this host" "${R[lsm.selinux.reason]}"
	fi
	jrun --landlock off --info-fd 3 -- true 3>"$VJ_T/info2"
	record "$VJ_T/info2" 1
	assert_eq "--landlock off: not applied" false "${R[lsm.landlock.applied]}"
	assert_eq "landlock off: why" "off (lsm.landlock.mode)" "${R[lsm.landlock.reason]}"
}

@test "root: auto layers the host lacks are left out silently, the start record says why" {
	as_root
	check_auto
}

@test "user: auto layers the host lacks are left out silently, the start record says why" {
	as_user
	check_auto
}

@test "a bad lsm key is an error naming the file and the path" {
	as_root
	local prof
	prof=$(write_profile bad '{ "extends": "generic", "lsm": { "landlock": { "tcp": [1] } } }')
	jrun --profile "$prof" -- true
	assert_status 125
	assert_contains "message" "$stderr" "$prof: lsm.landlock.tcp: unknown key"
}

# ---- what vmjail check and vmjail status show ------------------------------------

# lsm_py FILE EXPR: EXPR (python, `c` is the JSON of FILE) printed.
lsm_py() {
	"$VJ_PY" -c '
import json, sys
c = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(json.dumps(v) if not isinstance(v, str) else v)' "$@"
}

check_check() {
	mkdir_for_jail "$VJ_T/rw"
	local prof
	prof=$(write_profile chk "{ \"extends\": \"generic\",
	  \"filesystem\": { \"mounts\": [ { \"type\": \"bind\", \"source\": \"$VJ_T/rw\", \"target\": \"/data\" } ] },
	  \"lsm\": { \"selinux\": { \"mode\": \"auto\", \"label\": \"system_u:system_r:svirt_t:s0\",
	                            \"file_label\": \"system_u:object_r:svirt_image_t:s0\" },
	             \"landlock\": { \"tcp_bind\": [5900] } } }")
	run --separate-stderr timeout 30 "${VJ_PREFIX[@]}" "$VMJAIL" check --id "$VJ_ID" --profile "$prof"
	assert_status 0
	echo "$output" >"$VJ_T/check.json"
	local c=$VJ_T/check.json w=lsm_will_apply
	assert_eq "the section as resolved" auto "$(lsm_py "$c" "c['lsm']['selinux']['mode']")"
	# SELinux: the base contexts; the pair is the launch's
	assert_eq "SELinux context" system_u:system_r:svirt_t:s0 "$(lsm_py "$c" "c['$w']['selinux']['context']")"
	assert_eq "SELinux file context" system_u:object_r:svirt_image_t:s0 \
		"$(lsm_py "$c" "c['$w']['selinux']['file_context']")"
	assert_contains "the pair is chosen at run time" "$(lsm_py "$c" "c['$w']['selinux']['categories']")" \
		"chosen at run time"
	assert_eq "the writable bind is relabelled" "[\"$VJ_T/rw\"]" "$(lsm_py "$c" "c['$w']['selinux']['relabel']")"
	if ! host_has_selinux; then
		assert_eq "no SELinux here" false "$(lsm_py "$c" "c['$w']['selinux']['applies']")"
		assert_eq "why" "SELinux is not enabled on this host" "$(lsm_py "$c" "c['$w']['selinux']['reason']")"
	fi
	# AppArmor: the generated profile's text, for this plan
	assert_eq "the generated profile's name" "vmjail-$VJ_ID" "$(lsm_py "$c" "c['$w']['apparmor']['profile']")"
	assert_eq "generated" true "$(lsm_py "$c" "c['$w']['apparmor']['generated']")"
	local text
	text=$(lsm_py "$c" "c['$w']['apparmor']['text']")
	assert_contains "its header" "$text" "profile vmjail-$VJ_ID flags=(attach_disconnected,mediate_deleted) {"
	assert_contains "the writable bind" "$text" '"/data/" rw,'
	assert_contains "the ro bind" "$text" '"/usr/**" mrix,'
	# Landlock: the rules, with what this kernel enforces
	local abi
	abi=$(landlock_abi)
	if [ "$abi" -ge 1 ]; then
		assert_eq "Landlock applies" true "$(lsm_py "$c" "c['$w']['landlock']['applies']")"
		assert_eq "this kernel's ABI" "$abi" "$(lsm_py "$c" "c['$w']['landlock']['abi']")"
		assert_eq "the /usr rule" '["execute", "read_file", "read_dir"]' \
			"$(lsm_py "$c" "[r['access'] for r in c['$w']['landlock']['rules'] if r['path'] == '/usr'][0]")"
		assert_contains "the /data rule writes" \
			"$(lsm_py "$c" "[r['access'] for r in c['$w']['landlock']['rules'] if r['path'] == '/data'][0]")" \
			'"write_file"'
		if [ "$abi" -ge 4 ]; then
			assert_eq "the listed port" "[5900]" "$(lsm_py "$c" "c['$w']['landlock']['net']['tcp_bind']")"
			assert_eq "TCP enforced" true "$(lsm_py "$c" "c['$w']['landlock']['net']['enforced']")"
		fi
		if [ "$abi" -ge 5 ]; then
			assert_eq "nothing this kernel cannot enforce" "[]" \
				"$(lsm_py "$c" "c['$w']['landlock']['fs_not_enforced']")"
		fi
	fi
	# a named AppArmor profile, Landlock off
	run --separate-stderr timeout 30 "${VJ_PREFIX[@]}" "$VMJAIL" check --id "$VJ_ID" --apparmor-profile some-profile \
		--landlock off
	assert_status 0
	echo "$output" >"$VJ_T/check2.json"
	c=$VJ_T/check2.json
	assert_eq "a named profile" some-profile "$(lsm_py "$c" "c['$w']['apparmor']['profile']")"
	assert_eq "not generated" false "$(lsm_py "$c" "c['$w']['apparmor']['generated']")"
	assert_eq "no text" false "$(lsm_py "$c" "'text' in c['$w']['apparmor']")"
	assert_eq "Landlock off" false "$(lsm_py "$c" "c['$w']['landlock']['applies']")"
	assert_eq "why" "off (lsm.landlock.mode)" "$(lsm_py "$c" "c['$w']['landlock']['reason']")"
	assert_eq "no SELinux label known" null "$(lsm_py "$c" "c['$w']['selinux']['context']")"
}

@test "root: vmjail check shows the contexts, the AppArmor profile and the Landlock rules that would apply" {
	as_root
	check_check
}

@test "user: vmjail check shows the contexts, the AppArmor profile and the Landlock rules that would apply" {
	as_user
	check_check
}

check_status() {
	need_landlock
	mkdir_for_jail "$VJ_T/u"
	export VMJAIL_STATE_DIR="$VJ_T/u/state"
	bg_jail "$VJ_T/j" --net host --info-fd 3 -- sleep 1000 3>"$VJ_T/info"
	on_cleanup "\"\${VJ_PREFIX[@]}\" \"\$VMJAIL\" stop --timeout 5 \"$VJ_ID\" >/dev/null 2>&1"
	wait_until 20 file_has "$VJ_T/info" '"event":"started"' || fail "$(cat "$VJ_T/j.err")"
	record_jail "$VJ_T/info"
	run --separate-stderr "${VJ_PREFIX[@]}" "$VMJAIL" status "$VJ_ID"
	assert_status 0
	local abi
	abi=$(landlock_abi)
	local ll
	ll=$(grep '^landlock:' <<<"$output")
	assert_contains "text: Landlock applied, with the ABI" "$ll" "applied, ABI $abi,"
	[ "$abi" -lt 4 ] || assert_contains "text: the TCP ports" "$ll" "TCP bind: no port, connect: no port"
	if ! host_has_selinux; then
		assert_eq "text: SELinux, and why not" \
			"selinux:        not applied (wanted auto): SELinux is not enabled on this host" \
			"$(grep '^selinux:' <<<"$output")"
	fi
	if ! host_has_apparmor; then
		assert_contains "text: AppArmor, and why not" "$(grep '^apparmor:' <<<"$output")" "not applied (wanted auto): "
	fi
	run --separate-stderr "${VJ_PREFIX[@]}" "$VMJAIL" status --json "$VJ_ID"
	assert_status 0
	echo "$output" >"$VJ_T/status.json"
	assert_eq "json: Landlock applied" true "$(lsm_py "$VJ_T/status.json" "c['state']['lsm']['landlock']['applied']")"
	assert_eq "json: its ABI" "$abi" "$(lsm_py "$VJ_T/status.json" "c['state']['lsm']['landlock']['abi']")"
	assert_eq "json: SELinux wanted" auto "$(lsm_py "$VJ_T/status.json" "c['state']['lsm']['selinux']['wanted']")"
	run "${VJ_PREFIX[@]}" "$VMJAIL" stop "$VJ_ID"
	assert_status 0
}

@test "root: vmjail status shows the LSM layers that applied, as text and JSON" {
	as_root
	check_status
}

@test "user: vmjail status shows the LSM layers that applied, as text and JSON" {
	as_user
	check_status
}
