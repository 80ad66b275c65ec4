# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers of the backend end-to-end tests (boot.bats,
# vhost-user-blk.bats), the demo (contrib/demo.sh) and the QEMU start
# benchmark (tests/bench/qemu-start.sh). Source it from bash.
#
#   e2e_kernel                  path of Debian's kernel (/boot/vmlinuz-*), or empty
#   e2e_build_initramfs DIR     DIR/initramfs.gz: busybox-static as /init plus
#                               the virtio modules of that kernel; the guest
#                               prints "VMJAIL-GUEST-MARKER <id>" on ttyS0,
#                               writes "VMJAIL-DISK-MARKER <id>" at the start
#                               of /dev/vda when there is one, and powers off
#                               (with vmjail.hold on the kernel command line
#                               it keeps reading /dev/vda instead; with
#                               vmjail.net it first asks for a DHCP lease on
#                               eth0 and prints "VMJAIL-NET-LEASE <address>")
#   e2e_listen_unix PATH FD UID[:GID] -- CMD...
#                               run CMD with a listening unix socket at PATH
#                               (owned by UID, mode 0600: the connecting
#                               jail's user) as its fd FD (for --keep-fd and
#                               the daemon's addr.type=fd)
#   e2e_wait_for FILE SECONDS   wait until FILE exists and is non-empty
#   e2e_info_field FILE EVENT KEY[.KEY...]
#                               a value of an --info-fd record
#   e2e_build_vmlinux DIR       DIR/vmlinux: the kernel without its compressed
#                               wrapper, booted through its PVH entry (no
#                               firmware, no decompression under TCG)
#   e2e_leaks INFO-FILE         what the jail of that --info-fd record left
#                               behind (processes, mounts, cgroups, sockets);
#                               empty when nothing
#   e2e_start_qsd, e2e_start_qemu, e2e_wait_serial, e2e_kill_started: below

E2E_MARKER_GUEST=VMJAIL-GUEST-MARKER
E2E_MARKER_DISK=VMJAIL-DISK-MARKER

e2e_kernel()
{
	local k
	k=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
	[ -n "$k" ] && [ -r "$k" ] && echo "$k"
}

e2e_build_initramfs()
{
	local dir=$1 kernel kver root mod
	kernel=$(e2e_kernel) || return 1
	kver=${kernel#/boot/vmlinuz-}
	root=$dir/initramfs.d
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,mod}
	cp /usr/bin/busybox "$root/bin/busybox" || return 1
	# The virtio modules a vhost-user-blk disk needs (Debian builds them as
	# modules), in dependency order.
	for mod in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk \
		failover net_failover virtio_net; do
		local f
		f=$(find "/lib/modules/$kver/kernel" -name "$mod.ko*" | head -n 1)
		[ -n "$f" ] && cp "$f" "$root/mod/"
	done
	cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk \
	failover net_failover virtio_net; do
	for f in /mod/$m.ko*; do [ -e "$f" ] && insmod "$f" 2>/dev/null; done
done
id=$(sed -n 's/.*vmjail.id=\([^ ]*\).*/\1/p' /proc/cmdline)
i=0
while [ ! -b /dev/vda ] && [ $i -lt 50 ] && grep -q vmjail.disk /proc/cmdline; do
	sleep 0.1; i=$((i + 1))
done
if [ -b /dev/vda ]; then
	printf 'VMJAIL-DISK-MARKER %s\n' "$id" | dd of=/dev/vda bs=512 conv=sync,fsync 2>/dev/null &&
		echo "vmjail-guest: marker written to /dev/vda"
	sync
fi
if grep -q vmjail.net /proc/cmdline; then
	# A DHCP lease from the network backend (passt), on the first NIC.
	i=0
	while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	ip link set eth0 up
	udhcpc -i eth0 -n -q -t 10 -T 1 -s /bin/true 2>&1 | sed -n 's/.*lease of \([0-9.]*\) obtained.*/VMJAIL-NET-LEASE \1/p'
fi
echo "VMJAIL-GUEST-MARKER $id"
if grep -q vmjail.hold /proc/cmdline; then
	# Keep the disk busy until the test ends the guest.
	while :; do
		dd if=/dev/vda of=/dev/null bs=4096 count=1 iflag=direct 2>/dev/null
		sleep 0.2
	done
fi
poweroff -f
EOF
	chmod 0755 "$root/init"
	(cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 | gzip -1) >"$dir/initramfs.gz"
	rm -rf "$root"
}

