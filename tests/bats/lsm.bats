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

@test "root: TCP bind is refused unless the profile allows the port" {
	as_root
	check_tcp
}

@test "user: TCP bind is refused unless the profile allows the port" {
	as_user
	check_tcp
}

# ---- modes: required, optional, auto, off ---------------------------------------

check_modes() {
	local prof
	if [ ! -e /sys/module/apparmor/parameters/enabled ] ||
		[ "$(cat /sys/module/apparmor/parameters/enabled)" != Y ]; then
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
	fi
	if [ ! -e /sys/fs/selinux/enforce ]; then
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
	fi
	# auto (the default): silent, and the start record says why.
	jrun --info-fd 3 -- true 3>"$VJ_T/info"
	assert_status 0
	assert_eq "auto: no lsm notice" "" "$(errors | grep 'lsm:' || true)"
	record "$VJ_T/info" 1
	assert_eq "SELinux wanted" auto "${R[lsm.selinux.wanted]}"
	[ -e /sys/fs/selinux/enforce ] || assert_eq "SELinux not applied" false "${R[lsm.selinux.applied]}"
	jrun --landlock off --info-fd 3 -- true 3>"$VJ_T/info2"
	record "$VJ_T/info2" 1
	assert_eq "--landlock off: not applied" false "${R[lsm.landlock.applied]}"
	assert_eq "landlock off: why" "off (lsm.landlock.mode)" "${R[lsm.landlock.reason]}"
}

@test "root: required layers the host lacks fail the launch, optional ones a notice, auto ones nothing" {
	as_root
	check_modes
}

@test "user: required layers the host lacks fail the launch, optional ones a notice, auto ones nothing" {
	as_user
	check_modes
}

@test "a bad lsm key is an error naming the file and the path" {
	as_root
	local prof
	prof=$(write_profile bad '{ "extends": "generic", "lsm": { "landlock": { "tcp": [1] } } }')
	jrun --profile "$prof" -- true
	assert_status 125
	assert_contains "message" "$stderr" "$prof: lsm.landlock.tcp: unknown key"
}

@test "vmjail check shows the lsm section" {
	as_root
	run "$VMJAIL" check --profile generic
	assert_status 0
	assert_contains "lsm in the plan" "$output" '"lsm"'
	assert_contains "landlock mode" "$output" '"landlock"'
}
