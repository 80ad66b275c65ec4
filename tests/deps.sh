#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install (as root, on Debian 12) every package vmjail needs to build, run
# its demo and run its tests. Safe to run again: installs only what is
# missing.
set -euo pipefail

pkgs=(
	# build
	meson ninja-build pkg-config gcc clang libclang-rt-14-dev
	libjson-c-dev libseccomp-dev libcap-ng-dev libselinux1-dev libapparmor-dev scdoc
	# tests and the demo
	bats python3 socat util-linux procps psmisc iproute2 strace
	qemu-system-x86 qemu-system-common qemu-utils busybox-static linux-image-amd64
	passt bubblewrap hyperfine cpio
	# integration tests (the real callers): libvirt's embedded driver, OCI runtimes, systemd
	libvirt-daemon-driver-qemu libvirt-clients crun runc systemd
	# LSM tests: AppArmor's parser and SELinux's CIL compiler (run in the
	# test VM), cpio (its initramfs)
	apparmor secilc cpio
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "tests/deps.sh: missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
