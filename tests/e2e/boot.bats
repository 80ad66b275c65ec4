#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# boot.bats - a real guest in a jailed QEMU (profile qemu-system-x86_64).
#
# Debian's kernel (linux-image-amd64) boots a busybox initramfs built here
# (tests/e2e/lib.sh); the guest prints a marker on its serial console and
# powers off. The jail must exit 0, QMP through vmjail's proxy must answer
# "running" while the guest boots, and nothing of the jail may be left.
# With KVM (when /dev/kvm is usable) QEMU must start and answer QMP, and
# quit through QMP. The jail's own view (its root, its network) is read
# from the host through /proc/PID of the running QEMU and from a second
# command run with the same profile and binds.
#
#   VMJAIL   the binary (meson sets it; default: build/vmjail)

bats_require_minimum_version 1.5.0

setup_file() {
	: "${VMJAIL:=$BATS_TEST_DIRNAME/../../build/vmjail}"
	export VMJAIL
	source "$BATS_TEST_DIRNAME/lib.sh"
	local why=
	[ "$(id -u)" = 0 ] || why="needs root (the jails run QEMU as their own users)"
	[ -z "$why" ] && { command -v qemu-system-x86_64 >/dev/null || why="qemu-system-x86_64 is not installed"; }
	[ -z "$why" ] && { [ -x /usr/bin/busybox ] || why="busybox-static is not installed"; }
	[ -z "$why" ] && { e2e_kernel >/dev/null || why="no /boot/vmlinuz-* (linux-image-amd64)"; }
	if [ -z "$why" ]; then
		e2e_build_initramfs "$BATS_FILE_TMPDIR" || why="could not build the initramfs"
		e2e_build_vmlinux "$BATS_FILE_TMPDIR" || why="could not unpack the kernel"
	fi
	echo "$why" >"$BATS_FILE_TMPDIR/skip"
}

setup() {
	source "$BATS_TEST_DIRNAME/lib.sh"
	local why
	why=$(cat "$BATS_FILE_TMPDIR/skip")
	[ -z "$why" ] || skip "$why"
	D=$BATS_TEST_TMPDIR
	ln "$BATS_FILE_TMPDIR/vmlinux" "$BATS_FILE_TMPDIR/initramfs.gz" "$D/" 2>/dev/null ||
		cp "$BATS_FILE_TMPDIR/vmlinux" "$BATS_FILE_TMPDIR/initramfs.gz" "$D/"
	E2E_QEMU_PID=
}

teardown() {
	e2e_kill_started "${E2E_QEMU_PID:-}"
}

kvm_usable() {
	[ -c /dev/kvm ] && { exec 7<>/dev/kvm; } 2>/dev/null && exec 7<&-
}

@test "TCG: the guest boots in the jail, prints its marker and powers off; QMP shows running; exit 0" {
	e2e_start_qemu "$D" tcg "vmjail.id=boot-tcg"
	local seen_running=0 i=0
	while ! grep -q "$E2E_MARKER_GUEST boot-tcg" "$D/serial.txt"; do
		if "$VMJAIL" qmp "$D/qemu.qmp" query-status 2>/dev/null | grep -q '"status": *"running"'; then
			seen_running=1
		fi
		[ -e "/proc/$E2E_QEMU_PID" ] || break
		[ $i -lt 1200 ] || break
		sleep 0.1
		i=$((i + 1))
	done
	status=0
	wait "$E2E_QEMU_PID" || status=$?
	E2E_QEMU_PID=
	cat "$D/serial.txt" "$D/qemu.err"
	[ "$status" -eq 0 ]
	grep -q "^$E2E_MARKER_GUEST boot-tcg" "$D/serial.txt"
	[ "$seen_running" = 1 ]
	[ "$(e2e_info_field "$D/qemu.info" exited status)" = 0 ]
	run e2e_leaks "$D/qemu.info"
	[ -z "$output" ] || { echo "$output"; false; }
}

