#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# jail.bats - the jail seen from the inside, with the generic profile:
# privileges, ids, the mount namespace, network, uts, pid, ipc and cgroup
# namespaces, session, environment, file descriptors. Each check runs as
# root and as an unprivileged caller (see helpers.bash). `meson test bats-jail-enosys`
# is this file again with the runtime's fallbacks for older kernels.

load helpers

# ---- privileges ----------------------------------------------------------------

check_privileges() {
	jsh 'grep -E "^(NoNewPrivs|Cap(Inh|Prm|Eff|Bnd|Amb)):" /proc/self/status'
	assert_status 0
	local expected
	expected=$(printf '%s\n' CapInh:0000000000000000 CapPrm:0000000000000000 \
		CapEff:0000000000000000 CapBnd:0000000000000000 CapAmb:0000000000000000 NoNewPrivs:1)
	assert_eq "NoNewPrivs and capability sets" "$expected" "$(echo "$output" | tr -d ' \t')"
}

@test "root: no_new_privs, every capability set empty" {
	as_root
	check_privileges
}

@test "user: no_new_privs, every capability set empty" {
	as_user
	check_privileges
}

check_kept_capability() {
	local p
	p=$(write_profile caps '{ "extends": "generic", "capabilities": ["net_bind_service"] }')
	jsh 'grep -E "^Cap(Prm|Eff):" /proc/self/status
	     python3 -c "import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 80)); print(\"bound-80\")"' \
		--profile "$p"
	assert_status 0
	assert_eq "kept capability" "$(printf 'CapPrm:0000000000000400\nCapEff:0000000000000400\nbound-80')" \
		"$(echo "$output" | tr -d ' \t')"
	# and without it, the same bind is refused
	jsh 'python3 -c "import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 80))"'
	assert_status 1
	assert_contains "bind without the capability" "$stderr" "Permission denied"
}

