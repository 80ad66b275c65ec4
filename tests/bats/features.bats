#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
#
# features.bats - `vmjail features [--json]` against the kernel: every
# item it reports is compared with what the host answers when asked
# directly (/proc, /sys, the system calls themselves, unshare(1) as an
# unprivileged user), for root and for an unprivileged caller (uid 65534
# through setpriv when the suite runs as root). The profile and policy
# keys it advertises are each fed to `vmjail check` and `vmjail seccomp
# check`, which must accept them; the keys the shipped profiles and
# policies use must all be advertised. The keys of the sections the
# engines check (seccomp, cgroup, qmp, lsm) are also held to their
# advertised types, values and ranges the other way (anything else is
# refused), and a made-up key beside each is refused.

load helpers

# caller root|user: who runs vmjail features and the oracles. Unlike
# as_user, an unprivileged caller is not skipped when user namespaces are
# off: then features must say so.
caller() {
	if [ "$1" = root ]; then
		[ "$EUID" -eq 0 ] || skip "needs root"
		VJ_PREFIX=()
	elif [ "$EUID" -eq 0 ]; then
		VJ_PREFIX=("${VJ_SETPRIV[@]}")
	else
		VJ_PREFIX=()
	fi
}

# features_json: `vmjail features --json` as the caller, into $VJ_T/f.json.
features_json() {
	run --separate-stderr timeout 60 "${VJ_PREFIX[@]}" "$VMJAIL" features --json
	assert_status 0 || return 1
	assert_eq "stderr" "" "$stderr" || return 1
	printf '%s\n' "$output" >"$VJ_T/f.json"
}

# py SCRIPT ARGS...: python as the caller (the oracle must see what vmjail
# saw: same uid, groups, capabilities).
py() {
	local script=$1
	shift
	"${VJ_PREFIX[@]}" "$VJ_PY" -c "$script" "$@"
}

# ---- the document ---------------------------------------------------------------

check_json() {
	features_json || return 1
	"$VJ_PY" - "$VJ_T/f.json" <<'EOF' || { show; return 1; }
import json, sys
j = json.load(open(sys.argv[1]))
assert isinstance(j, dict), "not an object"
want = {
    "build": dict, "root": bool, "namespaces": dict, "cgroup": dict, "seccomp": dict, "lsm": dict,
    "kvm": dict, "syscalls": dict, "integration": dict, "profile-keys": dict, "policy-keys": dict,
}
for k, t in want.items():
    if not isinstance(j.get(k), t):
        sys.exit("%s: expected %s, got %r" % (k, t.__name__, j.get(k)))
for sect, keys in (("namespaces", ("kinds", "unprivileged-user", "unprivileged-all")),
                   ("cgroup", ("hierarchies", "delegated")),
                   ("seccomp", ("actions", "user-notification")),
                   ("lsm", ("active", "landlock-abi", "selinux-mode", "apparmor-enabled")),
                   ("kvm", ("present", "usable")),
                   ("syscalls", ("clone3", "clone-into-cgroup", "pidfd")),
                   ("policy-keys", ("policy", "default", "allow[]", "allow[].args[]", "allow[].args[].op"))):
    for k in keys:
        if k not in j[sect]:
            sys.exit("missing %s.%s" % (sect, k))
EOF
	# root: as the caller's effective uid says
	assert_eq "root" "$([ "$("${VJ_PREFIX[@]}" id -u)" = 0 ] && echo True || echo False)" \
		"$("$VJ_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["root"])' "$VJ_T/f.json")"
}
@test "root: features --json is one JSON object with every section" { caller root; check_json; }
@test "user: features --json is one JSON object with every section" { caller user; check_json; }

@test "features (text) lists every section, the profile keys and the policy keys" {
	run --separate-stderr timeout 60 "$VMJAIL" features
	assert_status 0
	local k
	for k in namespaces.unprivileged-user cgroup.hierarchies seccomp.actions seccomp.user-notification \
		lsm.active lsm.landlock-abi kvm.usable syscalls.clone-into-cgroup syscalls.pidfd \
		profile-keys policy-keys.policy policy-keys.default policy-keys.allow[]; do
		grep -q -F -- "$k " <<<"$output" || fail "no line for $k" || { show; return 1; }
	done
	local line
	line=$(grep '^profile-keys ' <<<"$output")
	for k in '"namespaces.user"' '"filesystem.mounts[].type"' '"process.keep_fds"' '"seccomp"'; do
		assert_contains "profile-keys line" "$line" "$k" || return 1
	done
	assert_not_contains "profile-keys line" "$line" '"cgroup.memory.max"' || return 1
	# the keys of the sections the engines check: a line each, relative
	# to the section, the same names as --json lists
	"$VMJAIL" features --json >"$VJ_T/f.json" || return 1
	for k in seccomp cgroup qmp lsm; do
		line=$(grep "^profile-keys\.$k " <<<"$output") || fail "no line for profile-keys.$k" || { show; return 1; }
		assert_eq "profile-keys.$k" "$("$VJ_PY" -c '
import json, sys
sect = sys.argv[2]
print(json.dumps([k[len(sect):].lstrip(".") for k in json.load(open(sys.argv[1]))["profile-keys"]
                  if k.startswith(sect + ".") or k.startswith(sect + "[")], separators=(",", ":")))
' "$VJ_T/f.json" "$k")" "$(sed 's/^[^ ]* *//' <<<"$line")" || return 1
	done
	run --separate-stderr "$VMJAIL" features --help
	assert_status 0
	assert_contains "features --help" "$output" "vmjail-profile(5)"
}

