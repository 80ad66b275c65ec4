#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# backends.bats - the vhost-user backend profiles: passt (installed on
# Debian 12: run for real, a guest in a jailed QEMU gets a DHCP lease from
# it over its socket), virtiofsd
# (not packaged in Debian 12: its profile is resolved and checked; it runs
# only when the Rust virtiofsd is found), and the generic
# vhost-user-backend base extended in a few lines.
#
#   VMJAIL   the binary (meson sets it; default: build/vmjail)

bats_require_minimum_version 1.5.0

setup() {
	: "${VMJAIL:=$BATS_TEST_DIRNAME/../../build/vmjail}"
	source "$BATS_TEST_DIRNAME/lib.sh"
	[ "$(id -u)" = 0 ] || skip "needs root (the jails run as their own users)"
	D=$BATS_TEST_TMPDIR
	PASST_PID= QEMU_PID=
}

teardown() {
	e2e_kill_started "${QEMU_PID:-}" "${PASST_PID:-}"
}

wait_job() {
	ST=0
	wait "$1" || ST=$?
}

@test "passt runs in its jail, sandboxes itself inside it, and gives a guest in a jailed QEMU its network" {
	command -v passt >/dev/null || skip "passt is not installed"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
	[ -x /usr/bin/busybox ] || skip "busybox-static is not installed"
	e2e_kernel >/dev/null || skip "no /boot/vmlinuz-* (linux-image-amd64)"
	e2e_build_initramfs "$D"
	e2e_build_vmlinux "$D"
	mkdir -m 0777 "$D/net"
	: >"$D/passt.info"
	"$VMJAIL" run --profile passt --info-fd 9 --bind "$D/net:/run/vhost-user" -- \
		passt -f -e -d -s /run/vhost-user/passt.sock \
		9>>"$D/passt.info" </dev/null >"$D/passt.log" 2>&1 3>&- &
	PASST_PID=$!
	local i=0
	until [ -S "$D/net/passt.sock" ]; do
		[ $i -lt 100 ] || { cat "$D/passt.log"; false; }
		sleep 0.1
		i=$((i + 1))
	done
	local pid init
	pid=$(e2e_info_field "$D/passt.info" started pid)
	init=$(e2e_info_field "$D/passt.info" started init-pid)
	# vmjail's layers: no capabilities in the host's user namespace, no new
	# privileges, its user; passt added its own namespaces and filter.
	grep -E '^(Uid|NoNewPrivs|Seccomp|Seccomp_filters|CapEff):' "/proc/$pid/status"
	grep -qE '^NoNewPrivs:\s+1' "/proc/$pid/status"
	grep -qE '^Uid:\s+65534\s' "/proc/$pid/status"
	grep -qE '^Seccomp_filters:\s+2' "/proc/$pid/status"
	[ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ]
	[ "$(readlink "/proc/$pid/ns/mnt")" != "$(readlink "/proc/$init/ns/mnt")" ]
	[ "$(readlink "/proc/$pid/ns/net")" = "$(readlink /proc/self/ns/net)" ]
	# passt's own root is an empty tmpfs inside vmjail's.
	[ -z "$(ls -A "/proc/$pid/root")" ]

	# A jailed QEMU (network: lo only) reaches passt through the socket; its
	# guest gets a DHCP lease from passt.
	: >"$D/qemu.info"
	"$VMJAIL" run --profile qemu-system-x86_64 --qmp "$D/qemu.qmp" --info-fd 9 \
		--ro-bind "$D/vmlinux:/boot/vmlinux" --ro-bind "$D/initramfs.gz:/boot/initramfs.gz" \
		--bind "$D/net/passt.sock:/run/vhost-user/passt.sock" -- \
		qemu-system-x86_64 -machine q35 -accel tcg -m 256 -display none -nodefaults -no-reboot \
		-serial stdio -kernel /boot/vmlinux -initrd /boot/initramfs.gz \
		-append "console=ttyS0 quiet panic=-1 vmjail.id=net vmjail.net" \
		-netdev stream,id=n0,server=off,addr.type=unix,addr.path=/run/vhost-user/passt.sock \
		-device virtio-net-pci,netdev=n0 \
		9>>"$D/qemu.info" </dev/null >"$D/serial.txt" 2>"$D/qemu.err" 3>&- &
	QEMU_PID=$!
	e2e_wait_for "$D/qemu.info" 20
	local qpid
	qpid=$(e2e_info_field "$D/qemu.info" started pid)
	[ "$(tail -n +3 "/proc/$qpid/net/dev" | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')" = "lo " ]
	wait_job "$QEMU_PID"
	QEMU_PID=
	cat "$D/serial.txt" "$D/qemu.err"
	[ "$ST" = 0 ]
	grep -q "^VMJAIL-NET-LEASE " "$D/serial.txt"
	grep -q "^$E2E_MARKER_GUEST net" "$D/serial.txt"
	kill -TERM "$PASST_PID"
	wait_job "$PASST_PID"
	PASST_PID=
	# passt ends on SIGTERM; the status passes through.
	[ "$ST" = 143 ] || [ "$ST" = 0 ]
	run e2e_leaks "$D/passt.info"
	[ -z "$output" ] || { echo "$output"; false; }
	run e2e_leaks "$D/qemu.info"
	[ -z "$output" ] || { echo "$output"; false; }
}

