#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# QEMU start and boot, direct and under vmjail (a benchmark, not a test).
#
#   tests/bench/qemu-start.sh [RUNS] [BOOT-RUNS]
#
# 1. exec -> QMP ready (greeting read, qmp_capabilities and query-status
#    answered), QEMU direct (its own -qmp socket) and under vmjail with the
#    full qemu-system-x86_64 profile (QMP through the proxy), RUNS (default
#    30) interleaved runs each, with TCG and, when /dev/kvm is usable, KVM;
#    medians and the ratio (target: jailed <= 1.05 x direct); QEMU's RSS.
# 2. exec -> the guest's marker on the serial console (Debian's kernel and a
#    busybox initramfs, TCG), BOOT-RUNS (default 5) interleaved runs each.
# Run as root on an otherwise idle machine; VMJAIL overrides the binary;
# VMJAIL_BASE=PATH adds that build (an older commit) as "jailed-base".
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-30}
boot_runs=${2:-5}
: "${VMJAIL:=$PWD/build/vmjail}"
[ -x "$VMJAIL" ] || { echo "$VMJAIL: not built (ninja -C build)" >&2; exit 1; }
source tests/e2e/lib.sh
d=$(mktemp -d /tmp/vmjail-bench.XXXXXX)
trap 'rm -rf "$d"' EXIT

echo "# $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(qemu-system-x86_64 --version | head -n 1)"
python3 tests/bench/qemu-start.py start "$VMJAIL" "$runs" tcg
if [ -c /dev/kvm ] && { exec 7<>/dev/kvm; } 2>/dev/null; then
	exec 7<&-
	python3 tests/bench/qemu-start.py start "$VMJAIL" "$runs" kvm
fi
if [ "$boot_runs" -gt 0 ]; then
	e2e_build_initramfs "$d"
	e2e_build_vmlinux "$d"
	python3 tests/bench/qemu-start.py boot "$VMJAIL" "$boot_runs" "$d"
fi