@test "root: a capability the profile keeps is the only one, and works" {
	as_root
	[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3"
	check_kept_capability
}

@test "user: a capability the profile keeps is the only one, and works" {
	as_user
	[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3"
	check_kept_capability
}

# ---- ids -----------------------------------------------------------------------

check_default_ids() {
	jsh 'id -u; id -g; grep -E "^(Uid|Gid):" /proc/self/status; echo "G=$(id -G)"'
	assert_status 0
	assert_eq "ids" "$(printf '65534\n65534\nUid:65534 65534 65534 65534\nGid:65534 65534 65534 65534\nG=65534')" \
		"$(echo "$output" | tr -s ' \t' ' ' | sed 's/: /:/')"
}

@test "root: PROGRAM runs as 65534:65534 by default" {
	as_root
	check_default_ids
}

@test "user: PROGRAM runs as 65534:65534 by default" {
	as_user
	check_default_ids
}

check_chosen_ids() {
	jsh 'echo $(id -u) $(id -g)' --uid 1234 --gid 2345
	assert_status 0
	assert_eq "ids with --uid/--gid" "1234 2345" "$output"
}

@test "root: --uid and --gid choose the ids" {
	as_root
	check_chosen_ids
	# the host sees the same ids on the jailed process
	jsh 'grep -E "^Uid:" /proc/self/status' --uid 1234 --gid 2345
	assert_contains "uid" "$output" "1234"
}

@test "user: --uid and --gid choose the ids (caller mapped to them)" {
	as_user
	check_chosen_ids
	jsh 'cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups' --uid 1234 --gid 2345
	assert_status 0
	assert_eq "id maps and setgroups" \
		"$(printf '1234 %s 1\n2345 %s 1\ndeny' "$VJ_CALLER_UID" "$(id -g "$VJ_CALLER_UID" 2>/dev/null || echo "$VJ_CALLER_UID")")" \
		"$(echo "$output" | tr -s ' \t' ' ' | sed 's/^ //')"
}

check_uid0_rejected() {
	jrun --uid 0 -- id -u
	assert_status 125
	assert_eq "stdout" "" "$output"
	assert_contains "message" "$stderr" "allow_root"
	assert_eq "one message line" 1 "$(printf '%s\n' "$stderr" | grep -c .)"
	jrun --gid 0 -- id -u
	assert_status 125
	assert_contains "message" "$stderr" "allow_root"
}

@test "root: --uid 0 is rejected without user.allow_root (125)" {
	as_root
	check_uid0_rejected
}

@test "user: --uid 0 is rejected without user.allow_root (125)" {
	as_user
	check_uid0_rejected
}

check_allow_root() {
	local p
	p=$(write_profile root '{ "extends": "generic", "user": { "uid": 0, "gid": 0, "allow_root": true } }')
	jsh 'echo $(id -u) $(id -g); grep -E "^Cap(Prm|Eff|Bnd):" /proc/self/status; grep NoNewPrivs /proc/self/status' \
		--profile "$p"
	assert_status 0
	assert_eq "uid 0 with allow_root, still no capabilities" \
		"$(printf '0 0\nCapPrm:0000000000000000\nCapEff:0000000000000000\nCapBnd:0000000000000000\nNoNewPrivs:1')" \
		"$(echo "$output" | tr -d ' \t' | sed 's/^00$/0 0/')"
}

@test "root: a profile with user.allow_root runs PROGRAM as uid 0, without capabilities" {
	as_root
	check_allow_root
}

@test "user: a profile with user.allow_root maps the caller to uid 0, without capabilities" {
	as_user
	check_allow_root
}

# ---- mount namespace -----------------------------------------------------------

check_mountpoints() {
	jsh 'cut -d" " -f5 /proc/self/mountinfo'
	assert_status 0
	assert_eq "mount points in the jail" "$(words "$(generic_mountpoints)")" "$(words "$output")"
}

@test "root: the jail's mounts are exactly the generic profile's" {
	as_root
	check_mountpoints
}

@test "user: the jail's mounts are exactly the generic profile's" {
	as_user
	check_mountpoints
}

# /dev: the profile's devices and the usual fd, stdin, stdout, stderr links.
check_tree_contents() {
	jsh 'echo $(ls -A /) -- $(ls -A /etc) -- $(ls -A /dev); readlink /dev/stdin /dev/fd'
	assert_status 0
	local etc="group passwd" p
	for p in ld.so.cache nsswitch.conf localtime; do
		[ -e "/etc/$p" ] && etc="$etc $p"
	done
	assert_eq "/dev links" "$(printf '/proc/self/fd/0\n/proc/self/fd')" "$(echo "$output" | sed 1d)"
	local got=${lines[0]// -- /|}
	assert_eq "/, /etc and /dev" \
		"$(words "bin dev etc lib lib64 proc sbin tmp usr")|$(words "$etc")|$(words "fd full null random stderr stdin stdout urandom zero")" \
		"$(words "${got%%|*}")|$(words "$(echo "$got" | cut -d'|' -f2)")|$(words "${got##*|}")"
}

@test "root: /, /etc and /dev hold only what the profile lists" {
	as_root
	check_tree_contents
}

@test "user: /, /etc and /dev hold only what the profile lists" {
	as_user
	check_tree_contents
}

check_host_paths_absent() {
	jsh 'for p in /home /root /var /boot /srv /opt /mnt /media /run /sys /etc/shadow /etc/hostname /etc/hosts /etc/fstab '"$VJ_T"'; do
		if [ -e "$p" ] || [ -L "$p" ]; then echo "visible: $p"; fi
	done; echo checked'
	assert_status 0
	assert_eq "host paths visible in the jail" "checked" "$output"
}

@test "root: host paths the profile does not list are absent" {
	as_root
	check_host_paths_absent
}

@test "user: host paths the profile does not list are absent" {
	as_user
	check_host_paths_absent
}

# A chroot into a plain directory: "/" is then no mount's root, and the
# jail's root (made private, then pivot_root) cannot be built there. The
# failure says why and what to do; doing it (the directory bound onto
# itself first) makes the same jail run. The chroot gets /usr, /etc,
# /dev, /sys and /proc from the host, vmjail with the tree's profiles and
# policies, and its own /run (vmjail's state root); its mounts live in a
# private mount namespace and go with it.
run_in_chroot() { # DIR SELF-BIND(0|1)
	run --separate-stderr unshare -m sh -c '
		mount --make-rprivate / &&
		if [ "$2" = 1 ]; then mount --bind "$1" "$1"; fi &&
		for d in usr etc dev sys; do mount --rbind "/$d" "$1/$d" || exit 1; done &&
		mount -t proc proc "$1/proc" &&
		exec chroot "$1" env VMJAIL_PROFILE_PATH=/vj/profiles VMJAIL_POLICY_PATH=/vj/policy \
			/vj/vmjail run --no-cgroup --profile generic -- /bin/true' sh "$1" "$2"
}

@test "root: inside a chroot whose / is no mount point, the failure names it (125), nothing left" {
	as_root
	local c=$BATS_TEST_TMPDIR/chroot l
	mkdir -p "$c/usr" "$c/etc" "$c/dev" "$c/sys" "$c/proc" "$c/run" "$c/tmp" "$c/vj"
	for l in bin sbin lib lib64; do ln -s "usr/$l" "$c/$l"; done
	cp "$VMJAIL" "$c/vj/vmjail"
	cp -r "${VMJAIL_PROFILE_PATH%%:*}" "$c/vj/profiles"
	cp -r "${VMJAIL_POLICY_PATH%%:*}" "$c/vj/policy"
	run_in_chroot "$c" 0
	assert_status 125
	assert_contains "message" "$stderr" "root filesystem: / is not a mount point (vmjail was started inside a chroot?)"
	assert_contains "what to do" "$stderr" "bind-mount the chroot's directory onto itself"
	assert_eq "one message line" 1 "$(printf '%s\n' "$stderr" | grep -c .)"
	assert_eq "jails left in the chroot's registry" "" \
		"$(find "$c/run/vmjail" -mindepth 1 -maxdepth 1 ! -name '.*' 2>&1)"
	run_in_chroot "$c" 1
	assert_status 0
}

check_root_ro() {
	jsh "$MI"'mi /; touch /newfile; mkdir /newdir'
	assert_status 1
	assert_eq "root: type and first option" "tmpfs ro" "$(echo "$output" | cut -d, -f1)"
	assert_contains "touch /newfile" "$stderr" "cannot touch '/newfile': Read-only file system"
	assert_contains "mkdir /newdir" "$stderr" "Read-only file system"
}

@test "root: the root is read-only" {
	as_root
	check_root_ro
}

@test "user: the root is read-only" {
	as_user
	check_root_ro
}

check_usr_ro() {
	jsh "$MI"'mi /usr; touch /usr/newfile'
	assert_status 1
	assert_eq "/usr: first option" "ro" "$(echo "$output" | cut -d, -f1 | cut -d' ' -f2)"
	# read-only binds are nosuid and nodev too (the profile's defaults)
	assert_contains "/usr options" ",$(echo "$output" | cut -d' ' -f2)," ",nosuid,"
	assert_contains "/usr options" ",$(echo "$output" | cut -d' ' -f2)," ",nodev,"
	assert_contains "touch /usr/newfile" "$stderr" "Read-only file system"
}

@test "root: /usr is a read-only bind" {
	as_root
	check_usr_ro
}

@test "user: /usr is a read-only bind" {
	as_user
	check_usr_ro
}

check_ro_bind() {
	mkdir_for_jail "$VJ_T/ro"
	echo original >"$VJ_T/ro/file"
	[ "$EUID" -ne 0 ] || chown "$VJ_NOBODY:$VJ_NOBODY" "$VJ_T/ro/file"
	chmod 666 "$VJ_T/ro/file"
	jsh 'cat /data/file; echo changed > /data/file; touch /data/new' --ro-bind "$VJ_T/ro:/data"
	assert_status 1
	assert_eq "read through the ro bind" "original" "$output"
	assert_contains "write to a file the jail owns, in an ro bind" "$stderr" "/data/file: Read-only file system"
	assert_contains "create in an ro bind" "$stderr" "cannot touch '/data/new': Read-only file system"
	assert_eq "host file" "original" "$(cat "$VJ_T/ro/file")"
	[ ! -e "$VJ_T/ro/new" ] || fail "/data/new appeared on the host"
}

@test "root: --ro-bind is read-only (EROFS) even for files the jail owns" {
	as_root
	check_ro_bind
}

@test "user: --ro-bind is read-only (EROFS) even for files the jail owns" {
	as_user
	check_ro_bind
}

# A host directory with a submount (a tmpfs), bound read-only: the submount
# is read-only in the jail too, and stays writable on the host.
check_ro_bind_recursive() {
	need_root_shell
	mkdir -p "$VJ_T/rtree/sub"
	mount -t tmpfs -o mode=0777 vmjail-bats "$VJ_T/rtree/sub"
	on_cleanup umount "$VJ_T/rtree/sub"
	echo original >"$VJ_T/rtree/sub/file"
	chmod 666 "$VJ_T/rtree/sub/file"
	jsh "$MI"'mi /data/sub
	     cat /data/sub/file; echo changed > /data/sub/file; touch /data/sub/new' \
		--ro-bind "$VJ_T/rtree:/data"
	assert_status 1
	assert_eq "submount type and first option, then its file" "$(printf 'tmpfs ro\noriginal')" \
		"$(echo "$output" | sed '1s/,.*//')"
	assert_contains "write into the submount" "$stderr" "/data/sub/file: Read-only file system"
	assert_contains "create in the submount" "$stderr" "cannot touch '/data/sub/new': Read-only file system"
	# the host's mount is untouched and still writable
	local opts
	opts=$(awk -v m="$VJ_T/rtree/sub" '$5 == m { print $6 }' /proc/self/mountinfo)
	assert_eq "host submount options" "rw" "${opts%%,*}"
	echo host-write >"$VJ_T/rtree/sub/file" || fail "host can no longer write its own tmpfs"
}

@test "root: a submount inside a read-only bind is read-only too (recursive)" {
	as_root
	check_ro_bind_recursive
}

@test "user: a submount inside a read-only bind is read-only too (recursive)" {
	as_user
	check_ro_bind_recursive
}

# A symlink the jailed side planted in a writable bind (on an earlier
# run) is never followed when a later jail's mount targets are created:
# relative to the bind's host directory it points at a host directory,
# which must stay untouched; the launch fails (125) naming the target.
check_planted_symlink() {
	mkdir_for_jail "$VJ_T/w" "$VJ_T/outside"
	jrun --bind "$VJ_T/w:/data" -- sh -c 'ln -s ../outside /data/evil && ln -s /usr /data/usr-link'
	assert_status 0
	[ -L "$VJ_T/w/evil" ] || fail "the jail could not plant its symlink" || return 1
	local args
	for args in "--tmpfs /data/evil/x" "--tmpfs /data/evil" "--ro-bind /usr/share:/data/evil/y" \
		"--ro-bind /usr/share:/data/evil" "--tmpfs /data/usr-link/x"; do
		# shellcheck disable=SC2086
		jrun --bind "$VJ_T/w:/data" $args -- /bin/true
		assert_status 125 || fail "($args)" || return 1
		assert_contains "message ($args)" "$stderr" "/data/" || return 1
		assert_contains "message ($args)" "$stderr" "root filesystem" || return 1
		assert_eq "host directory the link points at ($args)" "" "$(ls -A "$VJ_T/outside")" || return 1
	done
}

@test "root: a symlink planted in a writable bind is never followed by a later jail's mounts" {
	as_root
	check_planted_symlink
}

@test "user: a symlink planted in a writable bind is never followed by a later jail's mounts" {
	as_user
	check_planted_symlink
}

check_tmp_private() {
	touch "/tmp/$VJ_MARK.host"
	on_cleanup rm -f "/tmp/$VJ_MARK.host"
	jsh "$MI"'mi /tmp
	     ls -A /tmp; echo hello > /tmp/'"$VJ_MARK"'.jail && cat /tmp/'"$VJ_MARK"'.jail'
	assert_status 0
	assert_eq "/tmp in the jail" "$(printf 'tmpfs rw\nhello')" "$(echo "$output" | sed '1s/,.*//')"
	[ ! -e "/tmp/$VJ_MARK.jail" ] || fail "the jail's /tmp file appeared on the host"
	# and the next jail starts with an empty /tmp
	jsh 'ls -A /tmp'
	assert_status 0
	assert_eq "/tmp of the next jail" "" "$output"
}

@test "root: /tmp is a private, writable tmpfs" {
	as_root
	check_tmp_private
}

@test "user: /tmp is a private, writable tmpfs" {
	as_user
	check_tmp_private
}

check_bind_rw() {
	mkdir_for_jail "$VJ_T/rw"
	jsh "$MI"'mi /data
	     echo written-in-jail > /data/file && mkdir /data/dir' --bind "$VJ_T/rw:/data"
	assert_status 0
	assert_eq "/data: first option" "rw" "$(echo "$output" | cut -d, -f1 | cut -d' ' -f2)"
	assert_eq "host sees the write" "written-in-jail" "$(cat "$VJ_T/rw/file")"
	[ -d "$VJ_T/rw/dir" ] || fail "host does not see the jail's mkdir"
	# PROGRAM's uid (root caller), or the caller's (mapped to it)
	local owner=$VJ_NOBODY
	[ "$VJ_AS" = root ] || owner=$VJ_CALLER_UID
	assert_eq "owner on the host" "$owner" "$(stat -c %u "$VJ_T/rw/file")"
}

@test "root: --bind is writable and writes show on the host" {
	as_root
	check_bind_rw
}

@test "user: --bind is writable and writes show on the host" {
	as_user
	check_bind_rw
}

check_tmpfs_opt() {
	jsh "$MI"'mi /scratch
	     echo x > /scratch/f && cat /scratch/f' --tmpfs /scratch
	assert_status 0
	assert_eq "--tmpfs /scratch" "$(printf 'tmpfs rw\nx')" "$(echo "$output" | sed '1s/,.*//')"
}

@test "root: --tmpfs mounts a fresh writable tmpfs" {
	as_root
	check_tmpfs_opt
}

@test "user: --tmpfs mounts a fresh writable tmpfs" {
	as_user
	check_tmpfs_opt
}

check_dev_bind() {
	[ -c /dev/zero ] || skip "no /dev/zero"
	jsh "$MI"'mi /devzero
	     head -c 4 /devzero | od -An -tx1' --dev-bind /dev/zero:/devzero
	assert_status 0
	local opts
	opts=$(echo "$output" | sed -n 1p | cut -d' ' -f2)
	assert_not_contains "--dev-bind options" ",$opts," ",nodev,"
	assert_eq "read from the device" "00 00 00 00" "$(echo "$output" | sed -n 2p | xargs)"
}

@test "root: --dev-bind keeps device access" {
	as_root
	check_dev_bind
}

@test "user: --dev-bind keeps device access" {
	as_user
	check_dev_bind
}

check_chdir() {
	jsh 'pwd'
	assert_status 0
	assert_eq "default working directory" "/" "$output"
	jsh 'pwd' --chdir /usr/bin
	assert_status 0
	assert_eq "--chdir" "/usr/bin" "$output"
}

@test "root: working directory is / by default, --chdir changes it" {
	as_root
	check_chdir
}

@test "user: working directory is / by default, --chdir changes it" {
	as_user
	check_chdir
}

# ---- network -------------------------------------------------------------------

check_net_none() {
	jsh 'cat /proc/net/dev'
	assert_status 0
	assert_eq "interfaces" "lo" "$(echo "$output" | netdev_names)"
	jsh 'readlink /proc/self/ns/net'
	assert_status 0
	assert_ne "net namespace" "$(host_ns net)" "$output"
	if [ -x /usr/sbin/ip ] || [ -x /usr/bin/ip ]; then
		jsh 'ip -o link show lo'
		assert_status 0
		assert_contains "lo flags" "$output" ",UP"
	fi
	# lo works: a connection to 127.0.0.1
	if [ -x /usr/bin/python3 ]; then
		jsh 'python3 -c "
import socket
s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen()
c = socket.create_connection(s.getsockname(), timeout=2); print(\"connected\")"'
		assert_status 0
		assert_eq "connect over lo" "connected" "$output"
	fi
}

@test "root: network namespace with only lo, and lo is up" {
	as_root
	check_net_none
}

@test "user: network namespace with only lo, and lo is up" {
	as_user
	check_net_none
}

# As root a thread of the supervisor makes the namespace while the jail is
# built (ns.c); where it makes none, the jail makes its own.
@test "root: without the namespace made ahead, the jail makes its own with lo up" {
	as_root
	export VMJAIL_TEST_ENOSYS=${VMJAIL_TEST_ENOSYS:+$VMJAIL_TEST_ENOSYS,}netns_thread
	check_net_none
}

check_net_host() {
	jsh 'cat /proc/net/dev; readlink /proc/self/ns/net' --net host
	assert_status 0
	assert_eq "interfaces with --net host" "$(netdev_names </proc/net/dev)" \
		"$(echo "$output" | grep -v '^net:' | netdev_names)"
	assert_eq "net namespace with --net host" "$(host_ns net)" "$(echo "$output" | grep '^net:')"
}

@test "root: --net host keeps the host's interfaces" {
	as_root
	check_net_host
}

@test "user: --net host keeps the host's interfaces" {
	as_user
	check_net_host
}

# ---- uts -----------------------------------------------------------------------

check_hostname() {
	local before
	before=$(hostname)
	jsh 'hostname; cat /proc/sys/kernel/hostname'
	assert_status 0
	assert_eq "default hostname" "$(printf 'vmjail\nvmjail')" "$output"
	jsh 'hostname' --hostname bats-host
	assert_status 0
	assert_eq "--hostname" "bats-host" "$output"
	assert_eq "host's hostname afterwards" "$before" "$(hostname)"
}

@test "root: hostname is vmjail by default, --hostname sets it" {
	as_root
	check_hostname
}

@test "user: hostname is vmjail by default, --hostname sets it" {
	as_user
	check_hostname
}

# ---- pid namespace and the other namespaces --------------------------------------

check_pidns() {
	jsh 'echo $$; exec ls /proc'
	assert_status 0
	assert_eq "PROGRAM's pid" "2" "${lines[0]}"
	assert_eq "pids in /proc" "1 2" "$(words "$(echo "$output" | sed 1d | grep -E '^[0-9]+$')")"
}

@test "root: pid namespace: PROGRAM is pid 2, only the jail's pids are visible" {
	as_root
	check_pidns
}

@test "user: pid namespace: PROGRAM is pid 2, only the jail's pids are visible" {
	as_user
	check_pidns
}

check_ns_inodes() {
	jsh 'for n in mnt pid net ipc uts cgroup user; do echo "$n $(readlink /proc/self/ns/$n)"; done'
	assert_status 0
	local n got
	for n in mnt pid net ipc uts cgroup; do
		got=$(echo "$output" | awk -v n="$n" '$1 == n { print $2 }')
		[ -n "$got" ] || fail "no $n namespace link in the jail" || { show; return 1; }
		assert_ne "$n namespace (host's is the jail's)" "$(host_ns "$n")" "$got"
	done
	got=$(echo "$output" | awk '$1 == "user" { print $2 }')
	if [ "$VJ_AS" = user ]; then
		assert_ne "user namespace (unprivileged caller)" "$(host_ns user)" "$got"
	else
		assert_eq "user namespace (root, generic profile: auto)" "$(host_ns user)" "$got"
	fi
}

@test "root: mnt, pid, net, ipc, uts and cgroup namespaces are new" {
	as_root
	check_ns_inodes
}

@test "user: mnt, pid, net, ipc, uts, cgroup and user namespaces are new" {
	as_user
	check_ns_inodes
}

check_cgroupns() {
	jsh 'cat /proc/self/cgroup'
	assert_status 0
	# in its own cgroup namespace, the jail's cgroup is its root
	local bad
	bad=$(echo "$output" | awk -F: '$3 != "/"')
	assert_eq "cgroup paths not at the namespace root" "" "$bad"
}

@test "root: the cgroup namespace's root is the jail's cgroup" {
	as_root
	check_cgroupns
}

@test "user: the cgroup namespace's root is the jail's cgroup" {
	as_user
	check_cgroupns
}

# The kernel's own list of each leaf the start record names holds PROGRAM
# and the jail's init: clone3's placement (v2), the child's own move (v1),
# or the supervisor's (the fallback runs, without clone3).
check_cgroup_members() {
	bg_jail "$VJ_T/out" --info-fd 3 -- sh -c 'echo ready; sleep 3' 3>"$VJ_T/info"
	wait_until 5 file_has "$VJ_T/out" ready || fail "the jail did not start: $(cat "$VJ_T/out.err")" || return 1
	record "$VJ_T/info" 1 || return 1
	local k dir n=0 pid=${R[pid]} init=${R[init-pid]}
	for k in "${!R[@]}"; do
		case $k in cgroup.device_filter) continue ;; cgroup.*) ;; *) continue ;; esac
		dir=${R[$k]}
		grep -qx "$pid" "$dir/cgroup.procs" || fail "PROGRAM ($pid) is not in $dir: $(cat "$dir/cgroup.procs")" || return 1
		grep -qx "$init" "$dir/cgroup.procs" || fail "the jail's init ($init) is not in $dir" || return 1
		n=$((n + 1))
	done
	wait_exit "$VJ_BG" 10 || return 1
	assert_status 0
	[ "$n" -ge 1 ] || skip "the start record names no cgroup leaf (no writable cgroup here)"
}

@test "root: PROGRAM and init are in every cgroup leaf of the jail (cgroup namespace rooted there)" {
	as_root
	check_cgroup_members
}

# ---- process --------------------------------------------------------------------

check_session() {
	jsh 'cut -d" " -f1,6,7 /proc/$$/stat'
	assert_status 0
	assert_eq "pid, session, tty_nr" "2 2 0" "$output"
}

@test "root: PROGRAM leads a new session" {
	as_root
	check_session
}

@test "user: PROGRAM leads a new session" {
	as_user
	check_session
}

# Under a terminal (script(1) gives one): PROGRAM has no controlling
# terminal, so TIOCSTI cannot push input into the caller's terminal: the
# ioctl fails, or the generic seccomp policy, which does not allow it,
# kills PROGRAM (159). Either way nothing reaches the terminal.
check_no_ctty() {
	command -v script >/dev/null || skip "no script(1)"
	[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3"
	local inner
	inner=$(printf '%q ' "${VJ_PREFIX[@]}" "$VMJAIL" run --id "$VJ_ID" --env "VJ_BATS_MARK=$VJ_MARK" -- \
		sh -c 'cut -d" " -f1,6,7 /proc/$$/stat; exec python3 -c "
import fcntl, termios
try:
    fcntl.ioctl(0, termios.TIOCSTI, b\"x\"); print(\"TIOCSTI worked\")
except OSError as e:
    print(\"TIOCSTI failed\")"')
	# script(1) runs the command with $SHELL, which a CI runner may leave
	# unset (then /bin/sh): the command is bash (printf %q quoting, read -t).
	# It forwards its stdin to the terminal: give it none, whatever the
	# suite's own stdin carries (a CI runner's pipe, say).
	run --separate-stderr env SHELL=/bin/bash timeout -k 5 30 script -qec "tty; $inner; echo status=\$?; read -t 0.2 x && echo typed=\$x" /dev/null </dev/null
	local out
	out=$(echo "$output" | tr -d '\r' | grep -v '^vmjail: cgroup: .*running without it$')
	[[ "$(echo "$out" | sed -n 1p)" == /dev/pts/* ]] || skip "script(1) gave no terminal"
	assert_eq "pid, session, tty_nr" "2 2 0" "$(echo "$out" | sed -n 2p)"
	case "$(echo "$out" | sed 1,2d | tr '\n' ' ')" in
	"TIOCSTI failed status=0 " | *"killed by seccomp"*"status=159 ") ;;
	*) fail "TIOCSTI: expected it to fail or PROGRAM killed by seccomp (159)" "$out" ;;
	esac
	assert_not_contains "typed into the caller's terminal" "$out" "typed="
}

@test "root: no controlling terminal, even when the caller has one; TIOCSTI fails" {
	as_root
	check_no_ctty
}

@test "user: no controlling terminal, even when the caller has one; TIOCSTI fails" {
	as_user
	check_no_ctty
}

check_env() {
	local cmd=("${VJ_PREFIX[@]}" "$VMJAIL" run --id "$VJ_ID" --env "VJ_BATS_MARK=$VJ_MARK")
	# vmjail's own search paths go through (a copy of the binary, made
	# where uid 65534 cannot reach the tree, does not find the tree by
	# itself); they are not the jail's either.
	local own=(VMJAIL_PROFILE_PATH="$VMJAIL_PROFILE_PATH" VMJAIL_POLICY_PATH="$VMJAIL_POLICY_PATH")
	run --separate-stderr env -i PATH=/usr/bin:/bin TERM=vt-bats LANG=C.UTF-8 LC_ALL=C \
		SECRET=leaked HOME=/root "${own[@]}" "${cmd[@]}" --env FOO=bar -- /usr/bin/env
	assert_status 0
	assert_eq "variables" "$(words "FOO HOME LANG LC_ALL PATH TERM VJ_BATS_MARK")" \
		"$(words "$(echo "$output" | cut -d= -f1)")"
	assert_contains "TERM kept" "$output" "TERM=vt-bats"
	assert_contains "HOME set by the profile" "$output" "HOME=/tmp"
	assert_contains "--env" "$output" "FOO=bar"
	# the kept ones only when the caller has them
	run --separate-stderr env -i PATH=/usr/bin:/bin SECRET=leaked "${own[@]}" "${cmd[@]}" -- /usr/bin/env
	assert_status 0
	assert_eq "variables" "$(words "HOME PATH VJ_BATS_MARK")" "$(words "$(echo "$output" | cut -d= -f1)")"
}

@test "root: the environment is reduced to the profile's list and --env" {
	as_root
	check_env
}

@test "user: the environment is reduced to the profile's list and --env" {
	as_user
	check_env
}

check_fds() {
	echo fd-five >"$VJ_T/fdfile"
	exec 5<"$VJ_T/fdfile" 6<"$VJ_T/fdfile"
	# sh lists its own fds (ls would add its own directory fd)
	jsh 'ls /proc/$$/fd'
	local st=$status out=$output
	jsh 'ls /proc/$$/fd; cat <&5' --keep-fd 5
	exec 5<&- 6<&-
	status=$st output=$out assert_status 0
	assert_eq "fds without --keep-fd" "0 1 2" "$(words "$out")"
	assert_status 0
	assert_eq "fds with --keep-fd 5" "0 1 2 5 fd-five" "$(words "$output")"
}

@test "root: only fds 0-2 and --keep-fd ones reach PROGRAM" {
	as_root
	check_fds
}

@test "user: only fds 0-2 and --keep-fd ones reach PROGRAM" {
	as_user
	check_fds
}

check_rlimits() {
	local p
	p=$(write_profile rl '{ "extends": "generic", "rlimits": { "nofile": [32, 64] } }')
	jsh 'ulimit -Sn; ulimit -Hn' --profile "$p"
	assert_status 0
	assert_eq "nofile soft, hard" "$(printf '32\n64')" "$output"
}

@test "root: rlimits of the profile apply" {
	as_root
	check_rlimits
}

@test "user: rlimits of the profile apply" {
	as_user
	check_rlimits
}