@test "virtiofsd: the profile resolves to its policy and layers; runs when virtiofsd is installed" {
	run "$VMJAIL" check --profile virtiofsd --bind "$D:/shared" -- /usr/libexec/virtiofsd --fd=3 --shared-dir=/shared --sandbox=none
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	python3 - "$output" <<'EOF'
import json, sys
p = json.loads(sys.argv[1])
assert p["seccomp"]["policy"] == "virtiofsd", p["seccomp"]
assert p["seccomp"]["rules"] > 0
assert p["network"] == "none" and p["capabilities"] == []
targets = [m["target"] for m in p["mounts"]]
assert "/shared" in targets and "/run/vhost-user" in targets, targets
EOF
	# The Rust virtiofsd (--sandbox=none). Debian 12 ships only QEMU 7.2's C
	# virtiofsd (/usr/lib/qemu/virtiofsd), whose two sandboxes need
	# CAP_SYS_ADMIN (namespace) or CAP_SYS_CHROOT (chroot): see
	# doc/backends.md.
	local v
	v=$(command -v virtiofsd || ls /usr/libexec/virtiofsd 2>/dev/null) ||
		skip "the Rust virtiofsd is not installed (not packaged in Debian 12): profile checked only"
	mkdir -m 0777 "$D/shared"
	: >"$D/vfs.info"
	e2e_listen_unix "$D/vfs.sock" 3 65534 -- "$VMJAIL" run --profile virtiofsd --info-fd 9 --keep-fd 3 \
		--bind "$D/shared:/shared" -- "$v" --fd=3 --shared-dir=/shared --sandbox=none \
		9>>"$D/vfs.info" </dev/null >"$D/vfs.log" 2>&1 3>&- &
	PASST_PID=$!
	sleep 2
	cat "$D/vfs.log"
	[ -e "/proc/$(e2e_info_field "$D/vfs.info" started pid)" ]
}

@test "a new backend profile extends vhost-user-backend in a few lines" {
	cat >"$D/my-backend.json" <<'EOF'
{
  "description": "an example vhost-user backend",
  "extends": "vhost-user-backend",
  "seccomp": { "policy": "generic" }
}
EOF
	run "$VMJAIL" run --profile "$D/my-backend.json" --bind "$D:/run/vhost-user" -- \
		/bin/sh -c 'ls -A /; ls -d /run/vhost-user; grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status; echo "net: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\n" " ")"; ulimit -c'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"net: lo "* ]]
	[[ "$output" =~ CapEff:[[:space:]]+0000000000000000 ]]
	[[ "$output" =~ Seccomp:[[:space:]]+2 ]]
	[[ "$output" == *"/run/vhost-user"* ]]
	[ "${lines[-1]}" = 0 ]
}