e2e_build_vmlinux()
{
	local kernel
	kernel=$(e2e_kernel) || return 1
	python3 - "$kernel" "$1/vmlinux" <<'EOF'
import lzma, sys
d = open(sys.argv[1], "rb").read()
i = d.find(b"\xfd7zXZ\x00")
if i < 0:
    sys.exit(sys.argv[1] + ": no xz payload")
open(sys.argv[2], "wb").write(lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(d[i:]))
EOF
}

e2e_listen_unix()
{
	local path=$1 fd=$2 owner=$3
	shift 4 # PATH FD OWNER --
	# exec: when this runs as a background job, $! is then CMD's pid.
	exec python3 -c '
import os, socket, sys
path, fd, owner, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
uid, _, gid = owner.partition(":")
os.chown(path, int(uid), int(gid or -1))
os.chmod(path, 0o600)
s.listen(16)
if s.fileno() != fd:
    os.dup2(s.fileno(), fd)
os.set_inheritable(fd, True)
os.execvp(argv[0], argv)
' "$path" "$fd" "$owner" "$@"
}

e2e_wait_for()
{
	local f=$1 t=$2 i=0
	while [ ! -s "$f" ]; do
		[ $i -ge $((t * 20)) ] && return 1
		sleep 0.05
		i=$((i + 1))
	done
}

e2e_info_field()
{
	python3 - "$@" <<'EOF'
import json, sys
f, event, key = sys.argv[1:4]
for line in open(f):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if r.get("event") != event:
        continue
    for k in key.split("."):
        r = r.get(k) if isinstance(r, dict) else None
    if r is not None:
        print(json.dumps(r) if isinstance(r, (dict, list)) else r)
    break
EOF
}

e2e_leaks()
{
	local info=$1 id pidns p
	id=$(e2e_info_field "$info" started id)
	[ -n "$id" ] || { echo "no started record in $info"; return 0; }
	pidns=$(e2e_info_field "$info" started namespaces.pid)
	for p in supervisor-pid init-pid pid; do
		p=$(e2e_info_field "$info" started "$p")
		[ -n "$p" ] && [ -e "/proc/$p" ] && grep -qaF -e vmjail -e qemu "/proc/$p/cmdline" 2>/dev/null &&
			echo "process $p still alive: $(tr '\0' ' ' <"/proc/$p/cmdline")"
	done
	if [ -n "$pidns" ]; then
		# Namespace inode numbers are recycled: a process counts only when
		# it started before the jail's last record (its end) was written.
		python3 - "$pidns" "$info" <<'EOF'
import os, sys, time
ns, info = "pid:[%s]" % sys.argv[1], sys.argv[2]
end = os.stat(info).st_mtime
btime = time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)
hz = os.sysconf("SC_CLK_TCK")
for p in os.listdir("/proc"):
    if not p.isdigit():
        continue
    try:
        if os.readlink("/proc/%s/ns/pid" % p) != ns:
            continue
        stat = open("/proc/%s/stat" % p).read()
        start = btime + int(stat.rsplit(")", 1)[1].split()[19]) / hz
        cmd = open("/proc/%s/cmdline" % p, "rb").read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        continue
    if start < end - 0.02:
        print("process %s left in the jail's pid namespace: %s" % (p, cmd[:120]))
