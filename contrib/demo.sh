#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The demo (Debian 12, as root): install what is missing, build, then boot
# a guest in a jailed QEMU whose disk is served over vhost-user by a
# separately jailed qemu-storage-daemon. Prints each jail's layers, the
# QMP status through vmjail's proxy, the guest's marker line, and how to
# talk to a jail with `vmjail qmp`. Leaves nothing behind.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD

bash tests/deps.sh
[ -f build/build.ninja ] || meson setup build -Dwerror=true >/dev/null
ninja -C build >/dev/null

export VMJAIL=$src/build/vmjail
source tests/e2e/lib.sh
D=$(mktemp -d /tmp/vmjail-demo.XXXXXX)
E2E_QEMU_PID= E2E_QSD_PID=
cleanup() {
	e2e_kill_started "$E2E_QEMU_PID" "$E2E_QSD_PID"
	rm -rf "$D"
}
trap cleanup EXIT
start=$(date +%s%N)

# The guest: Debian's kernel and a busybox initramfs; a 64 MiB raw disk.
e2e_build_initramfs "$D"
e2e_build_vmlinux "$D"
qemu-img create -q -f raw "$D/disk.img" 64M
accel=tcg # a guest that runs to its end under every host; KVM is asked with -accel kvm

summary() { # PROFILE ARGS... -- the jail as `vmjail check` resolves it
	"$VMJAIL" check --profile "$@" | python3 -c '
import json, sys
p = json.load(sys.stdin)
ns = ",".join(k for k, v in p["namespaces"].items() if v)
sc = p["seccomp"]
print("  %-20s namespaces %s | user %s:%s | capabilities %s | network %s" % (
    p["profile"], ns, p["user"]["uid"], p["user"]["gid"], len(p["capabilities"]) or "none", p["network"]))
print("  %-20s seccomp %s: %d rules, default %s | cgroup %s | QMP %s" % (
    "", sc.get("policy"), sc.get("rules", 0), sc.get("default"),
    "on" if p["cgroup"].get("enabled", True) else "off",
    p["qmp"]["wiring"] if p["qmp"].get("enabled") else "off"))
print("  %-20s root: %s" % ("", " ".join(m["target"] for m in p["mounts"] if not m.get("skipped"))))
'
}
started() { # INFO-FILE -- what the started record says was applied
	python3 - "$1" <<'EOF'
import json, sys
r = json.loads(open(sys.argv[1]).readline())
cg = r.get("cgroup") or {}
lsm = [k for k, v in (r.get("lsm") or {}).items() if isinstance(v, dict) and v.get("applied")]
print("  started: pid %s (init %s, supervisor %s) uid %s gid %s | cgroup %s | seccomp %s BPF instructions | LSM %s"
      % (r["pid"], r["init-pid"], r["supervisor-pid"], r["uid"], r["gid"],
         cg.get("v2") or next(iter(cg.values()), "none"), (r.get("seccomp") or {}).get("instructions", "?"),
         ",".join(lsm) or "none applied"))
EOF
}

echo "== jail 1: qemu-storage-daemon exports the disk over vhost-user (socket passed as fd 3)"
summary qemu-storage-daemon --uid "$E2E_QSD_UID" --gid "$E2E_QSD_UID" --bind "$D/disk.img:/images/disk.img" -- qemu-storage-daemon
e2e_start_qsd "$D" "$D/disk.img"
started "$D/qsd.info"
echo "  QMP through the proxy: query-block-exports -> $("$VMJAIL" qmp "$D/qsd.qmp" query-block-exports)"

echo "== jail 2: QEMU ($accel) boots the guest from the vhost-user disk"
E2E_QEMU_BINDS=(--bind "$D/vu.sock:/run/vhost-user/disk.sock")
summary qemu-system-x86_64 --ro-bind "$D/vmlinux:/boot/vmlinux" --ro-bind "$D/initramfs.gz:/boot/initramfs.gz" \
	"${E2E_QEMU_BINDS[@]}" -- qemu-system-x86_64
e2e_start_qemu "$D" "$accel" "vmjail.id=demo vmjail.disk" "${E2E_VHOST_USER_ARGS[@]}"
started "$D/qemu.info"
status=
for _ in $(seq 100); do
	status=$("$VMJAIL" qmp "$D/qemu.qmp" query-status 2>/dev/null) && [[ "$status" == *running* ]] && break
	sleep 0.1
done
echo "  QMP through the proxy: query-status -> $status"
pid=$(e2e_info_field "$D/qemu.info" started pid)
qsd=$(e2e_info_field "$D/qsd.info" started pid)
echo "  QEMU's jail holds:           $(ls -A /proc/$pid/root | tr '\n' ' ')| network: $(tail -n +3 /proc/$pid/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')"
echo "  the storage daemon's holds:  $(ls -A /proc/$qsd/root | tr '\n' ' ')| network: $(tail -n +3 /proc/$qsd/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')"
echo "  talk to them while they run: $VMJAIL qmp $D/qemu.qmp query-status"
echo "                               $VMJAIL qmp $D/qemu.qmp        (a shell: one command per line, events as they come)"

echo "== the guest (serial console)"
e2e_wait_serial "$D" "$E2E_MARKER_GUEST demo" 60 || true
st=0
wait "$E2E_QEMU_PID" || st=$?
E2E_QEMU_PID=
grep -E "marker written|$E2E_MARKER_GUEST" "$D/serial.txt" | sed 's/^/  guest: /'
echo "  QEMU's jail exited with status $st"
echo "  on the host, the disk's first sector: $(head -c 64 "$D/disk.img" | tr -d '\0' | head -n 1)"
"$VMJAIL" qmp "$D/qsd.qmp" quit >/dev/null
st=0
wait "$E2E_QSD_PID" || st=$?
E2E_QSD_PID=
echo "  the storage daemon quit through QMP: status $st"

echo "== nothing left behind"
left=$(e2e_leaks "$D/qemu.info"; e2e_leaks "$D/qsd.info")
echo "  ${left:-no process, mount, cgroup or socket of either jail remains}"
end=$(date +%s%N)
echo "== done in $(((end - start) / 1000000000)).$((((end - start) / 100000000) % 10)) s"
