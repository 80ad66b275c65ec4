#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vhost-user-blk.bats - a guest in a jailed QEMU whose disk is served by a
# separately jailed qemu-storage-daemon (profiles qemu-system-x86_64 and
# qemu-storage-daemon).
#
# The test creates a listening unix socket and passes it to the storage
# daemon's jail as fd 3 (--keep-fd 3; the daemon's export uses
# addr.type=fd,addr.str=3), so the daemon's jail holds no path of it; the
# QEMU jail gets the socket's path bound at /run/vhost-user/disk.sock. The
# guest (TCG) writes a marker to /dev/vda and powers off; the marker must be
# in the image on the host. Each jail's view is read from the host through
# /proc/PID of its program and from a second command run the same way. A
# SIGKILL to the daemon while the guest runs must show in QEMU as a
# vhost-user disconnect, read through the QMP proxy, with both jails gone
# without a trace afterwards.
#
#   VMJAIL   the binary (meson sets it; default: build/vmjail)

bats_require_minimum_version 1.5.0

setup_file() {
	: "${VMJAIL:=$BATS_TEST_DIRNAME/../../build/vmjail}"
	export VMJAIL
	source "$BATS_TEST_DIRNAME/lib.sh"
	local why=
	[ "$(id -u)" = 0 ] || why="needs root (the jails run as their own users)"
	[ -z "$why" ] && { command -v qemu-system-x86_64 >/dev/null || why="qemu-system-x86_64 is not installed"; }
	[ -z "$why" ] && { command -v qemu-storage-daemon >/dev/null || why="qemu-storage-daemon is not installed"; }
	[ -z "$why" ] && { command -v qemu-img >/dev/null || why="qemu-img is not installed"; }
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
	qemu-img create -q -f raw "$D/disk.img" 64M
	E2E_QEMU_PID= E2E_QSD_PID= EVENTS_PID=
	E2E_QEMU_BINDS=(--bind "$D/vu.sock:/run/vhost-user/disk.sock")
}

teardown() {
	[ -n "${EVENTS_PID:-}" ] && kill "$EVENTS_PID" 2>/dev/null
	e2e_kill_started "${E2E_QEMU_PID:-}" "${E2E_QSD_PID:-}"
	rm -f "$D/vu.sock"
}

# wait_job PID: wait for a background job; its status in ST.
wait_job() {
	ST=0
	wait "$1" || ST=$?
}

@test "a jailed QEMU boots with its disk served by a jailed qemu-storage-daemon; the guest's marker reaches the image" {
	e2e_start_qsd "$D" "$D/disk.img"
	run "$VMJAIL" qmp "$D/qsd.qmp" query-block-exports
	echo "$output"
	[[ "$output" == *'"type":"vhost-user-blk"'* || "$output" == *'"type": "vhost-user-blk"'* ]]
	e2e_start_qemu "$D" tcg "vmjail.id=vub vmjail.disk" "${E2E_VHOST_USER_ARGS[@]}"
	wait_job "$E2E_QEMU_PID"
	E2E_QEMU_PID=
	cat "$D/serial.txt" "$D/qemu.err"
	[ "$ST" = 0 ]
	grep -q "marker written to /dev/vda" "$D/serial.txt"
	grep -q "^$E2E_MARKER_GUEST vub" "$D/serial.txt"
	# The marker is in the image, on the host.
	[ "$(head -c 64 "$D/disk.img" | tr -d '\0' | head -n 1)" = "$E2E_MARKER_DISK vub" ]
	# The storage daemon quits through its proxied monitor.
	"$VMJAIL" qmp "$D/qsd.qmp" quit
	wait_job "$E2E_QSD_PID"
	E2E_QSD_PID=
	cat "$D/qsd.log"
	[ "$ST" = 0 ]
	run e2e_leaks "$D/qemu.info"
	[ -z "$output" ] || { echo "$output"; false; }
	run e2e_leaks "$D/qsd.info"
	[ -z "$output" ] || { echo "$output"; false; }
}

