#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-in-vm.sh - run one command inside a throwaway VM booting the host's
# Debian kernel, and return its output and exit status.
#
#   tests/vm/run-in-vm.sh [OPTIONS] -- COMMAND [ARG...]
#
# Options:
#   --cmdline ARGS   append ARGS to the kernel command line (repeatable),
#                    e.g. --cmdline "apparmor=1 security=apparmor"
#   --cgroup-v2      boot with a pure cgroup v2 hierarchy (cgroup_no_v1=all):
#                    no v1 controller can be mounted; /sys/fs/cgroup is
#                    cgroup2 with every controller
#   --share DIR      make host DIR visible read-only at the same path
#                    (repeatable; /usr and /etc always are)
#   --env K=V        set K in the command's environment (repeatable;
#                    VMJAIL* variables of the caller are passed on anyway)
#   --timeout SEC    give up after SEC seconds (default 120): status 124
#   --mem MB         guest memory (default 1024)
#   --tap            the command prints TAP: when the VM cannot run here,
#                    print "1..0 # SKIP reason" and exit 0 instead of 77
#   --init-exec      after its setup, the init execs COMMAND as the VM's
#                    PID 1 (e.g. /lib/systemd/systemd, or a script that
#                    prepares units and execs it) instead of running it as
#                    a child; COMMAND's side reports (see below)
#
# Environment: VMJAIL_VM_KERNEL (default: the newest /boot/vmlinuz-*),
# VMJAIL_VM_ACCEL (tcg by default; kvm to try KVM), VMJAIL_VM_QEMU
# (qemu-system-x86_64), VMJAIL_VM_CACHE (where the base initramfs is kept),
# VMJAIL_VM_VERBOSE=1 (print the whole console log).
#
# How it works: a base initramfs (busybox-static, the kernel's virtio, 9p
# and rng modules with their dependencies from modules.dep, and an init)
# is built once per kernel and cached; a second, tiny cpio with the
# command, its environment, the working directory and the shares is
# appended per run (the kernel unpacks concatenated archives). QEMU shares
# the host's /usr, /etc and each --share read-only over 9p (virtio); the
# init mounts them at the same paths, with /bin, /lib... linking into /usr
# as on the host, so host binaries (vmjail from the build tree, python3,
# apparmor_parser, secilc) run unchanged. It mounts proc, sys, devtmpfs,
# securityfs, selinuxfs when SELinux is on, cgroup2, a tmpfs /tmp and
# /run, runs the command as root with output on the serial console
# between markers, prints its exit status, and powers off.
#
# With --init-exec the init cannot wait for COMMAND, so the report comes
# from inside: something COMMAND starts (for systemd, a unit) runs
#
#   /bb/vm-report PROGRAM [ARG...]
#
# which runs PROGRAM as the init would have run COMMAND (as root, with the
# run's environment from /env and working directory from /cwd, stdin
# /dev/null), writes "@@VMJAIL-VM-BEGIN@@", PROGRAM's output, and
# "@@VMJAIL-VM-STATUS=N@@" to the VM's second serial port /dev/ttyS1
# ($VMJAIL_VM_REPORT), which carries nothing else, and then powers the VM
# off (`systemctl poweroff --force` when PID 1 is systemd, else
# `poweroff -f`). The markers and the status line are the default mode's,
# read from that port instead of the console; whatever PID 1 and the kernel
# print stays on the console (ttyS0), shown when no status came back and
# with VMJAIL_VM_VERBOSE=1. A VM that powers off (or panics: PID 1 died)
# without a report is status 99, as in the default mode.
#
# Exit status: the command's; 124 timeout; 77 when this host cannot run
# the VM (no QEMU, no readable kernel), after "SKIP: reason" on stderr;
# 99 when the VM did not report a status (see the console log).
set -euo pipefail

die() { echo "run-in-vm: $*" >&2; exit 99; }
tap=0
skip() {
	if [ "$tap" = 1 ]; then echo "1..0 # SKIP $*"; exit 0; fi
	echo "SKIP: $*" >&2
	exit 77
}

cmdline_extra=()
shares=()
envs=()
timeout=120
mem=1024
init_exec=0
while [ $# -gt 0 ]; do
	case "$1" in
	--cmdline) cmdline_extra+=("$2"); shift 2 ;;
	--cgroup-v2) cmdline_extra+=("cgroup_no_v1=all"); shift ;;
	--share) shares+=("$(realpath "$2")"); shift 2 ;;
	--env) envs+=("$2"); shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--tap) tap=1; shift ;;
	--init-exec) init_exec=1; shift ;;
	--) shift; break ;;
	*) die "unknown option $1 (see the header of $0)" ;;
	esac
