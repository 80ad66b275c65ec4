#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# libvirt.bats - vmjail as the emulator wrapper of real libvirt (Debian's
# libvirt-daemon-driver-qemu, libvirt-clients), through the embedded QEMU
# driver (virsh -c 'qemu:///embed?root=DIR': the driver runs inside virsh,
# no daemon). The domain's <emulator> is a stub written by
# contrib/libvirt/vmjail-libvirt-gen, which runs the real QEMU through
# contrib/libvirt/vmjail-qemu-wrapper (vmjail run --exec --keep-all-fds
# --profile libvirt-qemu). TCG guest (Debian's kernel and a busybox
# initramfs from tests/e2e/lib.sh). The kernel is the oracle: /proc of the
# pid libvirt tracks.
#
# Needs root (libvirt's privileged driver: it runs QEMU as the libvirt-qemu
# user, whom libvirt-daemon-system would create; this test creates that
# system user and group when they are missing, as the package does).

bats_require_minimum_version 1.5.0

: "${VMJAIL:=$BATS_TEST_DIRNAME/../../build/vmjail}"
: "${VMJAIL_SRCDIR:=$BATS_TEST_DIRNAME/../..}"
DOM=vmjail-it

setup_file() {
	export VMJAIL VMJAIL_SRCDIR
	# What runs unprivileged (the wrapper's tests as uid 65534, libvirt's
	# QEMU as libvirt-qemu): copies of the binary, the wrapper, the
	# profiles and the policies in a directory anyone can traverse, which
	# the tree need not be (a checkout in root's home).
	T=$(mktemp -d /tmp/vmjail-it-tree.XXXXXX)
	chmod 0755 "$T"
	install -m 0755 "$VMJAIL" "$T/vmjail"
	install -m 0755 "$VMJAIL_SRCDIR/contrib/libvirt/vmjail-qemu-wrapper" "$T/vmjail-qemu-wrapper"
	cp -r "$VMJAIL_SRCDIR/profiles" "$VMJAIL_SRCDIR/policy" "$T/"
	chmod -R a+rX "$T"
	echo "$T" >"$BATS_FILE_TMPDIR/tree"
	local why=
	if [ "$(id -u)" -ne 0 ]; then
		why="needs root (libvirt's privileged QEMU driver)"
	elif ! command -v virsh >/dev/null; then
		why="virsh not installed (libvirt-clients)"
	elif ! ls /usr/lib/*/libvirt/connection-driver/libvirt_driver_qemu.so >/dev/null 2>&1; then
		why="libvirt's QEMU driver not installed (libvirt-daemon-driver-qemu)"
	elif [ ! -x /usr/bin/qemu-system-x86_64 ]; then
		why="qemu-system-x86_64 not installed"
	elif ! ls /boot/vmlinuz-* >/dev/null 2>&1; then
		why="no kernel in /boot (linux-image-amd64)"
	elif [ ! -x /usr/bin/busybox ]; then
		why="busybox-static not installed"
	fi
	if [ -n "$why" ]; then
		echo "$why" >"$BATS_FILE_TMPDIR/skip"
		return 0
	fi
	# The account libvirt's Debian build runs QEMU as.
	getent group libvirt-qemu >/dev/null || groupadd --system libvirt-qemu
	getent passwd libvirt-qemu >/dev/null ||
		useradd --system --no-create-home --home-dir /var/lib/libvirt --shell /usr/sbin/nologin \
			--gid libvirt-qemu --groups kvm libvirt-qemu

	# Everything under one directory libvirt-qemu can traverse.
	W=$(mktemp -d /tmp/vmjail-libvirt.XXXXXX)
	chmod 0755 "$W"
	echo "$W" >"$BATS_FILE_TMPDIR/work"
	# shellcheck source=../e2e/lib.sh
	source "$VMJAIL_SRCDIR/tests/e2e/lib.sh"
	e2e_build_initramfs "$W"
	cp "$(e2e_kernel)" "$W/vmlinuz"
	chmod 0644 "$W/vmlinuz" "$W/initramfs.gz"
	sed -e 's|@libexecdir@|/usr/libexec|g' -e 's|@bindir@|/usr/bin|g' \
		"$VMJAIL_SRCDIR/contrib/libvirt/vmjail-libvirt-gen.in" >"$W/gen"
	sh "$W/gen" --dir "$W/emulators" --vmjail "$T/vmjail" --wrapper "$T/vmjail-qemu-wrapper" \
		--profile-path "$T/profiles" --policy-path "$T/policy" \
		/usr/bin/qemu-system-x86_64 >/dev/null
	# The embedded driver's root: its qemu.conf keeps QEMU's stdio in a
	# plain file (no virtlogd daemon); the rest is libvirt's default.
	mkdir -p "$W/root/etc"
	printf 'stdio_handler = "file"\n' >"$W/root/etc/qemu.conf"
	cat >"$W/dom.xml" <<EOF
<domain type='qemu'>
  <name>$DOM</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$W/vmlinuz</kernel>
    <initrd>$W/initramfs.gz</initrd>
    <cmdline>console=ttyS0 panic=-1 vmjail.hold vmjail.id=libvirt</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <emulator>$W/emulators/qemu-system-x86_64</emulator>
    <serial type='file'><source path='$W/serial.log'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
}

teardown_file() {
	[ -z "${VMJAIL_TEST_KEEP:-}" ] || return 0
	if [ -f "$BATS_FILE_TMPDIR/work" ]; then
		W=$(cat "$BATS_FILE_TMPDIR/work")
		# Only through libvirt: it knows the pid it started.
		virsh -c "qemu:///embed?root=$W/root" destroy "$DOM" >/dev/null 2>&1 || true
		virsh -c "qemu:///embed?root=$W/root" undefine "$DOM" >/dev/null 2>&1 || true
		rm -rf "$W"
	fi
	if [ -f "$BATS_FILE_TMPDIR/tree" ]; then
		rm -rf "$(cat "$BATS_FILE_TMPDIR/tree")"
	fi
}

setup() {
	T=$(cat "$BATS_FILE_TMPDIR/tree")
	# The wrapper's own tests need no libvirt.
	[[ $BATS_TEST_DESCRIPTION != wrapper:* ]] || return 0
	[ ! -f "$BATS_FILE_TMPDIR/skip" ] || skip "$(cat "$BATS_FILE_TMPDIR/skip")"
	W=$(cat "$BATS_FILE_TMPDIR/work")
}

teardown() {
	[ -z "${WD:-}" ] || rm -rf "$WD"
}

# virsh on the embedded driver; libvirt's own log lines go to $W/virsh.err.
v() {
	virsh -q -c "qemu:///embed?root=$W/root" "$@" 2>>"$W/virsh.err"
}

qemu_pid() {
	cat "$W/root/run/qemu/$DOM.pid" 2>/dev/null
}

# ---- the wrapper, without libvirt ------------------------------------------------

# wrapper ARGS...: the wrapper as libvirt runs it (an unprivileged user:
# uid 65534 when the test runs as root), with /bin/sh as the "emulator"
# and the generic profile; ARGS are the emulator's. Output in $output,
# exit status in $status.
wrapper() {
	local as=()
	if [ "$(id -u)" -eq 0 ]; then
		as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	fi
	run timeout -k 5 60 "${as[@]}" env -i PATH=/usr/bin:/bin VMJAIL="$T/vmjail" VMJAIL_EMULATOR=/bin/sh \
		VMJAIL_PROFILE=generic VMJAIL_PROFILE_PATH="$T/profiles" VMJAIL_POLICY_PATH="$T/policy" \
		"$T/vmjail-qemu-wrapper" "$@"
}

# A directory for the wrapper's files (uid 65534 may read them).
wrapper_dir() {
	WD=$(mktemp -d /tmp/vmjail-wrapper.XXXXXX)
	chmod 0755 "$WD"
}

@test "wrapper: paths with ':', ',' and '\\' on QEMU's command line (keyval with ',,', JSON, plain) are bound" {
	wrapper_dir
	# an image in a directory named like a keyval option, a kernel, a
	# -blockdev JSON file in a directory with a JSON escape, a socket QEMU
	# would create in a directory of the caller's
	mkdir -p "$WD/img:1,x" "$WD/j\\s:o,n" "$WD/run:d,,r"
	echo disk >"$WD/img:1,x/disk.img"
	echo kernel >"$WD/k:e,rn"
	echo blockdev >"$WD/j\\s:o,n/b.img"
	chmod -R a+rX "$WD"
	[ "$(id -u)" -ne 0 ] || chown 65534:65534 "$WD/run:d,,r"
	# The script reads what -append lists (the wrapper never binds -append's
	# value); each path must be in the jail's root.
	local list="$WD/img:1,x/disk.img|$WD/k:e,rn|$WD/j\\s:o,n/b.img|$WD/run:d,,r"
	wrapper -c 'IFS="|"; for f in $2; do
		if [ -d "$f" ]; then : >"$f/made" && echo made; else cat "$f" || echo "no $f"; fi; done' sh \
		-append "$list" \
		-drive "file=$WD/img:1,,x/disk.img,format=raw,if=none" \
		-kernel "$WD/k:e,rn" \
		-blockdev "{\"driver\":\"file\",\"filename\":\"$WD/j\\\\s:o,n/b.img\",\"node-name\":\"b\"}" \
		-qmp "unix:$WD/run:d,,,,r/qmp.sock,server=on,wait=off"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'disk\nkernel\nblockdev\nmade')" ]
	# the socket's directory was bound writable: the file shows on the host
	[ -f "$WD/run:d,,r/made" ]
}

@test "wrapper: --keep-all-fds: an fd the caller left open reaches QEMU under its number, the same open file" {
	wrapper_dir
	printf 'first\nsecond\n' >"$WD/fdfile"
	chmod 0644 "$WD/fdfile"
	local host line
	host=$(stat -L -c '%d:%i' "$WD/fdfile")
	exec 7<"$WD/fdfile"
	read -r line <&7
	[ "$line" = first ]
	# fdfile is not on the command line, so not in the jail: only fd 7 is.
	wrapper -c 'stat -L -c "%d:%i" /proc/self/fd/7; cat <&7; test -e "$1" || echo "not bound"' sh "${WD#/}/fdfile"
	exec 7<&-
	echo "$output"
	[ "$status" -eq 0 ]
	# same inode (the kernel's), the offset after the host's read (the same
	# open file description), and the file itself outside the jail
	[ "$output" = "$(printf '%s\nsecond\nnot bound' "$host")" ]
}

@test "libvirt: the capability probe (-qmp ... -S -daemonize) runs through the wrapper: define succeeds" {
	run v define "$W/dom.xml"
	[ "$status" -eq 0 ] || { cat "$W/virsh.err"; false; }
	# libvirt cached what it probed, for the stub.
	run grep -l "<emulator>$W/emulators/qemu-system-x86_64</emulator>" "$W"/root/cache/qemu/capabilities/*.xml
	[ "$status" -eq 0 ]
	run grep -c '<flag name=' "$W"/root/cache/qemu/capabilities/*.xml
	[ "$output" -gt 100 ]
	# The probe's QEMU is gone.
	[ -z "$(ls "$W"/root/lib/qemu/ | grep '^qmp-' || true)" ]
}

@test "libvirt: start; the pid libvirt tracks is QEMU, in its own mount, net, ipc, uts, user, cgroup namespaces" {
	run v start "$DOM"
	[ "$status" -eq 0 ] || { cat "$W/virsh.err"; tail -5 "$W"/root/log/qemu/*.log; false; }
	pid=$(qemu_pid)
	[ -n "$pid" ]
	[ "$(readlink "/proc/$pid/exe")" = /usr/bin/qemu-system-x86_64 ]
	for ns in mnt net ipc uts user cgroup; do
		[ "$(readlink "/proc/$pid/ns/$ns")" != "$(readlink "/proc/self/ns/$ns")" ] || fail_ns=$ns
	done
	[ -z "${fail_ns:-}" ] || { echo "QEMU shares the $fail_ns namespace with the host"; false; }
	# --exec: no pid namespace, so libvirt's pid and QEMU's thread ids are the host's.
	[ "$(readlink "/proc/$pid/ns/pid")" = "$(readlink /proc/self/ns/pid)" ]
}

@test "libvirt: QEMU has NoNewPrivs 1, no capabilities, a seccomp filter, libvirt's user" {
	pid=$(qemu_pid)
	[ -n "$pid" ]
	grep -qx 'NoNewPrivs:	1' "/proc/$pid/status"
	grep -qx 'Seccomp:	2' "/proc/$pid/status"
	for c in CapInh CapPrm CapEff CapBnd CapAmb; do
		grep -qx "$c:	0000000000000000" "/proc/$pid/status" || { grep "$c" "/proc/$pid/status"; false; }
	done
	[ "$(stat -c %U "/proc/$pid")" = libvirt-qemu ]
	# vmjail's filter, then QEMU's own -sandbox on top (libvirt's default).
	grep -q '^Seccomp_filters:	2' "/proc/$pid/status"
	grep -q -- '-sandbox' "/proc/$pid/cmdline"
}

@test "libvirt: QEMU's root holds /usr, its devices and the paths on its command line, nothing else of the host" {
	pid=$(qemu_pid)
	[ -n "$pid" ]
	run awk '{print $5}' "/proc/$pid/mountinfo"
	echo "$output"
	[[ "$output" == *"$W/vmlinuz"* ]]
	[[ "$output" == *"$W/initramfs.gz"* ]]
	[[ "$output" == *"/master-key.aes"* ]]
	[[ "$output" != *"/home"* ]]
	[[ "$output" != *"$W/root/etc"* ]]
	[ ! -e "/proc/$pid/root/etc/shadow" ]
	[ ! -e "/proc/$pid/root$W/root/etc/qemu.conf" ]
	[ -e "/proc/$pid/root/usr/bin/qemu-system-x86_64" ]
}

@test "libvirt: domstate, qemu-monitor-command query-status, the guest runs" {
	run v domstate "$DOM"
	[ "$output" = running ]
	run v qemu-monitor-command "$DOM" '{"execute":"query-status"}'
	[ "$status" -eq 0 ]
	[[ "$output" == *'"status":"running"'* ]]
	# TCG boot of Debian's kernel: the busybox init prints its marker.
	for _ in $(seq 240); do
		grep -q 'VMJAIL-GUEST-MARKER libvirt' "$W/serial.log" 2>/dev/null && break
		sleep 0.5
	done
	grep -q 'VMJAIL-GUEST-MARKER libvirt' "$W/serial.log"
}

@test "libvirt: destroy ends QEMU; nothing is left behind" {
	pid=$(qemu_pid)
	[ -n "$pid" ]
	start=$(awk '{print $22}' "/proc/$pid/stat")
	# Each virsh reconnects to the running QEMU in a thread of its own;
	# destroy does not wait for it (and a reconnect that sees QEMU vanish
	# records "shut off (daemon)"), a monitor command does: one session.
	run v "qemu-monitor-command $DOM '{\"execute\":\"query-status\"}'; destroy $DOM"
	[ "$status" -eq 0 ] || { echo "$output"; tail -5 "$W/virsh.err"; v domstate --reason "$DOM"; tail -n 5 "$W"/root/log/qemu/*.log "$W/serial.log"; false; }
	run v domstate "$DOM"
	[ "$output" = "shut off" ]
	# That process (same pid and start time) is gone, and no process of
	# libvirt-qemu runs this domain.
	if [ -r "/proc/$pid/stat" ]; then
		[ "$(awk '{print $22}' "/proc/$pid/stat")" != "$start" ]
	fi
	! pgrep -u libvirt-qemu -f "guest=$DOM" >/dev/null
	[ ! -e "$W/root/run/qemu/$DOM.pid" ]
	run v undefine "$DOM"
	[ "$status" -eq 0 ]
	# No sockets, pid files or per-domain directories stay.
	run find "$W/root/lib/qemu" "$W/root/run/qemu" -mindepth 1 \( -type s -o -name "*$DOM*" -o -name 'domain-*' \)
	[ -z "$output" ] || { echo "$output"; false; }
}