@test "each jail sees only its own files: not the other jail's, not the host's; no network but lo" {
	e2e_start_qsd "$D" "$D/disk.img"
	e2e_start_qemu "$D" tcg "vmjail.id=vub-view vmjail.disk vmjail.hold" "${E2E_VHOST_USER_ARGS[@]}"
	e2e_wait_serial "$D" "$E2E_MARKER_GUEST vub-view" 120 || { cat "$D/serial.txt" "$D/qemu.err"; false; }
	local qemu qsd
	qemu=$(e2e_info_field "$D/qemu.info" started pid)
	qsd=$(e2e_info_field "$D/qsd.info" started pid)
	echo "QEMU's jail: $(ls -A /proc/$qemu/root | tr '\n' ' ')"
	echo "storage daemon's jail: $(ls -A /proc/$qsd/root | tr '\n' ' ')"
	# QEMU: its kernel, initramfs and the disk socket; no image, no host path.
	[ -S "/proc/$qemu/root/run/vhost-user/disk.sock" ]
	[ -e "/proc/$qemu/root/boot/vmlinux" ]
	[ ! -e "/proc/$qemu/root/images" ] && [ ! -e "/proc/$qemu/root$D" ]
	[ "$(ls -A "/proc/$qemu/root/run/vhost-user")" = disk.sock ]
	# The storage daemon: its image; no kernel, no socket path (it holds the
	# listening socket as fd 3), no host path.
	[ -f "/proc/$qsd/root/images/disk.img" ]
	[ "$(ls -A "/proc/$qsd/root/images")" = disk.img ]
	[ ! -e "/proc/$qsd/root/boot" ] && [ ! -e "/proc/$qsd/root/run" ] && [ ! -e "/proc/$qsd/root$D" ]
	[[ "$(readlink "/proc/$qsd/fd/3")" == socket:* ]]
	# Neither has a device beyond its profile's.
	[ ! -e "/proc/$qsd/root/dev/kvm" ]
	# Separate namespaces, separate users; network lo only in both.
	local ns
	for ns in mnt pid net ipc uts; do
		[ "$(readlink "/proc/$qemu/ns/$ns")" != "$(readlink "/proc/$qsd/ns/$ns")" ]
		[ "$(readlink "/proc/$qemu/ns/$ns")" != "$(readlink "/proc/self/ns/$ns")" ]
	done
	[ "$(tail -n +3 "/proc/$qemu/net/dev" | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')" = "lo " ]
	[ "$(tail -n +3 "/proc/$qsd/net/dev" | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')" = "lo " ]
	[ "$(stat -c %u "/proc/$qemu")" = "$E2E_QEMU_UID" ]
	[ "$(stat -c %u "/proc/$qsd")" = "$E2E_QSD_UID" ]
	# Each jail's processes: its init and its program only.
	[ "$(ls /proc/$qemu/root/proc | grep -cE '^[0-9]+$')" -le 3 ]

	# Second commands run the same way list what they see.
	run "$VMJAIL" run --profile qemu-storage-daemon --uid "$E2E_QSD_UID" --gid "$E2E_QSD_UID" \
		--bind "$D/disk.img:/images/disk.img" -- \
		/bin/sh -c 'ls -A /; ls -A /images; echo "net: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\n" " ")"; test -e /boot && echo "kernel visible"; test -e '"$D"' && echo "host path visible"; true'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"net: lo "* ]]
	[[ "$output" != *visible* ]]
	run "$VMJAIL" run --profile qemu-system-x86_64 --bind "$D/vu.sock:/run/vhost-user/disk.sock" -- \
		/bin/sh -c 'ls -A /; ls -A /run/vhost-user; echo "net: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\n" " ")"; test -e /images && echo "image visible"; test -e '"$D"' && echo "host path visible"; true'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"net: lo "* ]]
	[[ "$output" != *visible* ]]

	"$VMJAIL" qmp "$D/qemu.qmp" quit
	wait_job "$E2E_QEMU_PID"
	[ "$ST" = 0 ]
	E2E_QEMU_PID=
	"$VMJAIL" qmp "$D/qsd.qmp" quit
	wait_job "$E2E_QSD_PID"
	[ "$ST" = 0 ]
	E2E_QSD_PID=
}

@test "SIGKILL to the storage daemon: QEMU sees the vhost-user disconnect (QMP through the proxy); nothing leaks" {
	e2e_start_qsd "$D" "$D/disk.img"
	e2e_start_qemu "$D" tcg "vmjail.id=vub-crash vmjail.disk vmjail.hold" "${E2E_VHOST_USER_ARGS[@]}"
	# A proxy client collecting events for the whole run.
	e2e_wait_for "$D/qemu.info" 20
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"{\"execute\": \"qmp_capabilities\"}\n")
with open(sys.argv[2], "wb", buffering=0) as out:
    while True:
        b = s.recv(65536)
        if not b:
            break
        out.write(b)
' "$D/qemu.qmp" "$D/events.txt" </dev/null 2>&1 3>&- &
	EVENTS_PID=$!
	e2e_wait_serial "$D" "$E2E_MARKER_GUEST vub-crash" 120 || { cat "$D/serial.txt" "$D/qemu.err"; false; }
	run "$VMJAIL" qmp "$D/qemu.qmp" query-chardev
	echo "before: $output"
	[[ "$output" == *'"filename":"unix:","label":"vu0"'* || "$output" == *'"filename": "unix:"'* ]]

	local qsd
	qsd=$(e2e_info_field "$D/qsd.info" started pid)
	grep -qaF qemu-storage-daemon "/proc/$qsd/cmdline"
	kill -KILL "$qsd"
	wait_job "$E2E_QSD_PID"
	[ "$ST" = 137 ]
	E2E_QSD_PID=
	[ "$(e2e_info_field "$D/qsd.info" exited signal-name)" = KILL ]

	# QEMU stays up and reports the backend gone: the chardev of the disk is
	# disconnected (QEMU 7.2 has no QMP event for it; its stderr says why).
	local i=0
	until "$VMJAIL" qmp "$D/qemu.qmp" query-chardev | grep -q '"disconnected:unix:/run/vhost-user/disk.sock"'; do
		[ $i -lt 100 ] || { "$VMJAIL" qmp "$D/qemu.qmp" query-chardev; cat "$D/qemu.err"; false; }
		sleep 0.1
		i=$((i + 1))
	done
	cat "$D/qemu.err"
	grep -qiE "vhost|end-of-file|disconnect" "$D/qemu.err"
	run "$VMJAIL" qmp "$D/qemu.qmp" query-status
	[[ "$output" == *running* ]]

	# Events reach the proxy's clients: the collector sees QEMU's SHUTDOWN.
	"$VMJAIL" qmp "$D/qemu.qmp" quit
	wait_job "$E2E_QEMU_PID"
	[ "$ST" = 0 ]
	E2E_QEMU_PID=
	i=0
	until grep -q '"event": *"SHUTDOWN"' "$D/events.txt"; do
		[ $i -lt 50 ] || { cat "$D/events.txt"; false; }
		sleep 0.1
		i=$((i + 1))
	done
	cat "$D/events.txt"
	grep -q '"QMP"' "$D/events.txt"

	# Nothing of either jail is left: processes, pid namespaces, mounts,
	# cgroups, QMP sockets.
	run e2e_leaks "$D/qemu.info"
	[ -z "$output" ] || { echo "$output"; false; }
	run e2e_leaks "$D/qsd.info"
	[ -z "$output" ] || { echo "$output"; false; }
}