# ---- namespaces ------------------------------------------------------------------

check_namespaces() {
	command -v unshare >/dev/null || skip "no unshare(1) (util-linux) to ask the kernel with"
	features_json || return 1
	# unshare(1) as the caller, and as uid 65534 (what "unprivileged" means
	# when the caller is root): the kernel answers.
	local nobody=("${VJ_PREFIX[@]}") u a
	[ "$EUID" -eq 0 ] && nobody=("${VJ_SETPRIV[@]}")
	u=False a=False
	"${nobody[@]}" unshare --user true 2>/dev/null && u=True
	"${nobody[@]}" unshare --user --mount --pid --net --ipc --uts --cgroup true 2>/dev/null && a=True
	"$VJ_PY" - "$VJ_T/f.json" "$u" "$a" <<'EOF' || { show; return 1; }
import json, os, sys
j = json.load(open(sys.argv[1]))["namespaces"]
def want(what, exp, got):
    if exp != got:
        sys.exit("%s: the kernel says %r, features says %r" % (what, exp, got))
want("unprivileged-user (unshare --user as uid 65534)", sys.argv[2] == "True", j["unprivileged-user"])
want("unprivileged-all (unshare with every namespace as uid 65534)", sys.argv[3] == "True", j["unprivileged-all"])
want("kinds (/proc/self/ns)", sorted(n for n in os.listdir("/proc/self/ns") if not n.endswith("_for_children")),
     sorted(k for k, v in j["kinds"].items() if v))
try:
    want("max-user-namespaces", int(open("/proc/sys/user/max_user_namespaces").read()), j["max-user-namespaces"])
except FileNotFoundError:
    want("max-user-namespaces", None, j.get("max-user-namespaces"))
EOF
}
@test "root: namespaces and unprivileged user namespaces as the kernel says (unshare --user as uid 65534)" {
	caller root
	check_namespaces
}
@test "user: namespaces and unprivileged user namespaces as the kernel says (unshare --user as uid 65534)" {
	caller user
	check_namespaces
}

# ---- cgroups -----------------------------------------------------------------------