done
[ $# -gt 0 ] || die "no command given (run-in-vm.sh [OPTIONS] -- COMMAND...)"

qemu=${VMJAIL_VM_QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null || skip "no $qemu (Debian: qemu-system-x86)"
command -v cpio >/dev/null || skip "no cpio"
busybox=
for b in /bin/busybox /usr/bin/busybox; do
	# static: ldd has nothing to list
	if [ -x "$b" ] && ! ldd "$b" >/dev/null 2>&1; then busybox=$b; break; fi
done
[ -n "$busybox" ] || skip "no static busybox (Debian: busybox-static)"

kernel=${VMJAIL_VM_KERNEL:-}
if [ -z "$kernel" ]; then
	kernel=$(ls -1v /boot/vmlinuz-* 2>/dev/null | tail -n 1 || true)
fi
[ -n "$kernel" ] && [ -f "$kernel" ] || skip "no kernel in /boot (Debian: linux-image-amd64) and no VMJAIL_VM_KERNEL"
[ -r "$kernel" ] || skip "$kernel is not readable by uid $(id -u)"
kver=${kernel##*/vmlinuz-}
moddir=/lib/modules/$kver
[ -f "$moddir/modules.dep" ] || skip "no $moddir/modules.dep for $kernel"

accel=${VMJAIL_VM_ACCEL:-tcg}
if [ "$accel" = kvm ] && [ ! -w /dev/kvm ]; then
	echo "run-in-vm: /dev/kvm not usable; using TCG" >&2
	accel=tcg
fi

cache=${VMJAIL_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/vmjail-vm}
mkdir -p "$cache"
self_sum=$(cksum <"$0" | cut -d' ' -f1)
base=$cache/base-$kver-$self_sum.cpio

# ---- the kernel, decompressed (cached) ----------------------------------------
# An x86 bzImage decompresses itself; under TCG that takes seconds. Its
# vmlinux (an ELF with a PVH entry note, CONFIG_PVH) boots directly.
boot_kernel=$kernel
vmlinux=$cache/vmlinux-$kver
if [ "${VMJAIL_VM_PVH:-1}" = 1 ] && command -v python3 >/dev/null; then
	if [ ! -s "$vmlinux" ]; then
		python3 - "$kernel" "$vmlinux.tmp" <<'PY' && mv "$vmlinux.tmp" "$vmlinux" || rm -f "$vmlinux.tmp"
import lzma, sys, gzip, zlib
d = open(sys.argv[1], 'rb').read()
out = None
off = d.find(b'\xfd7zXZ\x00')
if off >= 0:
    out = lzma.LZMADecompressor().decompress(d[off:])
else:
    off = d.find(b'\x1f\x8b\x08\x00')
    if off >= 0:
        out = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(d[off:])
if not out or out[:4] != b'\x7fELF' or b'Xen' not in out[:1 << 24] and b'Xen' not in out:
    sys.exit(1)
open(sys.argv[2], 'wb').write(out)
PY
	fi
	[ -s "$vmlinux" ] && boot_kernel=$vmlinux
fi

# ---- the base initramfs (cached) --------------------------------------------

# Modules with their dependencies, dependencies first; builtins skipped.
declare -A seen_mod=()
mods=()
add_mod() {
	local name=$1 line path dep
	local alt=${name//-/_} alt2=${name//_/-}
	if grep -qE "/($name|$alt|$alt2)\.ko(\.[a-z]+)?$" "$moddir/modules.builtin"; then return 0; fi
	line=$(grep -E "/($name|$alt|$alt2)\.ko(\.[a-z]+)?:" "$moddir/modules.dep" | head -n 1 || true)
	[ -n "$line" ] || { echo "run-in-vm: module $name not found for $kver; continuing" >&2; return 0; }
	path=${line%%:*}
	[ -z "${seen_mod[$path]:-}" ] || return 0
	seen_mod[$path]=1
	for dep in ${line#*:}; do
		dep=${dep##*/}
		add_mod "${dep%%.ko*}"
	done
	mods+=("$path")
}

build_base() {
	local tmp
	tmp=$(mktemp -d "$cache/base.XXXXXX")
	mkdir -p "$tmp"/{bb,proc,sys,dev,tmp,run,usr,etc,mnt,root,var/tmp,modules}
	cp "$busybox" "$tmp/bb/busybox"
	ln -s busybox "$tmp/bb/sh"
	for l in bin sbin lib lib64 lib32 libx32; do
		[ -e "/$l" ] && ln -s "usr/$l" "$tmp/$l"
	done
	for m in virtio virtio_ring virtio_pci netfs fscache 9pnet 9pnet_virtio 9p virtio-rng; do
		add_mod "$m"
	done
	: >"$tmp/modules/order"
	for p in "${mods[@]}"; do
		local f
		f=$(basename "$p")
		case "$f" in
		*.xz) xz -dc "$moddir/$p" >"$tmp/modules/${f%.xz}"; f=${f%.xz} ;;
		*.zst) zstd -qdc "$moddir/$p" >"$tmp/modules/${f%.zst}"; f=${f%.zst} ;;
		*.gz) gzip -dc "$moddir/$p" >"$tmp/modules/${f%.gz}"; f=${f%.gz} ;;
		*) cp "$moddir/$p" "$tmp/modules/$f" ;;
		esac
		echo "$f" >>"$tmp/modules/order"
	done
	cat >"$tmp/init" <<'INIT'
#!/bb/sh
export PATH=/bb
# pivot_root (which every jail does) cannot leave the initramfs (rootfs):
# move everything onto a tmpfs first and make that the root.
if [ ! -e /.vm-root ]; then
	/bb/busybox mount -t tmpfs -o mode=0755 vmroot /mnt
	for f in /* /.[!.]*; do
		case "$f" in /mnt|/proc|/sys|/dev) /bb/busybox mkdir -p "/mnt$f" ;; "/.[!.]*") ;; *) /bb/busybox cp -a "$f" /mnt/ ;; esac
	done
	/bb/busybox mkdir -p /mnt/mnt
	/bb/busybox touch /mnt/.vm-root
	exec /bb/busybox switch_root /mnt /init
fi
/bb/busybox mount -t proc proc /proc
/bb/busybox mount -t sysfs sys /sys
/bb/busybox mount -t devtmpfs dev /dev
exec 0</dev/console 1>/dev/console 2>&1
for m in $(cat /modules/order); do
	/bb/busybox insmod /modules/$m 2>/dev/null || echo "init: insmod $m failed"
done
/bb/busybox mkdir -p /dev/pts /dev/shm
/bb/busybox mount -t devpts devpts /dev/pts
/bb/busybox mount -t tmpfs -o mode=1777 tmpfs /dev/shm
/bb/busybox mount -t securityfs none /sys/kernel/security 2>/dev/null
if /bb/busybox grep -q selinuxfs /proc/filesystems; then
	/bb/busybox mount -t selinuxfs none /sys/fs/selinux 2>/dev/null
fi
/bb/busybox mount -t cgroup2 none /sys/fs/cgroup
/bb/busybox mount -t tmpfs -o mode=1777 tmpfs /tmp
/bb/busybox mount -t tmpfs -o mode=0755 tmpfs /run
# shares after /tmp and /run: a share may live below them
while read -r tag path; do
	/bb/busybox mkdir -p "$path"
	/bb/busybox mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=loose,ro "$tag" "$path" ||
		echo "init: mount $tag on $path failed"
done </shares
/bb/busybox ln -sf /proc/self/fd /dev/fd 2>/dev/null
/bb/busybox hostname vmjail-vm
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/bb HOME=/root TERM=dumb LANG=C.UTF-8
set -a
. /env
set +a
cd "$(cat /cwd)" 2>/dev/null || cd /
if [ -e /init-exec ]; then
	# COMMAND becomes PID 1; /bb/vm-report reports for it (see the header).
	echo "@@VMJAIL-VM-EXEC@@"
	exec /bb/sh /cmd
fi
echo "@@VMJAIL-VM-BEGIN@@"
/bb/sh /cmd
status=$?
echo "@@VMJAIL-VM-STATUS=$status@@"
/bb/busybox sync
/bb/busybox poweroff -f
INIT
	chmod 755 "$tmp/init"
	cat >"$tmp/bb/vm-report" <<'REPORT'
#!/bb/sh
# vm-report PROGRAM [ARG...]: the report of a run-in-vm.sh --init-exec run
# (see run-in-vm.sh's header), then power off.
[ $# -gt 0 ] || { echo "vm-report: no PROGRAM" >&2; exit 2; }
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/bb HOME=/root TERM=dumb LANG=C.UTF-8
set -a
. /env
set +a
cd "$(cat /cwd)" 2>/dev/null || cd /
port=${VMJAIL_VM_REPORT:-/dev/ttyS1}
# O_NOCTTY is not at hand here: the port may become this session's
# controlling tty, harmless for output only.
exec 3>"$port" || exit 99
echo "@@VMJAIL-VM-BEGIN@@" >&3
"$@" </dev/null >&3 2>&3
status=$?
echo "@@VMJAIL-VM-STATUS=$status@@" >&3
# Closing the port waits for the UART to send what it holds.
exec 3>&-
/bb/busybox sync
if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && systemctl poweroff --force >/dev/null 2>&1; then
	sleep 60
fi
exec /bb/busybox poweroff -f
REPORT
	chmod 755 "$tmp/bb/vm-report"
	(cd "$tmp" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$tmp.cpio"
	mv "$tmp.cpio" "$base"
	rm -rf "$tmp"
}
[ -f "$base" ] || build_base

# ---- this run -------------------------------------------------------------------

work=$(mktemp -d "${TMPDIR:-/tmp}/vmjail-vm.XXXXXX")
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/run"
{
	printf 'exec'
	printf ' %q' "$@"
	printf '\n'
} >"$work/run/cmd"
{
	for e in "${envs[@]}"; do printf '%q\n' "$e"; done
	while IFS='=' read -r -d '' k v; do
		case "$k" in VMJAIL*) ;; *) continue ;; esac
		case "$k" in VMJAIL_VM_*) continue ;; esac
		printf '%s=%q\n' "$k" "$v"
	done < <(env -0)
	[ "$init_exec" = 0 ] || echo "VMJAIL_VM_REPORT=/dev/ttyS1"
} >"$work/run/env"
pwd >"$work/run/cwd"
[ "$init_exec" = 0 ] || : >"$work/run/init-exec"

virtfs=()
n=0
: >"$work/run/shares"
for d in /usr /etc "${shares[@]}"; do
	n=$((n + 1))
	virtfs+=(-virtfs "local,path=$d,mount_tag=share$n,security_model=none,readonly=on,multidevs=remap")
	echo "share$n $d" >>"$work/run/shares"
done
(cd "$work/run" && find . -mindepth 1 | cpio -o -H newc --quiet -R 0:0) >"$work/run.cpio"
cat "$base" "$work/run.cpio" >"$work/initrd"

log=$work/console.log
# --init-exec: the report port, the VM's ttyS1 (the console is ttyS0).
report=()
out_log=$log
if [ "$init_exec" = 1 ]; then
	out_log=$work/report.log
	# shellcheck disable=SC2054 # commas: QEMU option syntax
	report=(-chardev file,id=rep,path="$out_log" -serial chardev:rep)
fi
append="console=ttyS0 quiet loglevel=1 panic=-1 random.trust_cpu=on rdinit=/init ${cmdline_extra[*]}"
set +e
timeout -k 5 "$timeout" "$qemu" -nodefaults -no-user-config -machine pc,accel="$accel" -cpu max -smp "${VMJAIL_VM_SMP:-1}" -m "$mem" \
	-display none -no-reboot -monitor none \
	-chardev file,id=con,path="$log" -serial chardev:con "${report[@]}" \
	-device virtio-rng-pci \
	-kernel "$boot_kernel" -initrd "$work/initrd" -append "$append" \
	"${virtfs[@]}" </dev/null >"$work/qemu.out" 2>&1
qstatus=$?
set -e
tr -d '\r' <"$log" >"$work/console.txt" || true
out=$work/console.txt
if [ "$init_exec" = 1 ]; then
	out=$work/report.txt
	tr -d '\r' <"$out_log" >"$out" 2>/dev/null || : >"$out"
fi
if [ "${VMJAIL_VM_VERBOSE:-0}" = 1 ]; then
	cat "$work/console.txt" >&2
fi
if [ "$qstatus" -eq 124 ]; then
	echo "run-in-vm: timed out after ${timeout}s; console log:" >&2
	tail -n 40 "$work/console.txt" >&2
	if [ "$init_exec" = 1 ] && [ -s "$out" ]; then
		echo "--- the report port so far:" >&2
		tail -n 40 "$out" >&2
	fi
	exit 124
fi
status=$(sed -n 's/^.*@@VMJAIL-VM-STATUS=\([0-9]*\)@@.*$/\1/p' "$out" | tail -n 1)
# The command's output: between the markers.
sed -n '/@@VMJAIL-VM-BEGIN@@/,/@@VMJAIL-VM-STATUS=/p' "$out" | sed '1d;$d'
if [ -z "$status" ]; then
	if [ "$init_exec" = 1 ]; then
		echo "run-in-vm: --init-exec: no status on the report port ($(wc -c <"$out") bytes there): nothing ran /bb/vm-report to its end" >&2
	fi
	echo "run-in-vm: the VM reported no status (qemu exit $qstatus); qemu said:" >&2
	cat "$work/qemu.out" >&2
	echo "--- console:" >&2
	tail -n 40 "$work/console.txt" >&2
	exit 99
fi
exit "$status"