EOF
	fi
	grep -F "$id" /proc/self/mountinfo | sed 's/^/mount left: /'
	local d
	for d in /sys/fs/cgroup/vmjail/"$id" /sys/fs/cgroup/*/vmjail/"$id"; do
		[ -e "$d" ] && echo "cgroup left: $d"
	done
	# The QMP sockets the proxy served.
	python3 - "$info" <<'EOF'
import json, os, sys
for line in open(sys.argv[1]):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    for s in (r.get("qmp") or {}).get("sockets", []):
        if os.path.lexists(s["path"]):
            print("socket left:", s["path"])
EOF
	return 0
}

# ---- the two jails of the vhost-user-blk setup ------------------------------

# Users the jails run as: distinct, so that neither jail's program can touch
# the other's files or processes even outside its mount namespace.
E2E_QEMU_UID=65534          # the qemu-system-x86_64 profile's default (gid kvm)
E2E_QSD_UID=${E2E_QSD_UID:-64900}

# e2e_start_qsd DIR IMAGE: a jailed qemu-storage-daemon exporting IMAGE
# (bound at /images/disk.img) as vhost-user-blk on a listening socket created
# here at DIR/vu.sock and passed as fd 3; QMP through the proxy at
# DIR/qsd.qmp; records in DIR/qsd.info. Sets E2E_QSD_PID (vmjail's pid).
e2e_start_qsd()
{
	local dir=$1 image=$2
	rm -f "$dir/vu.sock" "$dir/qsd.info"
	: >"$dir/qsd.info"
	chown "$E2E_QSD_UID:$E2E_QSD_UID" "$image"
	e2e_listen_unix "$dir/vu.sock" 3 "$E2E_QEMU_UID" -- \
		"$VMJAIL" run --profile qemu-storage-daemon --uid "$E2E_QSD_UID" --gid "$E2E_QSD_UID" \
		--qmp "$dir/qsd.qmp" --info-fd 9 --keep-fd 3 --bind "$image:/images/disk.img" -- \
		qemu-storage-daemon \
		--blockdev driver=file,node-name=file0,filename=/images/disk.img \
		--blockdev driver=raw,node-name=disk0,file=file0 \
		--export type=vhost-user-blk,id=exp0,node-name=disk0,writable=on,addr.type=fd,addr.str=3 \
		9>>"$dir/qsd.info" </dev/null >"$dir/qsd.log" 2>&1 3>&- &
	E2E_QSD_PID=$!
	e2e_wait_for "$dir/qsd.info" 20
}

# e2e_start_qemu DIR ACCEL APPEND [QEMU-ARGS...]: a jailed QEMU booting
# DIR/vmlinux with DIR/initramfs.gz (bound read-only under /boot), serial
# console in DIR/serial.txt, stderr in DIR/qemu.err, QMP through the proxy
# at DIR/qemu.qmp, records in DIR/qemu.info. Sets E2E_QEMU_PID.
e2e_start_qemu()
{
	local dir=$1 accel=$2 append=$3
	shift 3
	rm -f "$dir/qemu.info"
	: >"$dir/qemu.info"
	"$VMJAIL" run --profile qemu-system-x86_64 --qmp "$dir/qemu.qmp" --info-fd 9 \
		--ro-bind "$dir/vmlinux:/boot/vmlinux" --ro-bind "$dir/initramfs.gz:/boot/initramfs.gz" \
		${E2E_QEMU_BINDS[@]+"${E2E_QEMU_BINDS[@]}"} -- \
		qemu-system-x86_64 -machine q35 -accel "$accel" -m 256 -display none -nodefaults -no-reboot \
		-serial stdio -kernel /boot/vmlinux -initrd /boot/initramfs.gz \
		-append "console=ttyS0 quiet panic=-1 $append" "$@" \
		9>>"$dir/qemu.info" </dev/null >"$dir/serial.txt" 2>"$dir/qemu.err" 3>&- &
	E2E_QEMU_PID=$!
	e2e_wait_for "$dir/qemu.info" 20
}

# The QEMU arguments of the vhost-user disk (the socket bound at
# /run/vhost-user/disk.sock): guest memory shared through a memfd.
E2E_VHOST_USER_ARGS=(-object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem
	-chardev socket,id=vu0,path=/run/vhost-user/disk.sock -device vhost-user-blk-pci,chardev=vu0,id=vda)

# e2e_wait_serial DIR PATTERN SECONDS
e2e_wait_serial()
{
	local i=0
	until grep -q "$2" "$1/serial.txt" 2>/dev/null; do
		[ $i -ge $(($3 * 10)) ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# e2e_kill_started PID...: end what a test started and left running (pids
# from $! only, each checked to still be vmjail).
e2e_kill_started()
{
	local p killed=()
	for p in "$@"; do
		[ -n "$p" ] && grep -qaF vmjail "/proc/$p/cmdline" 2>/dev/null &&
			kill -TERM "$p" 2>/dev/null && killed+=("$p")
	done
	for p in ${killed[@]+"${killed[@]}"}; do
		wait "$p" 2>/dev/null
	done
	return 0
}