check_cgroups() {
	features_json || return 1
	# The writability oracle: test -w as the caller, for each hierarchy.
	local paths w=""
	paths=$("$VJ_PY" -c '
import json, sys
for h in json.load(open(sys.argv[1]))["cgroup"].get("hierarchies", []):
    print(h["mount"] + ("" if h["current"] == "/" else h["current"]))' "$VJ_T/f.json")
	while IFS= read -r p; do
		[ -n "$p" ] || continue
		if "${VJ_PREFIX[@]}" test -w "$p"; then w+="$p"$'\n'; fi
	done <<<"$paths"
	printf '%s' "$w" >"$VJ_T/writable"
	"$VJ_PY" - "$VJ_T/f.json" "$VJ_T/writable" <<'EOF' || { show; return 1; }
import json, os, sys
j = json.load(open(sys.argv[1]))["cgroup"]
writable = set(l for l in open(sys.argv[2]).read().splitlines() if l)
if "error" in j:
    sys.exit("cgroup: %s" % j["error"])
hs = j["hierarchies"]
# mounts of type cgroup/cgroup2, from mountinfo
mounts = {}
for line in open("/proc/self/mountinfo"):
    pre, post = line.split(" - ", 1)
    fs, _, sopts = post.split()[:3]
    if fs in ("cgroup", "cgroup2"):
        mounts.setdefault(pre.split()[4], (fs, sopts))
# /proc/self/cgroup: one line per hierarchy
want = {}
for line in open("/proc/self/cgroup").read().splitlines():
    hid, ctl, path = line.split(":", 2)
    want["v2" if hid == "0" else ctl] = path
got = {}
known_v1 = {"memory", "pids", "cpu", "cpuset", "blkio", "devices", "freezer"}
known_v2 = {"memory", "pids", "cpu", "cpuset", "io", "devices", "freezer"}
for h in hs:
    key = "v2" if h["version"] == 2 else h["name"]
    if key in got:
        sys.exit("hierarchy %s listed twice" % key)
    got[key] = h["current"]
    fs = mounts.get(h["mount"])
    if not fs or fs[0] != ("cgroup2" if h["version"] == 2 else "cgroup"):
        sys.exit("%s: not a %s mount point in mountinfo" % (h["mount"], "cgroup2" if h["version"] == 2 else "cgroup"))
    if not h["mount"].startswith("/sys/fs/cgroup"):
        print("note: %s is mounted outside /sys/fs/cgroup" % h["mount"])
    path = h["mount"] + ("" if h["current"] == "/" else h["current"])
    if not os.path.isdir(path):
        sys.exit("%s: the current cgroup %s is not a directory" % (key, path))
    if h["writable"] != (path in writable):
        sys.exit("%s: writable %r, but test -w %s says %r" % (key, h["writable"], path, path in writable))
    ctl = set(h["controllers"])
    if h["version"] == 1:
        names = set(h["name"].split(","))
        if ctl != names & known_v1:
            sys.exit("%s: controllers %r, the hierarchy holds %r" % (key, sorted(ctl), sorted(names)))
    else:
        offered = set(open(h["mount"] + "/cgroup.controllers").read().split())
        # devices and freezer are part of every v2 cgroup (eBPF, cgroup.freeze)
        if ctl - {"devices", "freezer"} != offered & known_v2:
            sys.exit("v2: controllers %r, cgroup.controllers offers %r" % (sorted(ctl), sorted(offered)))
# every hierarchy of /proc/self/cgroup that is mounted is listed, where this process is
for key, path in want.items():
    if key not in got:
        if key == "v2" and not any(f == "cgroup2" for f, _ in mounts.values()):
            continue
        if key != "v2" and not any(f == "cgroup" and key in o.split(",") for f, o in mounts.values()):
            continue
        sys.exit("hierarchy %s of /proc/self/cgroup is missing" % key)
    if got[key] != path:
        sys.exit("%s: current %s, /proc/self/cgroup says %s" % (key, got[key], path))
if j["delegated"] != any(h["delegated"] for h in hs):
    sys.exit("delegated: %r, hierarchies say otherwise" % j["delegated"])
EOF
}
@test "root: cgroup hierarchies, controllers, current cgroups and writability as /proc/self/cgroup and /sys/fs/cgroup say" {
	caller root
	check_cgroups
}
@test "user: cgroup hierarchies, controllers, current cgroups and writability as /proc/self/cgroup and /sys/fs/cgroup say" {
	caller user
	check_cgroups
}

# ---- seccomp and LSMs ----------------------------------------------------------------

check_seccomp_lsm() {
	features_json || return 1
	[ -r /proc/sys/kernel/seccomp/actions_avail ] || skip "no /proc/sys/kernel/seccomp/actions_avail"
	py '
import ctypes, json, os, sys
j = json.load(open(sys.argv[1]))
def want(what, exp, got):
    if exp != got:
        sys.exit("%s: the kernel says %r, features says %r" % (what, exp, got))
avail = open("/proc/sys/kernel/seccomp/actions_avail").read().split()
want("seccomp.actions (actions_avail)", avail, j["seccomp"]["actions"])
want("seccomp.user-notification", "user_notif" in avail, j["seccomp"]["user-notification"])
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
# landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)
abi = libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
want("lsm.landlock-abi", max(abi, 0), j["lsm"]["landlock-abi"])
# the LSM list: securityfs, else lsm_list_modules(2)
lsm = j["lsm"]["active"]
try:
    want("lsm.active (/sys/kernel/security/lsm)", open("/sys/kernel/security/lsm").read().strip().split(","), lsm)
except OSError:
    names = ["capability", "selinux", "smack", "tomoyo", "apparmor", "yama", "loadpin", "safesetid",
             "lockdown", "bpf", "landlock", "ima", "evm", "ipe"]
    ids = (ctypes.c_uint64 * 64)()
    size = ctypes.c_uint32(ctypes.sizeof(ids))
    n = libc.syscall(461, ids, ctypes.byref(size), ctypes.c_uint32(0))
    if n < 0:
        want("lsm.active (neither securityfs nor lsm_list_modules)", None, lsm)
    else:
        want("lsm.active (lsm_list_modules)",
             [names[ids[i] - 100] if 100 <= ids[i] < 100 + len(names) else "lsm-%d" % ids[i] for i in range(n)], lsm)
if lsm is not None:
    want("landlock active and an ABI", "landlock" in lsm, j["lsm"]["landlock-abi"] > 0)
try:
    mode = "enforcing" if open("/sys/fs/selinux/enforce").read().strip() == "1" else "permissive"
except OSError:
    mode = "disabled"
want("lsm.selinux-mode (/sys/fs/selinux/enforce)", mode, j["lsm"]["selinux-mode"])
try:
    aa = open("/sys/module/apparmor/parameters/enabled").read().startswith("Y")
except OSError:
    aa = False
want("lsm.apparmor-enabled", aa and (lsm is None or "apparmor" in lsm), j["lsm"]["apparmor-enabled"])
' "$VJ_T/f.json" || { show; return 1; }
}
@test "root: seccomp actions (actions_avail), user notification, active LSMs, SELinux mode, Landlock ABI as the kernel says" {
	caller root
	check_seccomp_lsm
}
@test "user: seccomp actions (actions_avail), user notification, active LSMs, SELinux mode, Landlock ABI as the kernel says" {
	caller user
	check_seccomp_lsm
}

# ---- KVM, CLONE_INTO_CGROUP, pidfd ---------------------------------------------------------

check_kvm_syscalls() {
	features_json || return 1
	py '
import ctypes, errno, fcntl, json, os, signal, struct, sys
j = json.load(open(sys.argv[1]))
def want(what, exp, got):
    if exp != got:
        sys.exit("%s: the kernel says %r, features says %r" % (what, exp, got))
# KVM: open /dev/kvm, KVM_GET_API_VERSION (12), KVM_CREATE_VM
usable = False
try:
    fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    try:
        if fcntl.ioctl(fd, 0xAE00) == 12:
            os.close(fcntl.ioctl(fd, 0xAE01, 0))
            usable = True
    except OSError:
        pass
    os.close(fd)
except OSError:
    pass
want("kvm.present", os.path.exists("/dev/kvm"), j["kvm"]["present"])
want("kvm.usable (open /dev/kvm, KVM_CREATE_VM)", usable, j["kvm"]["usable"])
# pidfd
try:
    os.close(os.pidfd_open(os.getpid()))
    pidfd = True
except OSError:
    pidfd = False
want("syscalls.pidfd (pidfd_open)", pidfd, j["syscalls"]["pidfd"])
# CLONE_INTO_CGROUP: clone3 into this process'"'"'s own v2 cgroup; the child
# exits at once. E2BIG/ENOSYS/EINVAL-for-the-flag: the kernel lacks it; an
# error the flag'"'"'s checks give (EACCES, EBUSY, EOPNOTSUPP): it has it.
v2 = None
for line in open("/proc/self/mountinfo"):
    pre, post = line.split(" - ", 1)
    if post.split()[0] == "cgroup2" and pre.split()[3] == "/":
        v2 = pre.split()[4]
        break
cur = [l.split(":", 2)[2] for l in open("/proc/self/cgroup").read().splitlines() if l.startswith("0::")]
if v2 is None or not cur:
    print("CLONE_INTO_CGROUP not compared: no cgroup2 mount of the whole hierarchy")
    sys.exit(0)
cg = os.open(v2 + cur[0], os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
args = struct.pack("=11Q", 0x200000000, 0, 0, 0, signal.SIGCHLD, 0, 0, 0, 0, 0, cg)
buf = ctypes.create_string_buffer(args, len(args))
r = libc.syscall(435, buf, ctypes.c_size_t(len(args)))
if r == 0:
    os._exit(0)
e = ctypes.get_errno()
if r > 0:
    os.waitpid(r, 0)
    has = True
elif e in (errno.E2BIG, errno.ENOSYS):
    has = False
elif e in (errno.EACCES, errno.EPERM, errno.EBUSY, errno.EOPNOTSUPP):
    has = True
else:
    print("CLONE_INTO_CGROUP not compared: clone3 into %s: %s" % (v2 + cur[0], os.strerror(e)))
    sys.exit(0)
want("syscalls.clone-into-cgroup (clone3 into the own cgroup)", has, j["syscalls"]["clone-into-cgroup"])
' "$VJ_T/f.json" || { show; return 1; }
}
@test "root: KVM usable, CLONE_INTO_CGROUP and pidfd as the kernel says" { caller root; check_kvm_syscalls; }
@test "user: KVM usable, CLONE_INTO_CGROUP and pidfd as the kernel says" { caller user; check_kvm_syscalls; }

# ---- the keys ---------------------------------------------------------------------------

# Every advertised policy key, operator and default action in a policy of
# its own: `vmjail seccomp check` accepts each. The keys the shipped
# policies use are all advertised.
check_policy_keys() {
	features_json || return 1
	mkdir_for_jail "$VJ_T/w"
	py '
import glob, json, os, subprocess, sys
j = json.load(open(sys.argv[1]))["policy-keys"]
vmjail, tdir, poldir = sys.argv[2], sys.argv[3], sys.argv[4]
n = 0
def accepted(what, doc):
    global n
    n += 1
    p = os.path.join(tdir, "pol%d.json" % n)
    with open(p, "w") as f:
        json.dump(doc, f)
    r = subprocess.run([vmjail, "seccomp", "check", p], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("%s: vmjail seccomp check refuses %s: %s" % (what, json.dumps(doc), r.stderr.strip()))
with open(os.path.join(tdir, "frag.json"), "w") as f:
    json.dump({"allow": ["getpid"]}, f)
top = {
    "description": {"description": "d", "allow": ["read"]},
    "comment": {"comment": "c", "allow": ["read"]},
    "include": {"include": ["./frag.json"]},
    "default": {"default": "kill-process"},
    "allow": {"allow": ["read"]},
    "errno": {"errno": {"EPERM": ["ptrace"]}},
}
entry = {
    "name": {"name": "read"}, "optional": {"name": "read", "optional": True},
    "args": {"name": "read", "args": [{"index": 0, "value": 0}]}, "comment": {"name": "read", "comment": "c"},
}
cond = {
    "index": {"index": 0, "value": 0}, "op": {"index": 0, "op": "ne", "value": 0},
    "value": {"index": 0, "value": [0, 1]}, "comment": {"index": 0, "value": 0, "comment": "c"},
    "mask": {"index": 0, "op": "masked-eq", "mask": 255, "value": 1},
}
for what, table, adv in (("policy", top, j["policy"]), ("allow[]", entry, j["allow[]"]),
                         ("allow[].args[]", cond, j["allow[].args[]"])):
    if sorted(table) != sorted(adv):
        sys.exit("%s: advertised %r, this test knows %r (give the new key a sample here)" % (what, adv, sorted(table)))
    for k in adv:
        if what == "policy":
            accepted("policy key " + k, table[k])
        elif what == "allow[]":
            accepted("allow[] key " + k, {"allow": [table[k]]})
        else:
            accepted("condition key " + k, {"allow": [{"name": "read", "args": [table[k]]}]})
for op in j["allow[].args[].op"]:
    c = {"index": 0, "op": op, "value": 1}
    if op == "masked-eq":
        c["mask"] = 1
    accepted("op " + op, {"allow": [{"name": "read", "args": [c]}]})
for a in j["default"]:
    accepted("default action " + a, {"default": a.replace("errno:NAME", "errno:EPERM"), "allow": ["read"]})
# the shipped policies use no key features does not advertise
def walk(doc, f):
    for k in doc:
        if k not in j["policy"]:
            sys.exit("%s: key %s is not advertised" % (f, k))
    lists = list(doc.get("allow", [])) + [e for l in doc.get("errno", {}).values() for e in l]
    for e in lists:
        if isinstance(e, dict):
            for k in e:
                if k not in j["allow[]"]:
                    sys.exit("%s: entry key %s is not advertised" % (f, k))
            for c in e.get("args", []):
                for k in c:
                    if k not in j["allow[].args[]"]:
                        sys.exit("%s: condition key %s is not advertised" % (f, k))
                if c.get("op", "eq") not in j["allow[].args[].op"]:
                    sys.exit("%s: op %s is not advertised" % (f, c["op"]))
    if "default" in doc and not any(doc["default"] == a or (a == "errno:NAME" and doc["default"].startswith("errno:"))
                                    for a in j["default"]):
        sys.exit("%s: default %s is not advertised" % (f, doc["default"]))
files = glob.glob(os.path.join(poldir, "*.json"))
if not files:
    sys.exit("no policies in " + poldir)
for f in files:
    walk(json.load(open(f)), f)
print("%d policies accepted, %d shipped policies use only advertised keys" % (n, len(files)))
' "$VJ_T/f.json" "$VMJAIL" "$VJ_T/w" "${VMJAIL_POLICY_PATH%%:*}" || { show; return 1; }
}
@test "root: every advertised policy key, operator and default action is accepted by vmjail seccomp check" {
	caller root
	check_policy_keys
}
@test "user: every advertised policy key, operator and default action is accepted by vmjail seccomp check" {
	caller user
	check_policy_keys
}

# Every advertised profile key (each of its values where it lists them)
# in a profile extending generic: `vmjail check` accepts each. The keys
# the shipped profiles use are all advertised, those of the sections the
# engines check (seccomp, cgroup, qmp, lsm) included. The keys inside
# those sections are tried one by one by check_engine_keys below.
check_profile_keys() {
	features_json || return 1
	mkdir_for_jail "$VJ_T/w" "$VJ_T/w/dir"
	py '
import glob, json, os, pwd, grp, subprocess, sys
adv = json.load(open(sys.argv[1]))["profile-keys"]
engines = [k for k, d in adv.items() if d.get("checked-by")]
# the keys outside the sections the engines check (and the sections themselves)
j = {k: d for k, d in adv.items() if k in engines or k.split(".")[0].split("[")[0] not in engines}
vmjail, tdir, profdir = sys.argv[2], sys.argv[3], sys.argv[4]
os.umask(0o022)
d = os.path.join(tdir, "dir")
user = pwd.getpwuid(65534).pw_name
group = grp.getgrgid(65534).gr_name
def mnt(**m):
    return {"filesystem": {"mounts": [m]}}
# key -> samples (profile fragments merged into {"extends": "generic"});
# None: one sample per advertised value/item/key, made by the lambda.
samples = {
    "description": [{"description": "d"}],
    "extends": [{"extends": "generic"}, {"extends": ["generic"]}],
    "namespaces": [{"namespaces": {}}],
    "namespaces.user": lambda v: {"namespaces": {"user": v}},
    "namespaces.pid": [{"namespaces": {"pid": True}}],
    "namespaces.ipc": [{"namespaces": {"ipc": False}}, {"namespaces": {"ipc": True}}],
    "namespaces.uts": [{"namespaces": {"uts": False}}, {"namespaces": {"uts": True}}],
    "namespaces.cgroup": [{"namespaces": {"cgroup": False}}, {"namespaces": {"cgroup": True}}],
    "network": [{"network": "none"}, {"network": "host"}],
    "hostname": [{"hostname": "h"}],
    "user": [{"user": {}}],
    "user.uid": [{"user": {"uid": 65534}}, {"user": {"uid": user}}],
    "user.gid": [{"user": {"gid": 65534}}, {"user": {"gid": group}}],
    "user.allow_root": [{"user": {"allow_root": False}}],
    "capabilities": [{"capabilities": []}, {"capabilities": ["net_bind_service"]}],
    "rlimits": lambda k: {"rlimits": {k: [1, 1] if k == "nice" else [4096, 4096]}},
    "environment": [{"environment": {}}],
    "environment.keep": [{"environment": {"keep": ["TERM"]}}],
    "environment.set": [{"environment": {"set": {"A": "b"}}}],
    "filesystem": [{"filesystem": {}}],
    "filesystem.mounts": [{"filesystem": {"mounts": []}}],
    "filesystem.mounts[].type": lambda t: mnt(type=t, target="/x", **(
        {"source": d} if t in ("ro-bind", "bind") else {"source": "/dev/null"} if t == "dev-bind"
        else {"source": "usr/bin"} if t == "symlink" else {})),
    "filesystem.mounts[].source": [mnt(type="ro-bind", source=d, target="/x")],
    "filesystem.mounts[].target": [mnt(type="dir", target="/x")],
    "filesystem.mounts[].optional": [mnt(type="ro-bind", source="/no-such-vmjail-path", target="/x", optional=True)],
    "filesystem.mounts[].options": lambda o: mnt(type="tmpfs", target="/x", options=[o]),
    "filesystem.mounts[].mode": [mnt(type="dir", target="/x", mode="0700")],
    "filesystem.mounts[].size": [mnt(type="tmpfs", target="/x", size=1048576), mnt(type="tmpfs", target="/x", size="1M")],
    "filesystem.mounts[].content": [mnt(type="file", target="/x", content="c")],
    "filesystem.mounts[].remove": [mnt(target="/tmp", remove=True)],
    "filesystem.devices": [{"filesystem": {"devices": ["null"]}}],
    "filesystem.devices[].name": [{"filesystem": {"devices": [{"name": "zero"}]}}],
    "filesystem.devices[].optional": [{"filesystem": {"devices": [{"name": "no-such-vmjail-dev", "optional": True}]}}],
    "filesystem.pts": [{"filesystem": {"pts": True}}],
    "filesystem.shm": [{"filesystem": {"shm": True}}],
    "filesystem.proc": [{"filesystem": {"proc": True}}],
    "filesystem.identity": [{"filesystem": {"identity": False}}],
    "process": [{"process": {}}],
    "process.chdir": [{"process": {"chdir": "/tmp"}}],
    "process.wait": lambda w: {"process": {"wait": w}},
    "process.keep_fds": [{"process": {"keep_fds": []}}],
    "seccomp": [{"seccomp": {"policy": "generic"}}],
    "cgroup": [{"cgroup": {}}],
    "qmp": [{"qmp": {}}],
    "lsm": [{"lsm": {}}],
}
if sorted(samples) != sorted(j):
    sys.exit("advertised keys and this test differ: only advertised %r, only here %r (give a new key a sample here)"
             % (sorted(set(j) - set(samples)), sorted(set(samples) - set(j))))
n = 0
def accepted(what, frag):
    global n
    n += 1
    p = os.path.join(tdir, "prof%d.json" % n)
    doc = {"extends": "generic"}
    doc.update(frag)
    with open(p, "w") as f:
        json.dump(doc, f)
    r = subprocess.run([vmjail, "check", "--profile", p, "--", "/bin/true"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("%s: vmjail check refuses %s: %s" % (what, json.dumps(doc), r.stderr.strip()))
for k, desc in j.items():
    s = samples[k]
    if callable(s):
        vals = desc.get("values") or desc.get("items") or desc.get("keys")
        if not vals:
            sys.exit("%s: this test expects a list of values" % k)
        for v in vals:
            accepted("%s = %s" % (k, v), s(v))
    else:
        for frag in s:
            accepted(k, frag)
# not vacuous: an unknown key is refused
p = os.path.join(tdir, "bogus.json")
json.dump({"extends": "generic", "process": {"no_such_key": 1}}, open(p, "w"))
if subprocess.run([vmjail, "check", "--profile", p], capture_output=True).returncode != 125:
    sys.exit("vmjail check accepts an unknown key")
# the shipped profiles use no key features does not advertise; a value is
# walked into where features lists keys below it (not into maps such as
# rlimits and environment.set)
def below(key):
    return any(a.startswith(key) for a in adv)
def walk(doc, path, f):
    for k, v in doc.items():
        key = path + k
        if key not in adv:
            sys.exit("%s: key %s is not advertised" % (f, key))
        if isinstance(v, dict) and below(key + "."):
            walk(v, key + ".", f)
        elif isinstance(v, list) and below(key + "[]."):
            for e in v:
                if isinstance(e, dict):
                    walk(e, key + "[].", f)
files = glob.glob(os.path.join(profdir, "*.json"))
if not files:
    sys.exit("no profiles in " + profdir)
for f in files:
    walk(json.load(open(f)), "", f)
print("%d profiles accepted, %d shipped profiles use only advertised keys" % (n, len(files)))
' "$VJ_T/f.json" "$VMJAIL" "$VJ_T/w" "${VMJAIL_PROFILE_PATH%%:*}" || { show; return 1; }
}
@test "root: every advertised profile key (and each listed value) is accepted by vmjail check" {
	caller root
	check_profile_keys
}
@test "user: every advertised profile key (and each listed value) is accepted by vmjail check" {
	caller user
	check_profile_keys
}

# The sections the engines check (seccomp, cgroup, qmp, lsm): every key
# features lists inside them, in a profile extending generic, with `vmjail
# check --profile FILE` as the oracle:
#  - accepted (exit 0) with a value built from what features says: each
#    of its "values", both booleans, its "min" and "max", each of its
#    "items", an object, and for what features can only say in words a
#    sample from this test; every type it advertises is tried;
#  - refused (exit 125, the message naming the file and the key's JSON
#    path) with a value of every type it does not advertise, a string
#    outside its "values", an integer just outside [min, max];
#  - a made-up key next to it ("cgroup.no_such_key") is refused, exit 125,
#    "FILE: PATH: unknown key".
# Objects a key sits in get what they need to be valid otherwise (a
# socket's path, a rule's command, ...).
check_engine_keys() {
	features_json || return 1
	mkdir_for_jail "$VJ_T/w"
	local script
	script=$(
		cat <<'EOF'
import json, os, subprocess, sys
adv = json.load(open(sys.argv[1]))["profile-keys"]
vmjail, tdir = sys.argv[2], sys.argv[3]
engines = sorted(k for k, d in adv.items() if d.get("checked-by"))
if engines != ["cgroup", "lsm", "qmp", "seccomp"]:
    sys.exit("sections checked by engines: %r" % engines)
def section(k):
    return k.split(".")[0].split("[")[0]
keys = {k: d for k, d in adv.items() if section(k) in engines and k not in engines}
for e in engines:
    if not any(section(k) == e for k in keys):
        sys.exit("%s: no key of the section is advertised" % e)

sock = os.path.join(tdir, "q.sock")
CONTEXT = "system_u:system_r:svirt_t:s0"
# What features says only in words ("value"): samples, by key. Each must
# be valid; the test fails when a key has a type no sample covers.
words = {
    "seccomp.policy": ["generic"],
    "seccomp.learn": [os.path.join(tdir, "learned.json")],
    "cgroup.parent": ["/vmjail-features-test"],
    "cgroup.memory.max": ["64M", "max"],
    "cgroup.memory.swap_max": ["0", "1G", "max"],
    "cgroup.cpu.max": [1.5, 2, {"quota_us": 50000, "period_us": 100000}],
    "cgroup.cpuset.cpus": ["0", "0-1,3"],
    "cgroup.cpuset.mems": ["0"],
    "qmp.wiring": [["-chardev", "socket,id=m,fd={fd}", "-mon", "chardev=m,mode=control"]],
    "qmp.sockets": [[{"path": sock}], []],
    "qmp.sockets[].path": [sock],
    "qmp.sockets[].policy": [{"allow": ["query-*"]}, {"deny": ["quit"], "defaults": False}],
    "qmp.sockets[].policy.allow": [["query-*", {"command": "query-status"}], []],
    "qmp.sockets[].policy.deny": [["quit", {"command": "migrate", "arguments": {"uri": "exec:*"}}]],
    "qmp.sockets[].mode": ["0660"],
    "qmp.mode": ["0600"],
    "qmp.deny": [["quit", {"command": "migrate", "arguments": {"uri": "exec:*"}}], []],
    "lsm.selinux.label": [CONTEXT],
    "lsm.selinux.file_label": ["system_u:object_r:svirt_image_t:s0"],
    "lsm.selinux.categories": [[0, 1023], [10, 11]],
    "lsm.apparmor.profile": ["vmjail-features-test"],
    "lsm.landlock.tcp_bind": [[], [0, 8080, 65535]],
    "lsm.landlock.tcp_connect": [[], [443]],
}
for k in keys:
    if k.endswith(".command"):
        words.setdefault(k, ["query-*", "quit"])
    elif k.endswith(".arguments"):
        words.setdefault(k, [{"uri": "exec:*", "blockdev": "!drive-*", "opts": "*"}, {}])
extra = sorted(set(words) - set(keys))
if extra:
    sys.exit("samples for keys features does not advertise: %r" % extra)

# The objects a key sits in, made valid apart from the key.
def companions(obj, key):
    if obj == "qmp.sockets[]":
        return {"path": sock}
    if obj == "qmp.sockets[].policy":
        return {} if key in ("allow", "deny") else {"deny": []}
    if obj.endswith("allow[]") or obj.endswith("deny[]"):
        return {"command": "query-*"}
    if obj == "cgroup.cpu.max":
        return {"quota_us": 50000}
    return {}

def frag(key, value):
    """The profile fragment setting key (a features path) to value."""
    segs = [(p[:-2], True) if p.endswith("[]") else (p, False) for p in key.split(".")]
    cur = value
    for i in range(len(segs) - 1, 0, -1):
        obj = ".".join(n + ("[]" if a else "") for n, a in segs[:i])
        o = dict(companions(obj, segs[i][0]))
        o[segs[i][0]] = cur
        cur = [o] if segs[i - 1][1] else o
    return {segs[0][0]: cur}

n = 0
def check(frag):
    global n
    n += 1
    p = os.path.join(tdir, "prof%d.json" % n)
    doc = {"extends": "generic"}
    doc.update(frag)
    with open(p, "w") as f:
        json.dump(doc, f)
    r = subprocess.run([vmjail, "check", "--profile", p, "--", "/bin/true"], capture_output=True, text=True)
    return p, doc, r
def accepted(key, value):
    p, doc, r = check(frag(key, value))
    if r.returncode != 0:
        sys.exit("%s = %s: vmjail check refuses %s: %s" % (key, json.dumps(value), json.dumps(doc), r.stderr.strip()))
def refused(what, key, value, path, says=""):
    p, doc, r = check(frag(key, value))
    want = "%s: %s: %s" % (p, path, says)
    if r.returncode != 125 or want not in r.stderr:
        sys.exit("%s: vmjail check of %s: expected exit status 125 and [%s], got %d: %s"
                 % (what, json.dumps(doc), want, r.returncode, r.stderr.strip()))

def jtype(v):
    return {str: "string", bool: "boolean", int: "integer", float: "number", dict: "object", list: "array"}[type(v)]
ALL = ["string", "boolean", "integer", "number", "object", "array"]
WRONG = {"string": "no-such-value", "boolean": True, "integer": 7, "number": 1.5, "object": {}, "array": []}
INT64_MAX = 2**63 - 1
n_ok = n_bad = 0
for k, d in keys.items():
    types = ALL if d["type"] == "any" else d["type"].split("|")
    bad = [t for t in types if t not in ALL]
    if bad:
        sys.exit("%s: unknown type %r" % (k, bad))
    vals = list(words.get(k, []))
    vals += d.get("values", [])
    if "boolean" in types:
        vals += [True, False]
    if "min" in d:
        vals += [d["min"], d["max"]]
    if "items" in d:
        vals += [[i] for i in d["items"]]
    if d["type"] == "any":
        vals += ["c", True, 1, 1.5, {}, []]
    if "object" in types and not any(isinstance(v, dict) for v in vals) and \
            any(a.startswith(k + ".") for a in keys):
        vals.append({})
    for t in types:
        if not any(jtype(v) == t for v in vals):
            sys.exit("%s: no %s value to try: give the key a sample here (words)" % (k, t))
    for v in vals:
        if jtype(v) not in types:
            sys.exit("%s: the sample %s is not of an advertised type %s" % (k, json.dumps(v), d["type"]))
        accepted(k, v)
        n_ok += 1
    path = k.replace("[]", "[0]")
    for t in ALL:
        if t not in types and not (t == "integer" and "number" in types):
            refused("%s as %s" % (k, t), k, WRONG[t], path)
            n_bad += 1
    if "values" in d and "string" in types:
        refused("%s outside its values" % k, k, "no-such-value", path)
        n_bad += 1
    if "min" in d:
        refused("%s below its min" % k, k, d["min"] - 1, path)
        n_bad += 1
        # json-c reads integers above INT64_MAX as INT64_MAX: nothing
        # beyond that maximum can be told apart from it.
        if d["max"] < INT64_MAX:
            refused("%s above its max" % k, k, d["max"] + 1, path)
            n_bad += 1

# A made-up key next to every advertised one. The parser of cgroup.cpu.max
# names the object instead, with the forms it takes.
objects = sorted(set(k.rsplit(".", 1)[0] for k in keys))
instead = {"cgroup.cpu.max": ("cgroup.cpu.max", "expected a number of CPUs")}
for o in objects:
    path, says = instead.get(o, (o.replace("[]", "[0]") + ".no_such_key", "unknown key"))
    refused("made-up key in %s" % o, o + ".no_such_key", 1, path, says)
print("%d keys of %s: %d values accepted, %d refused, a made-up key refused in %d objects"
      % (len(keys), ", ".join(engines), n_ok, n_bad, len(objects)))
EOF
	)
	py "$script" "$VJ_T/f.json" "$VMJAIL" "$VJ_T/w" || { show; return 1; }
}
@test "root: every key of the seccomp, cgroup, qmp and lsm sections is accepted as advertised; a made-up one is refused" {
	caller root
	check_engine_keys
}
@test "user: every key of the seccomp, cgroup, qmp and lsm sections is accepted as advertised; a made-up one is refused" {
	caller user
	check_engine_keys
}