@test "KVM: QEMU starts in the jail with /dev/kvm, answers QMP through the proxy, quits through QMP; exit 0" {
	kvm_usable || skip "/dev/kvm is not usable here"
	e2e_start_qemu "$D" kvm "vmjail.id=boot-kvm"
	local i=0
	until "$VMJAIL" qmp "$D/qemu.qmp" query-status 2>/dev/null | grep -q '"status": *"running"'; do
		[ $i -lt 100 ] || { cat "$D/qemu.err"; false; }
		sleep 0.1
		i=$((i + 1))
	done
	run "$VMJAIL" qmp "$D/qemu.qmp" query-kvm
	echo "$output"
	[[ "$output" == *'"enabled": true'* || "$output" == *'"enabled":true'* ]]
	[ -c "/proc/$(e2e_info_field "$D/qemu.info" started pid)/root/dev/kvm" ]
	"$VMJAIL" qmp "$D/qemu.qmp" quit
	status=0
	wait "$E2E_QEMU_PID" || status=$?
	E2E_QEMU_PID=
	cat "$D/qemu.err"
	[ "$status" -eq 0 ]
	run e2e_leaks "$D/qemu.info"
	[ -z "$output" ] || { echo "$output"; false; }
}

@test "the QEMU jail holds only its profile and binds: no host paths, no network but lo" {
	# The running jail, seen from the host through its pid's /proc entries.
	e2e_start_qemu "$D" tcg "vmjail.id=boot-view" -S
	local pid root
	pid=$(e2e_info_field "$D/qemu.info" started pid)
	root=/proc/$pid/root
	run ls -A "$root"
	echo "jail root: $output"
	[ "$(ls -A "$root" | sort | tr '\n' ' ')" = "bin boot dev etc lib lib64 proc sbin tmp usr " ]
	[ "$(ls -A "$root/boot" | sort | tr '\n' ' ')" = "initramfs.gz vmlinux " ]
	[ ! -e "$root$D" ] && [ ! -e "$root/root" ] && [ ! -e "$root/home" ] && [ ! -e "$root/sys" ] && [ ! -e "$root/run" ]
	[ ! -e "$root/etc/shadow" ] && [ ! -e "$root/etc/hostname" ]
	# Devices: the usual ones and kvm (optional), no tun, vhost-net, vhost-vsock.
	[ ! -e "$root/dev/net/tun" ] && [ ! -e "$root/dev/vhost-net" ] && [ ! -e "$root/dev/vhost-vsock" ]
	# Network: the jail's own namespace, with lo only.
	[ "$(readlink "/proc/$pid/ns/net")" != "$(readlink /proc/self/ns/net)" ]
	[ "$(tail -n +3 "/proc/$pid/net/dev" | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')" = "lo " ]
	"$VMJAIL" qmp "$D/qemu.qmp" quit
	status=0
	wait "$E2E_QEMU_PID" || status=$?
	E2E_QEMU_PID=
	[ "$status" -eq 0 ]

	# A second command run the same way lists what it sees.
	run "$VMJAIL" run --profile qemu-system-x86_64 \
		--ro-bind "$D/vmlinux:/boot/vmlinux" --ro-bind "$D/initramfs.gz:/boot/initramfs.gz" -- \
		/bin/sh -c 'ls -A /; echo "net: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\n" " ")"; id -u; test -e '"$D"' && echo "host path visible"; true'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"net: lo "* ]]
	[[ "$output" != *"host path visible"* ]]
	[[ "$output" == *"65534"* ]]
}

@test "devices beyond kvm only as asked: --dev-bind /dev/net/tun gives the QEMU jail a usable TAP device node" {
	[ -c /dev/net/tun ] || skip "the host has no /dev/net/tun"
	run "$VMJAIL" run --profile qemu-system-x86_64 -- /bin/sh -c 'test -e /dev/net/tun && echo present; true'
	[ "$status" -eq 0 ]
	[[ "$output" != *present* ]]
	run "$VMJAIL" run --profile qemu-system-x86_64 --dev-bind /dev/net/tun -- \
		/bin/sh -c 'exec 3<>/dev/net/tun && echo opened'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *opened* ]]
}
